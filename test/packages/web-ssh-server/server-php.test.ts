import { containerResources, ImageReference, OperatorContract, restrictedViolations, Warnings } from '@cdk8s-vserver/core';
import { DatabaseBinding, NfsFolder } from '@cdk8s-vserver/storage';
import {
  CronTask, PhpVersion, ServerEgress, ServerNamespace, ServerPhp, WebSshServer, WebSshServerProps,
} from '@cdk8s-vserver/web-ssh-server';
import { Chart, Duration, Size, Testing } from 'cdk8s';
import { find, Manifest, ofKind, synth } from '../../support';

const HTTPD = ImageReference.of('master.test:5000/myrepo/httpd:v1');
const SSHD = ImageReference.of('master.test:5000/myrepo/sshd:v1');
const PHP: ServerPhp = { version: PhpVersion.V8_4, image: ImageReference.of('master.test:5000/myrepo/php8.4-fpm:v1') };
const WP_CRON: CronTask = { schedule: '*/15 * * * *', command: 'php wp-cron.php', name: 'wp-cron' };

function server(props: Partial<WebSshServerProps> = {}, chart: Chart = Testing.chart()) {
  const docroot = new NfsFolder(chart, 'Docroot', { host: 'nas.test', path: '/export/web' });
  const construct = new WebSshServer(chart, 'MyWeb', { httpdImage: HTTPD, sshdImage: SSHD, docroot, ...props });
  return { chart, construct, manifests: synth(chart) };
}

const pod = (manifests: Manifest[]) => find(manifests, 'Deployment', 'my-web').spec.template.spec;
const container = (manifests: Manifest[], name: string) => pod(manifests).containers.find((c: any) => c.name === name);
const envOf = (c: any) => Object.fromEntries((c.env ?? []).map((e: any) => [e.name, e.value]));

describe('a static server (no php)', () => {
  const { construct, manifests } = server();

  test('runs no php-fpm, httpd hands nothing to PHP, and there is no cron job', () => {
    expect(pod(manifests).containers.map((c: any) => c.name)).toEqual(['httpd', 'sshd']);
    expect(envOf(container(manifests, 'httpd')).PHP).toBeUndefined();
    expect(pod(manifests).volumes.map((v: any) => v.name)).not.toContain('php-socket');
    expect(ofKind(manifests, 'CronJob')).toEqual([]);
    expect(construct.php).toBeUndefined();
    expect(construct.cronJobs).toEqual([]);
  });
});

