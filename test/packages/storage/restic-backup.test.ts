import { ImageReference, Ipv4Subnet, OperatorContract, Pushgateway, restrictedViolations } from '@cdk8s-vserver/core';
import { NfsFolder, ResticBackup, ResticBackupProps } from '@cdk8s-vserver/storage';
import { Chart, Size, Testing } from 'cdk8s';
import { find, synth } from '../../support';

const RESTIC = ImageReference.of('master.test:5000/myrepo/restic:v1');

function setup(props: Partial<ResticBackupProps> = {}, targetChart?: (app: ReturnType<typeof Testing.app>) => Chart) {
  const app = Testing.app();
  const chart = new Chart(app, 'web', { namespace: 'default', disableResourceNameHashes: true });
  const docroot = new NfsFolder(chart, 'Docroot', { host: 'nas.test', path: '/export/web/myweb', claimName: 'docroot' });
  const target = new NfsFolder(targetChart ? targetChart(app) : chart, 'Target', { host: 'nas.test', path: '/export/backup/myweb', claimName: 'myweb-backup' });
  const backup = new ResticBackup(chart, 'Backup', { name: 'myweb', docroot, target, image: RESTIC, ...props });
  return { chart, backup, docroot };
}

const podOf = (c: any) => c.spec.jobTemplate.spec.template.spec;
const envOf = (c: any): Record<string, string> => Object.fromEntries(podOf(c).containers[0].env.map((e: any) => [e.name, e.value]));

describe('defaults', () => {
  const { chart } = setup();
  const manifests = synth(chart);
  const cron = (task: string) => find(manifests, 'CronJob', `myweb-${task}`);

  test('a nightly backup, a weekly prune and drill, one at a time each, and a suspended restore template', () => {
    expect(cron('backup').apiVersion).toBe('batch/v1');
    expect(cron('backup').spec).toMatchObject({ schedule: '0 3 * * *', suspend: false, concurrencyPolicy: 'Forbid' });
    expect(cron('prune').spec).toMatchObject({ schedule: '30 4 * * 0', suspend: false, concurrencyPolicy: 'Forbid' });
    expect(cron('drill').spec).toMatchObject({ schedule: '0 5 * * 0', suspend: false, concurrencyPolicy: 'Forbid' });
    expect(cron('restore').spec).toMatchObject({ suspend: true, concurrencyPolicy: 'Forbid' });
  });

  test("each CronJob runs the image's script with its task, on the server's repository in the backup export", () => {
    for (const task of ['backup', 'prune', 'drill', 'restore']) {
      const c = podOf(cron(task)).containers[0];
      expect(c.image).toBe('master.test:5000/myrepo/restic:v1');
      expect(c.command).toBeUndefined();
      expect(c.args).toEqual([task]);
    }
    expect(envOf(cron('backup'))).toEqual({
      SERVER: 'myweb',
      SOURCE: '/docroot',
      RESTIC_REPOSITORY: '/backup/.restic',
      RESTIC_PASSWORD_FILE: '/etc/restic/password',
      KEEP_DAILY: '7',
      KEEP_WEEKLY: '4',
      KEEP_MONTHLY: '6',
      CHECK_SHARE: '7',
      CUSTOMER_COPY: '/backup',
    });
  });

  test('the docroot is read-only but for the restore; the repository writable (a read takes a lock); the drill has a scratch folder', () => {
    const mount = (task: string, name: string) => podOf(cron(task)).containers[0].volumeMounts.find((m: any) => m.name === name);
    for (const task of ['backup', 'prune', 'drill']) expect(mount(task, 'docroot')).toEqual({ name: 'docroot', mountPath: '/docroot', readOnly: true });
    expect(mount('restore', 'docroot')).toEqual({ name: 'docroot', mountPath: '/docroot', readOnly: false });
    for (const task of ['backup', 'prune', 'drill', 'restore']) expect(mount(task, 'backup')).toEqual({ name: 'backup', mountPath: '/backup', readOnly: false });
    expect(mount('drill', 'scratch')).toEqual({ name: 'scratch', mountPath: '/scratch' });
    expect(mount('backup', 'scratch')).toBeUndefined();
    expect(podOf(cron('drill')).volumes.find((v: any) => v.name === 'scratch')).toEqual({ name: 'scratch', emptyDir: { sizeLimit: '16384Mi' } });
  });

  test("the password comes from the Secret myweb-restic, readable by the jobs' group only", () => {
    expect(podOf(cron('backup')).volumes.find((v: any) => v.name === 'password'))
      .toEqual({ name: 'password', secret: { secretName: 'myweb-restic', defaultMode: 0o440, items: [{ key: 'password', path: 'password' }] } });
    expect(podOf(cron('backup')).securityContext.fsGroup).toBe(1000);
  });

  test("runs as the docroot's owner (1000), restricted, with no network and no service account token", () => {
    for (const task of ['backup', 'prune', 'drill', 'restore']) {
      const cronJob = cron(task);
      expect(restrictedViolations(podOf(cronJob))).toEqual([]);
      expect(podOf(cronJob).securityContext).toMatchObject({ runAsUser: 1000, runAsGroup: 1000, runAsNonRoot: true });
      expect(podOf(cronJob).automountServiceAccountToken).toBe(false);
      expect(podOf(cronJob).nodeSelector).toEqual({ role: 'worker' });
    }
    const policy = find(manifests, 'NetworkPolicy', 'myweb-backup');
    expect(policy.spec).toEqual({
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'restic-backup', 'app.kubernetes.io/instance': 'myweb-backup' } },
      policyTypes: ['Ingress', 'Egress'],
    });
  });

  test('a failed check or drill is retried once at most, and each run has an hour', () => {
    for (const task of ['backup', 'prune', 'drill', 'restore']) {
      expect(cron(task).spec.jobTemplate.spec).toMatchObject({ backoffLimit: 1, activeDeadlineSeconds: 3600 });
    }
  });

  test("the operator is told the password's Secret, with a command that makes it, and the image's build folder", () => {
    const contract = OperatorContract.of(chart).render([], undefined);
    expect(contract.secrets).toEqual([expect.objectContaining({
      namespace: 'default',
      name: 'myweb-restic',
      command: expect.stringMatching(/^kubectl create secret generic myweb-restic -n default --from-literal=password="\$\(openssl rand/),
    })]);
    expect(contract.secrets[0].what).toContain('keep a copy outside the cluster');
    expect(contract.images).toContainEqual({ image: RESTIC.reference, method: 'build', from: 'packages/storage/images/restic' });
  });
});

