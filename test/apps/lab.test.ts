import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CONTRACT_FILE } from '@cdk8s-vserver/core';
import { synthApp } from '@cdk8s-vserver/hosting';
import { KEEPALIVED_VIP_0_35, unknownFlags } from '@cdk8s-vserver/vip';
import { buildLab } from '../../apps/lab/lab';
import { DIST, distOf, objectsIn, readTree } from '../support';

const FILES = ['0000-namespace.k8s.yaml', '0001-keepalived.k8s.yaml', '0002-docroot.k8s.yaml', '0003-web.k8s.yaml', '0004-logs.k8s.yaml', '0005-dashboard.k8s.yaml'];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-test-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('dist/lab', () => {
  const result = synthApp(path.join(tmp, 'lab'), (app) => buildLab(app), { diagram: true });

  test('has one file per chart, numbered in apply order', () => {
    expect(result.files.map((f) => f.file)).toEqual(FILES);
    expect(result.files.map((f) => f.kinds)).toEqual([
      // the log collector's namespace
      { Namespace: 1 },
      { ServiceAccount: 1, ClusterRole: 1, ClusterRoleBinding: 1, ConfigMap: 1, DaemonSet: 1 },
      { PersistentVolume: 3, PersistentVolumeClaim: 3 },
      { Deployment: 1, Service: 1, PodDisruptionBudget: 1, NetworkPolicy: 3, CronJob: 4 },
      { PersistentVolume: 1, PersistentVolumeClaim: 1, ConfigMap: 1, DaemonSet: 1, NetworkPolicy: 1 },
      {
        Namespace: 1,
        ServiceAccount: 1,
        Service: 2,
        Secret: 3,
        ConfigMap: 1,
        Role: 1,
        ClusterRole: 1,
        RoleBinding: 1,
        ClusterRoleBinding: 1,
        Deployment: 2,
      },
    ]);
  });

  test.each(FILES)('%s matches its snapshot', (file) => {
    expect(fs.readFileSync(path.join(result.outdir, file), 'utf-8')).toMatchSnapshot();
  });

  // The report's future work: the master made redundant. Its files are for the three masters, never for kubectl.
  test('writes kubeadm\'s configuration and each master\'s API VIP files under control-plane/, none beside the manifests', () => {
    expect(result.nodeFiles.filter((f) => f.startsWith('control-plane/'))).toHaveLength(16);
    // and Prometheus's two files under monitoring/
    expect(result.nodeFiles.filter((f) => !f.startsWith('control-plane/'))).toEqual(['monitoring/prometheus-scrape.yml', 'monitoring/vserver-rules.yml']);
    expect(fs.readdirSync(result.outdir).filter((f) => fs.statSync(path.join(result.outdir, f)).isDirectory())).toEqual(['control-plane', 'monitoring', 'operator']);
    expect(fs.statSync(path.join(result.outdir, 'control-plane/1-master1/etc/keepalived/check_apiserver.sh')).mode % 0o1000).toBe(0o755);
  });

  test.each(result.nodeFiles)('%s matches its snapshot', (file) => {
    expect(fs.readFileSync(path.join(result.outdir, file), 'utf-8')).toMatchSnapshot();
  });

  // The snapshots above are the one golden copy of the site's manifests (reviewers read their diffs). dist/ is
  // not committed: `npx projen synth` (the first step of `npx projen test`) writes dist/lab through apps/lab/main.ts,
  // and it must be exactly what the snapshots hold, or the tiers would apply something nobody reviewed.
  test('dist/lab, as `npx projen synth` wrote it, is the snapshotted site', () => {
    expect(distOf('lab')).toEqual(readTree(result.outdir));
  });

  test('every object carries the ownership labels prune and uninstall select on (PV, PVC and Dashboard objects too)', () => {
    const objects = objectsIn(result.outdir);
    expect(objects.length).toBeGreaterThan(20);
    const unlabeled = objects.filter((o) => o.metadata.labels?.['app.kubernetes.io/part-of'] !== 'lab'
      || o.metadata.labels?.['app.kubernetes.io/managed-by'] !== 'cdk8s-vserver').map((o) => `${o.kind}/${o.metadata.name}`);
    expect(unlabeled).toEqual([]);
  });

  test("kube-keepalived-vip's args in dist/lab are flags the 0.35 controller has", () => {
    const daemonSets = objectsIn(path.join(DIST, 'lab')).filter((o) => o.kind === 'DaemonSet' && o.metadata.name === 'kube-keepalived-vip');
    expect(daemonSets).toHaveLength(1);
    const container = daemonSets[0].spec.template.spec.containers[0];
    expect(container.image).toMatch(/\/kube-keepalived-vip:0\.35$/);
    expect(container.args.length).toBeGreaterThan(0);
    expect(unknownFlags(KEEPALIVED_VIP_0_35, container.args)).toEqual([]);
  });

  test("the root README's Secret commands are the web-ssh-server README's, which the node tier runs", () => {
    const repo = path.join(__dirname, '../..');
    const commands = (file: string) => fs.readFileSync(path.join(repo, file), 'utf-8').split('\n')
      .filter((line) => line.includes('kubectl create secret generic myweb-ssh-'));
    expect(commands('README.md')).toHaveLength(2);
    expect(commands('README.md')).toEqual(commands('packages/web-ssh-server/README.md'));
  });

  test("the root README's command for the backups' password is the one dist/lab's contract gives the operator", () => {
    const repo = path.join(__dirname, '../..');
    const contract = JSON.parse(fs.readFileSync(path.join(DIST, 'lab', CONTRACT_FILE), 'utf-8'));
    const command = contract.secrets.find((s: any) => s.name === 'myweb-restic').command;
    const readme = fs.readFileSync(path.join(repo, 'README.md'), 'utf-8').split('\n').filter((line) => line.includes('myweb-restic'));
    expect(readme.map((line) => line.replace(/ +#.*$/, ''))).toEqual([command]);
  });

  test('warns once: port 22 of myweb on its VIP clashes with the router node\'s sshd, as in the report', () => {
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toMatch(/^\[keepalived\/KeepalivedVip\] VIP 192\.168\.1\.31 publishes port 22 of default\/myweb: the router node's own sshd/);
  });
});