describe('php: php-fpm beside httpd and sshd', () => {
  const { chart, construct, manifests } = server({ php: PHP });
  const php = container(manifests, 'php');
  const httpd = container(manifests, 'httpd');

  test("a third container from the pinned image, as web (1000), the docroot's owner, with the docroot read-write", () => {
    expect(pod(manifests).containers.map((c: any) => c.name)).toEqual(['httpd', 'sshd', 'php']);
    expect(php).toMatchObject({ image: PHP.image.reference, imagePullPolicy: 'IfNotPresent', securityContext: { runAsUser: 1000, runAsGroup: 1000 } });
    expect(php.volumeMounts).toContainEqual({ name: 'docroot', mountPath: '/var/www/html', readOnly: false });
    expect(construct.php?.name).toBe('php');
    expect(construct.containers.map((c) => c.name)).toEqual(['httpd', 'sshd', 'php']);
  });

  test('httpd and php-fpm meet on a socket in an in-memory volume both mount at /run/php-fpm; httpd reaches it as a member of the fsGroup', () => {
    expect(pod(manifests).volumes).toContainEqual({ name: 'php-socket', emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } });
    for (const c of [httpd, php]) expect(c.volumeMounts).toContainEqual({ name: 'php-socket', mountPath: '/run/php-fpm' });
    expect(envOf(httpd)).toMatchObject({ PHP: 'fpm' });
    expect(envOf(httpd).PHP_FRONT_CONTROLLER).toBeUndefined();
    expect(pod(manifests).securityContext.fsGroup).toBe(1000);
    // httpd still only reads the docroot
    expect(httpd.volumeMounts.find((m: any) => m.name === 'docroot')).toMatchObject({ readOnly: true });
  });

  test('the pod still passes Pod Security "restricted"', () => {
    expect(restrictedViolations(pod(manifests))).toEqual([]);
    expect(php.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
  });

  test("php.ini's defaults as the entrypoint reads them: 128M per request, 16M uploads (17M posts), UTC, 4 requests at once", () => {
    expect(envOf(php)).toEqual({
      DOCROOT: '/var/www/html', PHP_MEMORY_LIMIT: '128M', PHP_UPLOAD_MAX_SIZE: '16M', PHP_POST_MAX_SIZE: '17M', PHP_TIMEZONE: 'UTC', PHP_MAX_CHILDREN: '4',
    });
  });

  test('its memory limit holds 4 requests of 128 MiB and the master (576Mi); /tmp holds 4 uploads (68Mi)', () => {
    expect(php.resources).toEqual({ requests: { cpu: '20m', memory: '48Mi' }, limits: { cpu: '1', memory: '576Mi' } });
    expect(pod(manifests).volumes).toContainEqual({ name: 'php-tmp', emptyDir: { sizeLimit: '68Mi' } });
    expect(php.volumeMounts).toContainEqual({ name: 'php-tmp', mountPath: '/tmp' });
  });

  test("probes read the kernel's socket table (a probe starts no PHP worker)", () => {
    expect(php.readinessProbe.exec.command).toEqual(['/usr/local/lib/web-ssh-server/php-fpm-listening']);
    expect(php.livenessProbe.exec.command).toEqual(['/usr/local/lib/web-ssh-server/php-fpm-listening']);
  });

  test("the NetworkPolicy opens no port for php-fpm (it listens on the pod's socket only)", () => {
    const policy = find(manifests, 'NetworkPolicy', 'my-web');
    expect(policy.spec.ingress).toEqual([{ ports: [{ protocol: 'TCP', port: 8080 }, { protocol: 'TCP', port: 2222 }] }]);
  });

  test('the operator learns the image and the folder it is built from', () => {
    const images = OperatorContract.of(chart).render([], undefined).images;
    expect(images).toContainEqual({ image: PHP.image.reference, method: 'build', from: 'packages/web-ssh-server/images/php8.4-fpm' });
  });
});