test('schedules, retention, the checked share, the scratch size and the Secret are props', () => {
  const { chart, backup } = setup({
    schedule: '30 1 * * *',
    keep: { daily: 14, weekly: 0 },
    checkShare: 30,
    pruneSchedule: '0 2 1 * *',
    drillSchedule: '0 6 * * *',
    drillScratch: Size.gibibytes(2),
    passwordSecret: 'myweb-key',
  });
  const manifests = synth(chart);
  expect(find(manifests, 'CronJob', 'myweb-backup').spec.schedule).toBe('30 1 * * *');
  expect(find(manifests, 'CronJob', 'myweb-prune').spec.schedule).toBe('0 2 1 * *');
  expect(find(manifests, 'CronJob', 'myweb-drill').spec.schedule).toBe('0 6 * * *');
  expect(envOf(find(manifests, 'CronJob', 'myweb-backup'))).toMatchObject({ KEEP_DAILY: '14', KEEP_WEEKLY: '0', KEEP_MONTHLY: '6', CHECK_SHARE: '30' });
  expect(podOf(find(manifests, 'CronJob', 'myweb-drill')).volumes.find((v: any) => v.name === 'scratch').emptyDir.sizeLimit).toBe('2048Mi');
  expect(podOf(find(manifests, 'CronJob', 'myweb-backup')).volumes.find((v: any) => v.name === 'password').secret.secretName).toBe('myweb-key');
  expect(backup.passwordSecret).toBe('myweb-key');
  // the alerts' ages: a day (and the job's hour) for the nightly backup, a day for the daily drill
  expect(backup.staleAfterSeconds).toBe(86400 + 3600);
  expect(backup.drillStaleAfterSeconds).toBe(86400 + 3600);
});

test("without customerCopy no snapshot is unpacked for the customer (the server's sshd then mounts nothing of it)", () => {
  const { chart, backup } = setup({ customerCopy: false });
  expect(backup.customerCopy).toBe(false);
  expect(envOf(find(synth(chart), 'CronJob', 'myweb-backup')).CUSTOMER_COPY).toBeUndefined();
  expect(setup().backup.customerCopy).toBe(true);
});

