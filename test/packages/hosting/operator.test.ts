import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Ipv4Address, k8s, ownershipLabels } from '@cdk8s-vserver/core';
import {
  formatKinds, HostingSite, KINDS_FILE, OPERATED_KINDS, operatedKinds, parseKinds, SiteOperator, synthApp, unknownKinds,
} from '@cdk8s-vserver/hosting';
import { App, Chart } from 'cdk8s';
import { AGENCY } from '../../../apps/agency/site';
import { LAB } from '../../../apps/lab/site';
import { BACKEND_SITES } from '../../backend-sites';
import { DIST, distApps, objectsIn } from '../../support';

// The operator CLI without a cluster: usage, and one clear line (never a stack trace) for each thing a user can get
// wrong before kubectl is reached. Its behaviour on a real API server is in test/cluster/operate.test.ts.
const repo = path.join(__dirname, '../../..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'operator-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A kubeconfig whose API server is a closed port on this machine: kubectl's connection is refused at once. */
const noCluster = path.join(tmp, 'no-cluster.kubeconfig');
fs.writeFileSync(noCluster, [
  'apiVersion: v1', 'kind: Config',
  'clusters: [{ name: c, cluster: { server: "https://127.0.0.1:9", insecure-skip-tls-verify: true } }]',
  'users: [{ name: u, user: { token: t } }]', 'contexts: [{ name: c, context: { cluster: c, user: u } }]', 'current-context: c', '',
].join('\n'));

function cli(args: string[], env: Record<string, string> = {}) {
  const out = spawnSync(process.execPath, [path.join(repo, 'packages/hosting/bin/cdk8s-vserver.js'), ...args],
    { encoding: 'utf-8', env: { ...process.env, KUBECONFIG: noCluster, ...env }, timeout: 60_000 });
  return { status: out.status, stdout: out.stdout, stderr: out.stderr };
}

describe('the operator CLI, usage', () => {
  test('without a command: the usage, every command in it (uninstall too), exit 2', () => {
    const out = cli([]);
    expect(out.status).toBe(2);
    for (const command of ['preflight [DIR]', 'diff DIR', 'deploy DIR APP', 'wait APP [SELECTOR]', 'uninstall APP [DIR]']) expect(out.stderr).toContain(command);
  });

  test('help: the usage on stdout, exit 0', () => {
    const out = cli(['help']);
    expect({ status: out.status, first: out.stdout.split('\n')[0] }).toEqual({ status: 0, first: expect.stringMatching(/^usage: cdk8s-vserver <command>/) });
  });

  test.each([
    [['deploy'], 'usage: cdk8s-vserver deploy DIR APP'],
    [['deploy', 'dist/lab'], 'usage: cdk8s-vserver deploy DIR APP'],
    [['diff', 'a', 'b'], 'usage: cdk8s-vserver diff DIR'],
    [['wait'], 'usage: cdk8s-vserver wait APP [SELECTOR]'],
    [['uninstall'], 'usage: cdk8s-vserver uninstall APP [DIR]'],
  ])('fails on %j with its own usage line, exit 2', (args, usage) => {
    expect(cli(args)).toMatchObject({ status: 2, stderr: `${usage}\n` });
  });

  test('fails on an unknown command, naming it', () => {
    const out = cli(['apply', 'dist/lab']);
    expect(out.status).toBe(2);
    expect(out.stderr.split('\n')[0]).toBe('cdk8s-vserver: unknown command "apply"');
  });

  test('runs as `npx --no cdk8s-vserver` in this repository (the README\'s command)', () => {
    const out = spawnSync('npx', ['--no', 'cdk8s-vserver', 'help'], { encoding: 'utf-8', cwd: repo, timeout: 60_000 });
    expect(out.status).toBe(0);
    expect(out.stdout).toMatch(/^usage: cdk8s-vserver/);
  });
});

describe('the operator CLI fails in one line, before or without a cluster', () => {
  test.each([
    ['preflight', ['preflight']],
    ['wait', ['wait', 'lab']],
    ['deploy', ['deploy', path.join(DIST, 'lab'), 'lab']],
    ['uninstall', ['uninstall', 'lab']],
  ])('fails when no cluster answers (%s): says what to do, no stack trace', (command, args) => {
    const out = cli(args);
    expect(out.status).toBe(1);
    expect(out.stderr).toMatch(new RegExp(`^${command}: kubectl cannot reach the cluster \\(.*refused.*\\)\\. Point KUBECONFIG at the cluster's kubeconfig`, 'm'));
    expect(out.stderr).not.toMatch(/^\s+at /m);
  });

  test('fails when kubectl is not installed, saying so', () => {
    const out = cli(['preflight'], { PATH: path.dirname(process.execPath) === '/usr/bin' ? tmp : path.dirname(process.execPath) });
    expect(out.status).toBe(1);
    expect(out.stderr.trim()).toBe('kubectl was not found (kubectl): install the Kubernetes client, 1.21 or newer, and put it on PATH');
  });

  test('fails on a folder that is not there, or holds no manifest', () => {
    expect(cli(['diff', path.join(tmp, 'nope')])).toMatchObject({ status: 2, stderr: expect.stringContaining('is not a folder: give the app\'s synthesized folder') });
    fs.mkdirSync(path.join(tmp, 'empty'));
    expect(cli(['deploy', path.join(tmp, 'empty'), 'lab'])).toMatchObject({ status: 2, stderr: expect.stringContaining('holds no .yaml file: synthesize the app first') });
  });

  test('fails on a folder without kinds.txt, or with a broken one', () => {
    const dir = path.join(tmp, 'no-kinds');
    fs.mkdirSync(dir);
    fs.copyFileSync(path.join(DIST, 'lab', '0003-web.k8s.yaml'), path.join(dir, '0003-web.k8s.yaml'));
    expect(cli(['deploy', dir, 'lab'])).toMatchObject({ status: 2, stderr: `deploy: ${dir} has no kinds.txt, which synthApp writes beside the manifests: synthesize the app again (npx projen synth)\n` });
    fs.writeFileSync(path.join(dir, KINDS_FILE), 'apps/v1 Deployment namespaced\nv1 Service\n');
    expect(cli(['deploy', dir, 'lab'])).toMatchObject({ status: 2, stderr: `deploy: ${dir}/kinds.txt:2: expected "<apiVersion> <Kind> <namespaced|cluster>", got "v1 Service"\n` });
  });

  test('fails on a file that is not YAML, naming it', () => {
    const dir = path.join(tmp, 'broken');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, '0000-x.k8s.yaml'), 'kind: [unclosed\n');
    const out = cli(['preflight', dir]);
    expect(out.status).toBe(1);
    expect(out.stderr).toMatch(new RegExp(`^preflight: ${dir}/0000-x.k8s.yaml is not YAML: `));
  });

  test('the operator class takes its own kubectl: a missing one is reported the same way', () => {
    const lines: string[] = [];
    const operator = new SiteOperator({ kubectl: path.join(tmp, 'no-kubectl'), err: (l) => lines.push(l), out: (l) => lines.push(l) });
    expect(() => operator.preflight()).toThrow(`kubectl was not found (${path.join(tmp, 'no-kubectl')})`);
  });
});

