import { ImageReference } from '@cdk8s-vserver/core';
import { DocrootBackup, DocrootBackupProps, NfsFolder } from '@cdk8s-vserver/storage';
import { Chart, Testing } from 'cdk8s';
import { find, synth } from '../../support';

const SSHD = ImageReference.of('master.test:5000/myrepo/sshd:v1');

function setup(props: Partial<DocrootBackupProps> = {}, targetChart?: (app: ReturnType<typeof Testing.app>) => Chart) {
  const app = Testing.app();
  const chart = new Chart(app, 'web', { namespace: 'default', disableResourceNameHashes: true });
  const docroot = new NfsFolder(chart, 'Docroot', { host: 'nas.test', path: '/export/web/myweb', claimName: 'docroot' });
  const target = new NfsFolder(targetChart ? targetChart(app) : chart, 'Target', { host: 'nas.test', path: '/export/backup/myweb', claimName: 'myweb-backup' });
  const backup = new DocrootBackup(chart, 'Backup', { name: 'myweb', docroot, target, image: SSHD, ...props });
  return { chart, backup };
}

describe('defaults', () => {
  const { chart } = setup();
  const manifests = synth(chart);
  const backup = find(manifests, 'CronJob', 'myweb-backup');
  const restore = find(manifests, 'CronJob', 'myweb-restore');
  const pod = (c: typeof backup) => c.spec.jobTemplate.spec.template.spec;

  test('a nightly backup, one at a time, and a suspended restore template', () => {
    expect(backup.apiVersion).toBe('batch/v1');
    expect(backup.spec).toMatchObject({ schedule: '0 3 * * *', suspend: false, concurrencyPolicy: 'Forbid' });
    expect(restore.spec).toMatchObject({ suspend: true, concurrencyPolicy: 'Forbid' });
  });

  test('the backup reads the docroot and writes the archive export; the restore the other way round', () => {
    const mounts = (c: typeof backup) => pod(c).containers[0].volumeMounts;
    expect(mounts(backup)).toEqual([{ name: 'docroot', mountPath: '/docroot', readOnly: true }, { name: 'backup', mountPath: '/backup', readOnly: false }]);
    expect(mounts(restore)).toEqual([{ name: 'docroot', mountPath: '/docroot', readOnly: false }, { name: 'backup', mountPath: '/backup', readOnly: true }]);
    expect(pod(backup).volumes).toEqual([
      { name: 'docroot', persistentVolumeClaim: { claimName: 'docroot', readOnly: false } },
      { name: 'backup', persistentVolumeClaim: { claimName: 'myweb-backup', readOnly: false } },
    ]);
  });

  test('keeps 7 archives, written under a dot name first', () => {
    const script = pod(backup).containers[0].command[2];
    expect(script).toContain('tar -C /docroot -czf ".myweb-$stamp.tar.gz.part" .');
    expect(script).toContain('ls -1 myweb-*.tar.gz | sort -r | tail -n +8 | xargs -r rm -f --');
  });

  test('runs as the docroot\'s owner (1000), never root, with nothing else', () => {
    expect(pod(backup).securityContext).toEqual({ runAsUser: 1000, runAsGroup: 1000, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod(backup).containers[0].securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(pod(backup).automountServiceAccountToken).toBe(false);
    expect(pod(backup).nodeSelector).toEqual({ role: 'worker' });
    expect(pod(backup).containers[0].image).toBe('master.test:5000/myrepo/sshd:v1');
  });
});

test('schedule and retention are props', () => {
  const pod = find(synth(setup({ schedule: '30 1 * * 0', keep: 2 }).chart), 'CronJob', 'myweb-backup');
  expect(pod.spec.schedule).toBe('30 1 * * 0');
  expect(pod.spec.jobTemplate.spec.template.spec.containers[0].command[2]).toContain('tail -n +3');
});

describe('bad input', () => {
  test.each([
    ['a schedule that is not cron', { schedule: 'nightly' },
      "[web/Backup] 'schedule' must be a schedule Kubernetes' CronJob accepts, such as \"0 3 * * *\" or \"@daily\" (this one has 1 field, not 5 "
      + '(minute hour day-of-month month day-of-week)), got "nightly"'],
    ['no archive kept', { keep: 0 }, "[web/Backup] 'keep' must be an integer from 1 to 1000, got 0"],
    ['root', { user: 0 }, "[web/Backup] 'user' must be an integer from 1 to 2147483647, got 0"],
    ['a name too long for a CronJob', { name: 'm'.repeat(45) },
      /^\[web\/Backup\] 'name' must have at most 44 characters \(it has 45\): '<name>-restore' is a CronJob name/],
    ['an unpinned image', { image: ImageReference.of('master.test:5000/myrepo/sshd') }, /'image' must be an ImageReference with a pinned tag/],
  ])('throws for %s', (_what, props, message) => {
    expect(() => setup(props as Partial<DocrootBackupProps>)).toThrow(message);
  });

  test('throws for a target in another namespace than the docroot', () => {
    expect(() => setup({}, (app) => new Chart(app, 'backups', { namespace: 'backups' }))).toThrow(
      "[web/Backup] 'target' must be a claim in the docroot's namespace \"default\": one Job mounts both, got \"backups\"");
  });
});

test("the jobs' pods never carry the server's instance label (the README's log query per server must not find them)", () => {
  const labels = find(synth(setup().chart), 'CronJob', 'myweb-backup').spec.jobTemplate.spec.template.metadata.labels;
  expect(labels).toEqual({ 'app.kubernetes.io/name': 'docroot-backup', 'app.kubernetes.io/instance': 'myweb-backup', 'app.kubernetes.io/managed-by': 'cdk8s-vserver' });
});

describe('what a backup says about itself', () => {
  test('its container is the backup job\'s, as written (a site sizes a quota from it without reading the CronJob back)', () => {
    const { chart, backup } = setup();
    const written = find(synth(chart), 'CronJob', 'myweb-backup').spec.jobTemplate.spec.template.spec.containers;
    expect(written).toHaveLength(1);
    expect(JSON.parse(JSON.stringify(written[0]))).toEqual(JSON.parse(JSON.stringify({
      ...backup.container,
      resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '500m', memory: '128Mi' } },
    })));
    expect(backup.container.command?.[2]).toContain('tar -C /docroot -czf');
  });
});