describe("with the server's database", () => {
  const database = {
    host: '10.96.0.53',
    hostIsDnsName: false,
    port: 3306,
    database: 'my_web',
    user: 'my_web',
    secret: 'myweb-database',
    clientLabels: { 'cdk8s-vserver.io/database-client': 'mariadb' },
    peer: { namespaceSelector: {}, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'site-database', 'app.kubernetes.io/instance': 'mariadb' } } },
  };
  const { chart, backup } = setup({ database });
  const manifests = synth(chart);
  const cron = (task: string) => find(manifests, 'CronJob', `myweb-${task}`);

  test('the backup dumps it and the restore loads it back as its user, the password from the customer\'s Secret (a file, readable by the group only); the drill knows its name', () => {
    for (const task of ['backup', 'restore']) {
      expect(envOf(cron(task))).toMatchObject({
        DATABASE: 'my_web', DATABASE_HOST: '10.96.0.53', DATABASE_PORT: '3306', DATABASE_USER: 'my_web', DATABASE_PASSWORD_FILE: '/etc/database/password',
      });
      expect(podOf(cron(task)).volumes.find((v: any) => v.name === 'database-password'))
        .toEqual({ name: 'database-password', secret: { secretName: 'myweb-database', defaultMode: 0o440, items: [{ key: 'password', path: 'password' }] } });
      expect(podOf(cron(task)).containers[0].volumeMounts).toContainEqual({ name: 'database-password', mountPath: '/etc/database', readOnly: true });
    }
    // the drill loads the dump into a MariaDB of its own: the name only, no host, no password
    expect(envOf(cron('drill'))).toMatchObject({ DATABASE: 'my_web' });
    expect(envOf(cron('drill')).DATABASE_HOST).toBeUndefined();
    expect(envOf(cron('prune')).DATABASE).toBeUndefined();
    for (const task of ['prune', 'drill']) {
      expect(envOf(cron(task)).DATABASE_PASSWORD_FILE).toBeUndefined();
      expect(podOf(cron(task)).volumes.map((v: any) => v.name)).not.toContain('database-password');
    }
  });

  test("only the backup's and the restore's pods carry the database's client label, and only they may reach its port (and no DNS: its host is an address)", () => {
    for (const task of ['backup', 'restore']) {
      expect(cron(task).spec.jobTemplate.spec.template.metadata.labels).toMatchObject({ 'cdk8s-vserver.io/database-client': 'mariadb' });
    }
    for (const task of ['prune', 'drill']) {
      expect(cron(task).spec.jobTemplate.spec.template.metadata.labels['cdk8s-vserver.io/database-client']).toBeUndefined();
    }
    expect(find(manifests, 'NetworkPolicy', 'myweb-backup-database').spec).toEqual({
      podSelector: { matchLabels: { 'app.kubernetes.io/instance': 'myweb-backup', 'cdk8s-vserver.io/database-client': 'mariadb' } },
      policyTypes: ['Egress'],
      egress: [{ to: [database.peer], ports: [{ protocol: 'TCP', port: 3306 }] }],
    });
    expect(backup.databasePolicy).toBeDefined();
    for (const task of ['backup', 'drill', 'restore']) expect(restrictedViolations(podOf(cron(task)))).toEqual([]);
  });

  test('a database reached by its DNS name also lets the backup ask the cluster\'s DNS', () => {
    const named = synth(setup({ database: { ...database, host: 'mariadb.lab-database.svc', hostIsDnsName: true } }).chart);
    const egress = find(named, 'NetworkPolicy', 'myweb-backup-database').spec.egress;
    expect(egress).toHaveLength(2);
    expect(egress[1].ports).toEqual([{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }]);
  });

  test('negative control: without a database, no dump, no client label and no policy out', () => {
    const plain = setup();
    const out = synth(plain.chart);
    expect(envOf(find(out, 'CronJob', 'myweb-backup')).DATABASE).toBeUndefined();
    expect(out.filter((m: any) => m.kind === 'NetworkPolicy').map((m: any) => m.metadata.name)).toEqual(['myweb-backup']);
    expect(plain.backup.databasePolicy).toBeUndefined();
  });
});