describe('php settings', () => {
  test('upload size, memory limit, time zone, workers and the front controller reach the containers', () => {
    const { manifests } = server({
      php: { ...PHP, memoryLimit: Size.mebibytes(256), uploadMaxSize: Size.mebibytes(64), timezone: 'Asia/Tokyo', maxChildren: 2, frontController: true },
    });
    expect(envOf(container(manifests, 'php'))).toMatchObject({
      PHP_MEMORY_LIMIT: '256M', PHP_UPLOAD_MAX_SIZE: '64M', PHP_POST_MAX_SIZE: '65M', PHP_TIMEZONE: 'Asia/Tokyo', PHP_MAX_CHILDREN: '2',
    });
    expect(envOf(container(manifests, 'httpd'))).toMatchObject({ PHP: 'fpm', PHP_FRONT_CONTROLLER: 'true' });
    expect(container(manifests, 'php').resources.limits.memory).toBe('576Mi');
    expect(pod(manifests).volumes).toContainEqual({ name: 'php-tmp', emptyDir: { sizeLimit: '130Mi' } });
  });

  test('version retags the php image with httpd and sshd', () => {
    const { manifests } = server({ php: PHP, version: 'v2' });
    expect(container(manifests, 'php').image).toBe('master.test:5000/myrepo/php8.4-fpm:v2');
    expect(container(manifests, 'httpd').image).toBe('master.test:5000/myrepo/httpd:v2');
  });

  test('a memory limit below what the workers may take is a warning naming both figures', () => {
    const { chart } = server({ php: { ...PHP, resources: containerResources('20m', '48Mi', '1', '256Mi') } });
    expect(Warnings.collect(chart)).toContainEqual(expect.stringContaining("'php.resources' limits memory to 256Mi, below what 4 requests of 128 MiB each "
      + "and php-fpm's master take (576Mi)"));
  });

  test.each<[string, Partial<ServerPhp>, string]>([
    ['a version the project builds no image of', { version: '8.2' as any },
      "[test/MyWeb] 'php.version' must be a PhpVersion the project builds an image of: PhpVersion.V8_4, got \"8.2\""],
    ['an image that moves', { image: ImageReference.of('master.test:5000/myrepo/php8.4-fpm:latest') }, "[test/MyWeb] 'php.image' must"],
    ['a memory limit too small to start WordPress', { memoryLimit: Size.mebibytes(8) },
      "[test/MyWeb] 'php.memoryLimit' must be whole MiB from 16 to 4096 (WordPress needs 40 MiB, 256 MiB in its admin pages), got \"8 MiB\""],
    ['an upload size of part of a MiB', { uploadMaxSize: Size.kibibytes(1500) }, "[test/MyWeb] 'php.uploadMaxSize' must be whole MiB from 1 to 2048"],
    ['a time zone PHP does not know', { timezone: 'Mars/Olympus_Mons' },
      "[test/MyWeb] 'php.timezone' must be an IANA time zone, such as 'UTC', 'Europe/Berlin' or 'Asia/Tokyo', got \"Mars/Olympus_Mons\""],
    ['an offset instead of a zone name', { timezone: '+09:00' }, "[test/MyWeb] 'php.timezone' must be an IANA time zone"],
    ['no worker at all', { maxChildren: 0 }, "[test/MyWeb] 'php.maxChildren' must be an integer from 1 to 256, got 0"],
    ['a number where a Size goes', { uploadMaxSize: 64 as any }, "[test/MyWeb] 'php.uploadMaxSize' must be a Size, such as Size.mebibytes(128), got 64"],
  ])('refused at synth: %s', (_what, php, message) => {
    expect(() => server({ php: { ...PHP, ...php } })).toThrow(message);
  });

  test("a PhpVersion and a Size from another copy of the packages (a consumer's node_modules) are taken by what they are, not by their class", () => {
    const copy = { release: '8.4', imageName: 'php8.4-fpm' } as unknown as PhpVersion;
    const size = { toMebibytes: () => 32 } as unknown as Size;
    const { manifests } = server({ php: { ...PHP, version: copy, uploadMaxSize: size } });
    expect(envOf(container(manifests, 'php')).PHP_UPLOAD_MAX_SIZE).toBe('32M');
  });

  test('a php image pinned by digest with a version is refused, as httpd\'s is', () => {
    const image = ImageReference.of(`master.test:5000/myrepo/php8.4-fpm@sha256:${'a'.repeat(64)}`);
    expect(() => server({ php: { ...PHP, image }, version: 'v2' })).toThrow("[test/MyWeb] 'version' must not be set while 'php.image' is pinned by digest");
  });
});