describe('kinds.txt: the kinds an app emits, and what the operator prunes', () => {
  test('synth writes it beside the manifests of every app in dist/: exactly the kinds a YAML parser reads in them', () => {
    for (const app of distApps()) {
      const kinds = parseKinds(fs.readFileSync(path.join(DIST, app, KINDS_FILE), 'utf-8'));
      const parsed = new Map(objectsIn(path.join(DIST, app))
        .map((o) => [`${o.apiVersion} ${o.kind}`, { apiVersion: o.apiVersion, kind: o.kind, namespaced: o.metadata.namespace !== undefined }]));
      expect(kinds).toEqual([...parsed.keys()].sort().map((key) => parsed.get(key)));
      expect(kinds.length).toBeGreaterThan(3);
      expect(kinds.find((k) => k.kind === 'PersistentVolume')).toEqual({ apiVersion: 'v1', kind: 'PersistentVolume', namespaced: false });
      expect(kinds.find((k) => k.kind === 'Deployment')).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', namespaced: true });
    }
  });

  test('formatKinds and parseKinds are each other\'s inverse', () => {
    const kinds = [{ apiVersion: 'apps/v1', kind: 'Deployment', namespaced: true }, { apiVersion: 'v1', kind: 'Namespace', namespaced: false }];
    expect(formatKinds(kinds)).toBe('apps/v1 Deployment namespaced\nv1 Namespace cluster\n');
    expect(parseKinds(formatKinds(kinds))).toEqual(kinds);
  });

  const sites: Array<[string, (app: App) => void]> = [
    ['lab', (app) => new HostingSite(app, 'Site', LAB)],
    ['agency', (app) => new HostingSite(app, 'Site', AGENCY)],
    ...BACKEND_SITES.map(([backend, site]): [string, (app: App) => void] => [`lab on ${backend}`, (app) => new HostingSite(app, 'Site', site)]),
    ['lab with Headlamp', (app) => new HostingSite(app, 'Site', { ...LAB, facts: { ...LAB.facts, headlamp: { address: Ipv4Address.of('192.168.1.34'), viewerAccount: true } } })],
  ];
  test.each(sites)('every kind the %s site emits is one the operator prunes or deliberately keeps', (label, build) => {
    const result = synthApp(path.join(tmp, `kinds-${label.replace(/ /g, '-')}`), build);
    expect(unknownKinds(parseKinds(fs.readFileSync(path.join(result.outdir, KINDS_FILE), 'utf-8')))).toEqual([]);
  });

  test('negative control: a kind no package emits (an Ingress) is caught, and still pruned from the app\'s own kinds.txt', () => {
    const result = synthApp(path.join(tmp, 'ingress'), (app) => {
      const chart = new Chart(app, 'ingresses', { namespace: 'default', labels: ownershipLabels('lab') });
      new k8s.KubeIngress(chart, 'Web', { metadata: { name: 'web' }, spec: { defaultBackend: { service: { name: 'myweb', port: { number: 80 } } } } });
    });
    const emitted = parseKinds(fs.readFileSync(path.join(result.outdir, KINDS_FILE), 'utf-8'));
    expect(unknownKinds(emitted)).toEqual([{ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', namespaced: true }]);
    expect(operatedKinds(emitted).find((k) => k.kind === 'Ingress')).toEqual({ group: 'networking.k8s.io', kind: 'Ingress', namespaced: true });
  });

  test('deploy keeps exactly the volumes, claims and namespaces', () => {
    expect(OPERATED_KINDS.filter((k) => k.keep).map((k) => k.kind).sort()).toEqual(['Namespace', 'PersistentVolume', 'PersistentVolumeClaim']);
  });
});