describe('with a Pushgateway', () => {
  const { chart, backup } = setup({ pushgateway: Pushgateway.at('http://192.168.1.10:9091') });
  const manifests = synth(chart);
  const cron = (task: string) => find(manifests, 'CronJob', `myweb-${task}`);

  test('the backup, the prune and the drill push their results there, with the namespace for their labels; the restore does not', () => {
    for (const task of ['backup', 'prune', 'drill']) {
      expect(envOf(cron(task))).toMatchObject({ PUSHGATEWAY_URL: 'http://192.168.1.10:9091', PUSH_NAMESPACE: 'default' });
    }
    expect(envOf(cron('restore')).PUSHGATEWAY_URL).toBeUndefined();
    expect(backup.pushesResults).toBe(true);
    expect(setup().backup.pushesResults).toBe(false);
  });

  test('a policy lets those three jobs reach the gateway alone (the restore stays closed)', () => {
    expect(find(manifests, 'NetworkPolicy', 'myweb-backup-metrics').spec).toEqual({
      podSelector: {
        matchLabels: { 'app.kubernetes.io/instance': 'myweb-backup' },
        matchExpressions: [{ key: 'cdk8s-vserver.io/backup-task', operator: 'In', values: ['backup', 'prune', 'drill'] }],
      },
      policyTypes: ['Egress'],
      egress: [{ to: [{ ipBlock: { cidr: '192.168.1.10/32' } }], ports: [{ protocol: 'TCP', port: 9091 }] }],
    });
    for (const task of ['backup', 'prune', 'drill', 'restore']) {
      expect(cron(task).spec.jobTemplate.spec.template.metadata.labels['cdk8s-vserver.io/backup-task']).toBe(task);
    }
  });

  test('throws for a gateway by a name outside the cluster, naming the prop', () => {
    expect(() => setup({ pushgateway: Pushgateway.at('http://metrics.lan:9091') }))
      .toThrow("[web/Backup] 'pushgateway.url' must have an IPv4 address for its host");
  });
});

