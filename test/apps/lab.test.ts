import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { synthApp } from '@cdk8s-vserver/core';
import { KEEPALIVED_VIP_0_35, unknownFlags } from '@cdk8s-vserver/vip';
import { Testing } from 'cdk8s';
import { buildLab } from '../../apps/lab/lab';
import { DIST, find, Manifest, objectsIn, readTree, synth } from '../support';

const FILES = ['0000-keepalived.k8s.yaml', '0001-docroot.k8s.yaml', '0002-web.k8s.yaml', '0003-dashboard.k8s.yaml'];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-test-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('dist/lab', () => {
  const result = synthApp(path.join(tmp, 'lab'), (app) => buildLab(app));

  test('has one file per chart, numbered in apply order', () => {
    expect(result.files.map((f) => f.file)).toEqual(FILES);
    expect(result.files.map((f) => f.kinds)).toEqual([
      { ServiceAccount: 1, ClusterRole: 1, ClusterRoleBinding: 1, ConfigMap: 1, DaemonSet: 1 },
      { PersistentVolume: 1, PersistentVolumeClaim: 1 },
      { Deployment: 1, Service: 1, PodDisruptionBudget: 1 },
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

  // The snapshots above are the one golden copy of the site's manifests (reviewers read their diffs). dist/ is
  // not committed: `npx projen synth` (the first step of `npx projen test`) writes dist/lab through apps/lab/main.ts,
  // and it must be exactly what the snapshots hold, or the tiers would apply something nobody reviewed.
  test('dist/lab, as `npx projen synth` wrote it, is the snapshotted site', () => {
    const dist = path.join(DIST, 'lab');
    if (!fs.existsSync(dist)) throw new Error('dist/lab is missing: run `npx projen synth` first (`npx projen test` does)');
    expect(readTree(dist)).toEqual(readTree(result.outdir));
  });

  test('every object carries the ownership labels prune and uninstall select on (PV, PVC and Dashboard objects too)', () => {
    const objects = objectsIn(result.outdir);
    expect(objects.length).toBeGreaterThan(20);
    const unlabeled = objects.filter((o) => o.metadata.labels?.['app.kubernetes.io/part-of'] !== 'lab'
      || o.metadata.labels?.['app.kubernetes.io/managed-by'] !== 'cdk8s-vserver').map((o) => `${o.kind}/${o.metadata.name}`);
    expect(unlabeled).toEqual([]);
  });

  test("kube-keepalived-vip's args in dist/lab are flags the 0.35 controller has", () => {
    const daemonSets = objectsIn(path.join(DIST, 'lab')).filter((o) => o.kind === 'DaemonSet');
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

  test('warns once: port 22 of myweb on its VIP clashes with the router node\'s sshd, as in the report', () => {
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toMatch(/^\[keepalived\/KeepalivedVip\] VIP 192\.168\.1\.31 publishes port 22 of default\/myweb: the router node's own sshd/);
  });
});

describe('the reference site', () => {
  const app = Testing.app();
  const charts = buildLab(app);
  const all: Manifest[] = [...synth(charts.docroot), ...synth(charts.web)];
  const system = synth(charts.keepalived);
  const dashboard = synth(charts.dashboard);

  test('the virtual server is the report\'s four objects plus its disruption budget', () => {
    expect(all.map((m) => `${m.kind}/${m.metadata.name}`).sort()).toEqual([
      'Deployment/myweb', 'PersistentVolume/vol1', 'PersistentVolumeClaim/docroot', 'PodDisruptionBudget/myweb', 'Service/myweb',
    ]);
  });

  test('vip-configmap maps 192.168.1.31 to myweb and 192.168.1.33 to the Dashboard', () => {
    expect(find(system, 'ConfigMap', 'vip-configmap').data).toEqual({
      '192.168.1.31': 'default/myweb',
      '192.168.1.33': 'kubernetes-dashboard/kubernetes-dashboard',
    });
  });

  test('each VIP in the ConfigMap is the externalIP of the Service it names, and of no other', () => {
    const services = [...all, ...dashboard].filter((m) => m.kind === 'Service');
    for (const [address, ref] of Object.entries(find(system, 'ConfigMap', 'vip-configmap').data as Record<string, string>)) {
      const [namespace, name] = ref.split(':')[0].split('/');
      const service = services.find((s) => s.metadata.name === name && s.metadata.namespace === namespace)!;
      expect(service.spec.externalIPs).toEqual([address]);
      expect(services.filter((s) => (s.spec.externalIPs ?? []).includes(address))).toHaveLength(1);
    }
  });

  test('keepalived runs privileged with hostNetwork on the router only, reading the ConfigMap that exists', () => {
    const pod = find(system, 'DaemonSet', 'kube-keepalived-vip').spec.template.spec;
    expect(pod.nodeSelector).toEqual({ role: 'router' });
    expect(pod.hostNetwork).toBe(true);
    expect(pod.containers[0].securityContext.privileged).toBe(true);
    expect(pod.containers[0].args).toEqual(expect.arrayContaining(['--services-configmap=kube-system/vip-configmap']));
    expect(pod.containers[0].image).toBe('master.test:5000/myrepo/kube-keepalived-vip:0.35');
  });

  test('Service myweb publishes ports 80 and 22 on 192.168.1.31', () => {
    const service = find(all, 'Service', 'myweb');
    expect(service.spec.externalIPs).toEqual(['192.168.1.31']);
    expect(service.spec.ports.map((p: any) => p.port)).toEqual([80, 22]);
  });

  test('PVC docroot binds to PV vol1 from the NAS', () => {
    const pv = find(all, 'PersistentVolume', 'vol1');
    const pvc = find(all, 'PersistentVolumeClaim', 'docroot');
    expect(pvc.spec.volumeName).toBe('vol1');
    expect(pv.spec.claimRef).toEqual({ name: 'docroot', namespace: pvc.metadata.namespace });
    expect(pv.spec.nfs.server).toBe('nas.test');
    expect(pvc.spec.storageClassName).toBe(pv.spec.storageClassName);
    expect(pvc.spec.accessModes).toEqual(pv.spec.accessModes);
  });

  test('myweb runs 2 pods of the registry images on workers, sharing PVC docroot', () => {
    const deployment = find(all, 'Deployment', 'myweb');
    const spec = deployment.spec.template.spec;
    expect(deployment.spec.replicas).toBe(2);
    expect(spec.nodeSelector).toEqual({ role: 'worker' });
    expect(spec.containers.map((c: any) => c.image)).toEqual(['master.test:5000/myrepo/httpd:v1', 'master.test:5000/myrepo/sshd:v1']);
    const claim = spec.volumes.find((v: any) => v.persistentVolumeClaim).persistentVolumeClaim.claimName;
    expect(claim).toBe('docroot');
    for (const c of spec.containers) {
      expect(c.volumeMounts.map((m: any) => m.mountPath)).toContain('/var/www/html');
    }
  });

  test('Service myweb selects the myweb pods on ports 80 and 22', () => {
    const service = find(all, 'Service', 'myweb');
    const podLabels = find(all, 'Deployment', 'myweb').spec.template.metadata.labels;
    expect(Object.entries(service.spec.selector).every(([k, v]) => podLabels[k] === v)).toBe(true);
    expect(service.spec.ports.map((p: any) => [p.name, p.port])).toEqual([['http', 80], ['ssh', 22]]);
  });

  test('namespaced objects land in the default namespace', () => {
    for (const m of all.filter((o) => o.kind !== 'PersistentVolume')) expect(m.metadata.namespace).toBe('default');
  });
});