describe('cron: the customer\'s jobs, in the PHP image', () => {
  const { construct, manifests } = server({ php: PHP, cron: [WP_CRON, { schedule: '@daily', command: 'php maintenance.php' }], egress: [ServerEgress.dns()] });
  const cronJob = find(manifests, 'CronJob', 'my-web-wp-cron');
  const job = cronJob.spec.jobTemplate.spec;
  const cron = job.template.spec.containers[0];

  test('one CronJob per task, named after the server and the task (or its place in the list)', () => {
    expect(ofKind(manifests, 'CronJob').map((c) => c.metadata.name)).toEqual(['my-web-wp-cron', 'my-web-cron-2']);
    expect(construct.cronJobs.map((c) => c.name)).toEqual(['my-web-wp-cron', 'my-web-cron-2']);
  });

  test('one run at a time, a missed run skipped after 5 minutes, a deadline and a short history', () => {
    expect(cronJob.spec).toMatchObject({
      schedule: '*/15 * * * *', concurrencyPolicy: 'Forbid', startingDeadlineSeconds: 300, successfulJobsHistoryLimit: 1, failedJobsHistoryLimit: 3,
    });
    expect(job).toMatchObject({ backoffLimit: 1, activeDeadlineSeconds: 600 });
  });

  test("the command runs through the image's entrypoint as web, in the docroot (read-write), with PHP's settings", () => {
    expect(cron).toMatchObject({ name: 'cron', image: PHP.image.reference, args: ['cron', 'php wp-cron.php'], securityContext: { runAsUser: 1000 } });
    expect(cron.command).toBeUndefined();
    expect(cron.volumeMounts).toEqual([{ name: 'docroot', mountPath: '/var/www/html', readOnly: false }, { name: 'php-tmp', mountPath: '/tmp' }]);
    expect(envOf(cron)).toMatchObject({ DOCROOT: '/var/www/html', PHP_TIMEZONE: 'UTC' });
    expect(job.template.spec.volumes.map((v: any) => v.name)).toEqual(['docroot', 'php-tmp']);
  });

  test('its pods pass Pod Security "restricted", carry no API token, and run where the server runs', () => {
    const spec = job.template.spec;
    expect(restrictedViolations(spec)).toEqual([]);
    expect(spec).toMatchObject({ restartPolicy: 'Never', automountServiceAccountToken: false, nodeSelector: { role: 'worker' } });
  });

  test("its pods are not the server's: a query for the server's pods finds none of them", () => {
    const labels = job.template.metadata.labels;
    const serverSelector = find(manifests, 'Deployment', 'my-web').spec.selector.matchLabels;
    expect(Object.entries(serverSelector).every(([k, v]) => labels[k] === v)).toBe(false);
    expect(labels).toMatchObject({ 'app.kubernetes.io/name': 'web-ssh-server-cron', 'app.kubernetes.io/instance': 'my-web-cron' });
  });

  test("a NetworkPolicy: nothing in, and out only where the server's pods may go", () => {
    const policy = find(manifests, 'NetworkPolicy', 'my-web-cron');
    expect(policy.spec.podSelector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'web-ssh-server-cron', 'app.kubernetes.io/instance': 'my-web-cron' });
    expect(policy.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(policy.spec.ingress).toBeUndefined();
    expect(policy.spec.egress).toEqual(find(manifests, 'NetworkPolicy', 'my-web').spec.egress);
  });

  test('a deadline of its own', () => {
    const { manifests: m } = server({ php: PHP, cron: [{ ...WP_CRON, deadline: Duration.minutes(2) }] });
    expect(find(m, 'CronJob', 'my-web-wp-cron').spec.jobTemplate.spec.activeDeadlineSeconds).toBe(120);
  });

  test("a server's namespace makes room for its cron jobs' runs and its php container", () => {
    const chart = Testing.chart();
    const { construct: s } = server({ php: PHP, cron: [WP_CRON] }, chart);
    const fit = new ServerNamespace(chart, 'Ns', { name: 'my-web' }).fitTo(s);
    const quota = synth(chart).find((o) => o.kind === 'ResourceQuota')!;
    // 3 pods for the rollout, 2 runs of the cron job
    expect(quota.spec.hard.pods).toBe('5');
    // limits: 3 x (httpd 256 + sshd 256 + php 576) + 2 x cron 576
    expect(quota.spec.hard['limits.memory']).toBe(`${3 * (256 + 256 + 576) + 2 * 576}Mi`);
    // whole cores as the API server writes them back ('1', not '1000m'): a pod the range fills in reads the same
    expect(synth(chart).find((o) => o.kind === 'LimitRange')!.spec.limits[0].max).toEqual({ cpu: '1', memory: '576Mi' });
    expect(fit.limitRange).toBeDefined();
  });

  test.each<[string, Partial<WebSshServerProps>, string]>([
    ['a cron job on a server without PHP', { php: undefined, cron: [WP_CRON] },
      "[test/MyWeb] 'cron[0].command' must run on a server with PHP: the cron jobs run in the server's PHP image. Give the server `php: { version: PhpVersion.V8_4, ... }`, or leave out `cron`, got \"php wp-cron.php\""],
    ['a schedule Kubernetes refuses', { cron: [{ ...WP_CRON, schedule: '*/15 * * *' }] },
      "[test/MyWeb] 'cron[0].schedule' must be a schedule Kubernetes' CronJob accepts, such as \"0 3 * * *\" or \"@daily\" (this one has 4 fields, not 5"],
    ['a minute of 60', { cron: [{ ...WP_CRON, schedule: '60 * * * *' }] }, "[test/MyWeb] 'cron[0].schedule' must be a schedule Kubernetes' CronJob accepts"],
    ['an empty command', { cron: [{ ...WP_CRON, command: ' ' }] }, "[test/MyWeb] 'cron[0].command' must be the command to run in the docroot, such as 'php wp-cron.php'"],
    ['two tasks of one name', { cron: [WP_CRON, { ...WP_CRON, schedule: '@hourly' }] },
      "[test/MyWeb] 'cron[1].name' must differ from cron[0]'s: each task is a CronJob of its own, got \"wp-cron\""],
    ['a name that is no DNS label', { cron: [{ ...WP_CRON, name: 'WP Cron' }] }, "[test/MyWeb] 'cron[0].name' must be a DNS-1123 label"],
    ['a name too long for the CronJob', { cron: [{ ...WP_CRON, name: 'x'.repeat(50) }] },
      "[test/MyWeb] 'cron[0].name' must be at most 45 characters: the CronJob's name"],
    ['a deadline of part of a second', { cron: [{ ...WP_CRON, deadline: Duration.millis(1500) }] }, "[test/MyWeb] 'cron[0].deadline' must be a Duration of whole seconds"],
  ])('refused at synth: %s', (_what, props, message) => {
    expect(() => server({ php: PHP, ...props })).toThrow(message);
  });
});