describe('with the repository in an S3 bucket', () => {
  const s3 = { endpoint: 'https://s3.eu-central-1.amazonaws.com', bucket: 'hosting-backups', prefix: 'vserver/lab', credentialsSecret: 'backup-s3', region: 'eu-central-1' };
  const { chart } = setup({ s3 });
  const manifests = synth(chart);
  const cron = (task: string) => find(manifests, 'CronJob', `myweb-${task}`);
  const container = (task: string) => podOf(cron(task)).containers[0];

  test("every job's repository is the server's folder of the bucket, its keys from the Secret (never in the manifest)", () => {
    for (const task of ['backup', 'prune', 'drill', 'restore']) {
      expect(envOf(cron(task)).RESTIC_REPOSITORY).toBe('s3:https://s3.eu-central-1.amazonaws.com/hosting-backups/vserver/lab/myweb');
      expect(container(task).env).toEqual(expect.arrayContaining([
        { name: 'AWS_ACCESS_KEY_ID', valueFrom: { secretKeyRef: { name: 'backup-s3', key: 'AWS_ACCESS_KEY_ID' } } },
        { name: 'AWS_SECRET_ACCESS_KEY', valueFrom: { secretKeyRef: { name: 'backup-s3', key: 'AWS_SECRET_ACCESS_KEY' } } },
        { name: 'AWS_DEFAULT_REGION', value: 'eu-central-1' },
      ]));
    }
  });

  test("the backup folder holds the customer's copy only: the backup mounts it, the other jobs do not", () => {
    expect(container('backup').volumeMounts.map((m: any) => m.name)).toContain('backup');
    for (const task of ['prune', 'drill', 'restore']) expect(container(task).volumeMounts.map((m: any) => m.name)).not.toContain('backup');
    const noCopy = synth(setup({ s3, customerCopy: false, target: undefined }).chart);
    expect(podOf(find(noCopy, 'CronJob', 'myweb-backup')).containers[0].volumeMounts.map((m: any) => m.name)).not.toContain('backup');
  });

  test('every job may reach the endpoint on 443 anywhere but the private ranges (a name), with DNS; at an address, that address alone', () => {
    const policy = find(manifests, 'NetworkPolicy', 'myweb-backup-s3');
    expect(policy.spec.podSelector).toEqual({ matchLabels: { 'app.kubernetes.io/instance': 'myweb-backup' } });
    expect(policy.spec.egress[0]).toEqual({
      to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'] } }],
      ports: [{ protocol: 'TCP', port: 443 }],
    });
    expect(policy.spec.egress[1].ports).toEqual([{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }]);
    const minio = synth(setup({ s3: { endpoint: 'https://192.168.1.20:9000', bucket: 'backups', credentialsSecret: 'minio' } }).chart);
    expect(find(minio, 'NetworkPolicy', 'myweb-backup-s3').spec.egress).toEqual([{ to: [{ ipBlock: { cidr: '192.168.1.20/32' } }], ports: [{ protocol: 'TCP', port: 9000 }] }]);
    expect(envOf(find(minio, 'CronJob', 'myweb-backup')).RESTIC_REPOSITORY).toBe('s3:https://192.168.1.20:9000/backups/myweb');
    // a name on the LAN: the addresses given
    const named = synth(setup({ s3: { endpoint: 'https://minio.lan', bucket: 'backups', credentialsSecret: 'minio', addresses: [Ipv4Subnet.of('192.168.1.20/32')] } }).chart);
    expect(find(named, 'NetworkPolicy', 'myweb-backup-s3').spec.egress[0].to).toEqual([{ ipBlock: { cidr: '192.168.1.20/32' } }]);
  });

  test("the operator is told the keys' Secret, with a command that makes it once from the provider's keys", () => {
    const contract = OperatorContract.of(chart).render([], undefined);
    const secret = contract.secrets.find((x: any) => x.name === 'backup-s3')!;
    expect(secret.what).toContain('hosting-backups');
    expect(secret.command).toBe('{ kubectl get secret backup-s3 -n default >/dev/null 2>&1 || kubectl create secret generic backup-s3 -n default '
      + '--from-literal=AWS_ACCESS_KEY_ID="${S3_ACCESS_KEY_ID:?set it to the bucket key id}" '
      + '--from-literal=AWS_SECRET_ACCESS_KEY="${S3_SECRET_ACCESS_KEY:?set it to the bucket secret key}"; }');
  });

  test.each([
    ['http (keys in clear)', { endpoint: 'http://s3.example.com' }, "[web/Backup] 's3.endpoint' must be the endpoint's https URL with no path, user or query"],
    ['the bucket in the endpoint', { endpoint: 'https://s3.example.com/hosting-backups' }, "'s3.endpoint' must be the endpoint's https URL with no path"],
    ['a bucket with capitals', { bucket: 'Hosting' }, "[web/Backup] 's3.bucket' must be an S3 bucket name: 3-63 lowercase letters"],
    ['a bucket like an address', { bucket: '192.168.1.20' }, "'s3.bucket' must be an S3 bucket name"],
    ['a prefix with a leading slash', { prefix: '/vserver' }, "[web/Backup] 's3.prefix' must be a folder of the bucket"],
    ['a prefix that climbs', { prefix: 'vserver/../other' }, "'s3.prefix' must be a folder of the bucket"],
    ['a Secret that is no name', { credentialsSecret: 'Backup S3' }, "[web/Backup] 's3.credentialsSecret' must be a DNS-1123 subdomain"],
    ['a region with spaces', { region: 'eu central' }, "[web/Backup] 's3.region' must be a region name"],
    ['no addresses', { addresses: [] }, "[web/Backup] 's3.addresses' must name at least one subnet"],
  ])('throws for %s', (_what, change, message) => {
    expect(() => setup({ s3: { ...s3, ...change } })).toThrow(message);
  });

  test('throws for no target without S3, and for a customer copy with no folder for it', () => {
    expect(() => setup({ target: undefined })).toThrow("[web/Backup] 'target' must be the folder the repository lives in (an NfsFolder of the backup export), or s3 name a bucket");
    expect(() => setup({ s3, target: undefined })).toThrow("[web/Backup] 'target' must be a folder for the customer's copy (an NfsFolder of the backup export), or customerCopy be false");
  });
});

test('by default the drill may be a week and an hour old before it counts as missed', () => {
  expect(setup().backup.drillStaleAfterSeconds).toBe(7 * 86400 + 3600);
});

