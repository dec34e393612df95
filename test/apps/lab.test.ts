import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Testing } from 'cdk8s';
import { synthApp } from '@cdk8s-vserver/site';
import { buildLab } from '../../apps/lab/lab';
import { find, Manifest, synth } from '../helpers';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-test-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('dist/lab', () => {
  const result = synthApp(path.join(tmp, 'lab'), (app) => buildLab(app));

  test('has one file per chart, numbered in apply order', () => {
    expect(result.files.map((f) => f.file)).toEqual(['0000-docroot.k8s.yaml', '0001-web.k8s.yaml']);
    expect(result.files.map((f) => f.kinds)).toEqual([
      { PersistentVolume: 1, PersistentVolumeClaim: 1 },
      { Deployment: 1, Service: 1 },
    ]);
  });

  test.each(['0000-docroot.k8s.yaml', '0001-web.k8s.yaml'])('%s matches its snapshot', (file) => {
    expect(fs.readFileSync(path.join(result.outdir, file), 'utf-8')).toMatchSnapshot();
  });

  test('the committed dist/lab is what the app synthesizes', () => {
    for (const { file } of result.files) {
      expect(fs.readFileSync(path.join(__dirname, '../../dist/lab', file), 'utf-8'))
        .toBe(fs.readFileSync(path.join(result.outdir, file), 'utf-8'));
    }
    expect(fs.readdirSync(path.join(__dirname, '../../dist/lab')).sort()).toEqual(result.files.map((f) => f.file));
  });

  test('has no warnings', () => {
    expect(result.warnings).toEqual([]);
  });
});

describe('the reference site', () => {
  const app = Testing.app();
  const charts = buildLab(app);
  const all: Manifest[] = [...synth(charts.docroot), ...synth(charts.web)];

  test('holds exactly the report\'s four objects', () => {
    expect(all.map((m) => `${m.kind}/${m.metadata.name}`).sort()).toEqual([
      'Deployment/myweb', 'PersistentVolume/vol1', 'PersistentVolumeClaim/docroot', 'Service/myweb',
    ]);
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