describe('database: the customer\'s database, for PHP', () => {
  const DB: DatabaseBinding = {
    host: 'mariadb.site-database.svc',
    hostIsDnsName: true,
    port: 3306,
    database: 'my_web',
    user: 'my_web',
    secret: 'my-web-database',
    clientLabels: { 'cdk8s-vserver.io/database-client': 'mariadb' },
    peer: { namespaceSelector: {}, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'site-database' } } },
  };
  const { manifests } = server({ php: PHP, cron: [WP_CRON], database: DB });

  test('PHP and the cron jobs get DB_HOST, DB_PORT, DB_NAME, DB_USER, and DB_PASSWORD from the customer\'s Secret (never its value)', () => {
    const cron = find(manifests, 'CronJob', 'my-web-wp-cron').spec.jobTemplate.spec.template.spec.containers[0];
    for (const c of [container(manifests, 'php'), cron]) {
      expect(envOf(c)).toMatchObject({ DB_HOST: 'mariadb.site-database.svc', DB_PORT: '3306', DB_NAME: 'my_web', DB_USER: 'my_web' });
      expect(c.env).toContainEqual({ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'my-web-database', key: 'password' } } });
    }
    expect(envOf(container(manifests, 'httpd')).DB_HOST).toBeUndefined();
  });

  test("the server's pods and its cron jobs' carry the label the database lets in; the selector does not change", () => {
    const deployment = find(manifests, 'Deployment', 'my-web');
    expect(deployment.spec.template.metadata.labels['cdk8s-vserver.io/database-client']).toBe('mariadb');
    expect(deployment.spec.selector.matchLabels['cdk8s-vserver.io/database-client']).toBeUndefined();
    expect(find(manifests, 'CronJob', 'my-web-wp-cron').spec.jobTemplate.spec.template.metadata.labels['cdk8s-vserver.io/database-client']).toBe('mariadb');
  });

  test('their NetworkPolicies let them out to the database (and DNS for its name); without a database, nothing (negative control)', () => {
    for (const name of ['my-web', 'my-web-cron']) {
      expect(find(manifests, 'NetworkPolicy', name).spec.egress).toEqual([
        { to: expect.any(Array), ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] },
        { to: [DB.peer], ports: [{ protocol: 'TCP', port: 3306 }] },
      ]);
    }
    expect(find(server({ php: PHP }).manifests, 'NetworkPolicy', 'my-web').spec.egress).toBeUndefined();
  });

  test('a database on a server without PHP is refused', () => {
    expect(() => server({ database: DB })).toThrow("[test/MyWeb] 'database' must be given with 'php': PHP is what connects to it.");
  });
});