describe('bad input', () => {
  test.each([
    ['a schedule that is not cron', { schedule: 'nightly' },
      "[web/Backup] 'schedule' must be a schedule Kubernetes' CronJob accepts, such as \"0 3 * * *\" or \"@daily\" (this one has 1 field, not 5 "
      + '(minute hour day-of-month month day-of-week)), got "nightly"'],
    ['a drill schedule that is not cron', { drillSchedule: '0 5 * *' }, /^\[web\/Backup\] 'drillSchedule' must be a schedule Kubernetes' CronJob accepts/],
    ['a prune schedule that is not cron', { pruneSchedule: 'weekly' }, /^\[web\/Backup\] 'pruneSchedule' must be a schedule Kubernetes' CronJob accepts/],
    ['the tar backup\'s number of archives', { keep: 7 as any },
      /^\[web\/Backup\] 'keep' must be \{ daily, weekly, monthly \}, how many snapshots of each to keep \(a number of archives was the tar backup's/],
    ['nothing kept', { keep: { daily: 0, weekly: 0, monthly: 0 } }, /^\[web\/Backup\] 'keep' must keep at least one snapshot/],
    ['a negative retention', { keep: { daily: -1 } }, "[web/Backup] 'keep.daily' must be an integer from 0 to 1000, got -1"],
    ['a share of none', { checkShare: 0 }, "[web/Backup] 'checkShare' must be an integer from 1 to 100, got 0"],
    ['a scratch folder too small', { drillScratch: Size.mebibytes(10) }, "[web/Backup] 'drillScratch' must be a Size of at least 64 MiB, such as Size.gibibytes(16), got \"10 MiB\""],
    ['a Secret name that is no name', { passwordSecret: 'My Key' }, /^\[web\/Backup\] 'passwordSecret' must be a DNS-1123 label/],
    ['root', { user: 0 }, "[web/Backup] 'user' must be an integer from 1 to 2147483647, got 0"],
    ['a name too long for a CronJob', { name: 'm'.repeat(45) },
      /^\[web\/Backup\] 'name' must have at most 44 characters \(it has 45\): '<name>-restore' is a CronJob name/],
    ['an unpinned image', { image: ImageReference.of('master.test:5000/myrepo/restic') }, /'image' must be an ImageReference with a pinned tag/],
  ])('throws for %s', (_what, props, message) => {
    expect(() => setup(props as Partial<ResticBackupProps>)).toThrow(message);
  });

  test('throws for a target in another namespace than the docroot', () => {
    expect(() => setup({}, (app) => new Chart(app, 'backups', { namespace: 'backups' }))).toThrow(
      "[web/Backup] 'target' must be a claim in the docroot's namespace \"default\": one Job mounts both, got \"backups\"");
  });

  test('throws for the docroot as its own target', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'web', { namespace: 'default' });
    const docroot = new NfsFolder(chart, 'Docroot', { host: 'nas.test', path: '/export/web/myweb', claimName: 'docroot' });
    expect(() => new ResticBackup(chart, 'Backup', { name: 'myweb', docroot, target: docroot, image: RESTIC })).toThrow(
      "[web/Backup] 'target' must be another folder than the docroot: a backup inside what it saves is lost with it, got \"docroot\"");
  });
});

test("the jobs' pods never carry the server's instance label (the README's log query per server must not find them)", () => {
  const labels = find(synth(setup().chart), 'CronJob', 'myweb-drill').spec.jobTemplate.spec.template.metadata.labels;
  expect(labels).toEqual({
    'app.kubernetes.io/name': 'restic-backup',
    'app.kubernetes.io/instance': 'myweb-backup',
    'app.kubernetes.io/managed-by': 'cdk8s-vserver',
    // which job a pod is (`kubectl get pods -l cdk8s-vserver.io/backup-task=drill`)
    'cdk8s-vserver.io/backup-task': 'drill',
  });
});

test("its container is the backup job's, as written (a site sizes a quota from it without reading the CronJob back)", () => {
  const { chart, backup } = setup();
  const written = find(synth(chart), 'CronJob', 'myweb-backup').spec.jobTemplate.spec.template.spec.containers;
  expect(written).toHaveLength(1);
  expect(JSON.parse(JSON.stringify(written[0]))).toEqual(JSON.parse(JSON.stringify({
    ...backup.container,
    resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '1', memory: '512Mi' } },
  })));
});
