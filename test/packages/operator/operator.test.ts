import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ContractFile, CONTRACT_FILE, formatKinds, Ipv4Address, k8s, KINDS_FILE, ownershipLabels, parseKinds, podSpecOf } from '@cdk8s-vserver/core';
import { HostingSite, synthApp } from '@cdk8s-vserver/hosting';
import { monitoring } from '@cdk8s-vserver/monitoring';
import { OPERATED_KINDS, operatedKinds, SiteOperator, unknownKinds } from '@cdk8s-vserver/operator';
import { mariadbOperator } from '@cdk8s-vserver/storage';
import { gatewayApi, VIP_CUSTOM_KINDS } from '@cdk8s-vserver/vip';
import { certmanager } from '@cdk8s-vserver/web-ssh-server';
import { App, Chart } from 'cdk8s';
import { parse } from 'yaml';
import { AGENCY } from '../../../apps/agency/site';
import { LAB } from '../../../apps/lab/site';
import { BACKEND_SITES } from '../../backend-sites';
import { DIST, distApps, filesUnder, objectsIn } from '../../support';

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
  const out = spawnSync(process.execPath, [path.join(repo, 'packages/operator/bin/cdk8s-vserver.js'), ...args],
    { encoding: 'utf-8', env: { ...process.env, KUBECONFIG: noCluster, ...env }, timeout: 60_000 });
  return { status: out.status, stdout: out.stdout, stderr: out.stderr };
}

describe('the operator CLI, usage', () => {
  test('without a command: the usage, every command in it (uninstall too), exit 2', () => {
    const out = cli([]);
    expect(out.status).toBe(2);
    for (const command of ['preflight [DIR]', 'diff DIR', 'deploy DIR [APP]', 'wait APP [SELECTOR]', 'images DIR', 'uninstall APP [DIR]',
      'restore DIR SERVER [SNAPSHOT] [--path PATH] [--files-only] [--yes]']) {
      expect(out.stderr).toContain(command);
    }
  });

  test('help: the usage on stdout, exit 0', () => {
    const out = cli(['help']);
    expect({ status: out.status, first: out.stdout.split('\n')[0] }).toEqual({ status: 0, first: expect.stringMatching(/^usage: cdk8s-vserver <command>/) });
  });

  test.each([
    [['deploy'], 'usage: cdk8s-vserver deploy DIR [APP]'],
    [['deploy', 'dist/lab', 'lab', 'more'], 'usage: cdk8s-vserver deploy DIR [APP]'],
    [['images'], 'usage: cdk8s-vserver images DIR'],
    [['diff', 'a', 'b'], 'usage: cdk8s-vserver diff DIR'],
    [['wait'], 'usage: cdk8s-vserver wait APP [SELECTOR]'],
    [['uninstall'], 'usage: cdk8s-vserver uninstall APP [DIR]'],
    [['restore', 'dist/lab'], 'usage: cdk8s-vserver restore DIR SERVER [SNAPSHOT] [--path PATH] [--files-only] [--yes]'],
    [['restore', 'dist/lab', 'myweb', 'abcdef12', 'more'], 'usage: cdk8s-vserver restore DIR SERVER [SNAPSHOT] [--path PATH] [--files-only] [--yes]'],
    [['restore', 'dist/lab', 'myweb', '--path'], 'usage: cdk8s-vserver restore DIR SERVER [SNAPSHOT] [--path PATH] [--files-only] [--yes]'],
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

/** The agency's site without its backups (facts.backup left out), synthesized once: a site the restore has nothing for. */
const NO_BACKUPS = path.join(tmp, 'agency-without-backups');
synthApp(NO_BACKUPS, (app) => new HostingSite(app, 'Site', { ...AGENCY, facts: { ...AGENCY.facts, backup: undefined } }));

describe('the operator CLI fails in one line, before or without a cluster', () => {
  test.each([
    ['preflight', ['preflight']],
    ['preflight', ['preflight', path.join(DIST, 'lab')]],
    ['diff', ['diff', path.join(DIST, 'lab')]],
    ['wait', ['wait', 'lab']],
    ['deploy', ['deploy', path.join(DIST, 'lab')]],
    ['uninstall', ['uninstall', 'lab']],
    ['restore', ['restore', path.join(DIST, 'lab'), 'myweb']],
  ])('fails when no cluster answers (%s): one line that says what to do, none of kubectl\'s log lines, no stack trace', (command, args) => {
    const out = cli(args);
    expect(out.status).toBe(1);
    expect(out.stderr.trim().split('\n')).toEqual([expect.stringMatching(
      new RegExp(`^${command}: kubectl cannot reach the cluster \\(The connection to the server 127\\.0\\.0\\.1:9 was refused.*\\)\\. Point KUBECONFIG at the cluster's kubeconfig`))]);
  });

  test.each([
    ['a server without backups, naming those with', ['restore', path.join(DIST, 'lab'), 'shop'],
      `restore: ${path.join(DIST, 'lab')} has no restore template for server "shop" (a CronJob shop-restore): the servers with backups are myweb`],
    ['a site without backups', ['restore', NO_BACKUPS, 'bakery'],
      `restore: ${NO_BACKUPS} has no restore template for server "bakery" (a CronJob bakery-restore): its site has no backups (facts.backup)`],
    ['a snapshot that is no id', ['restore', path.join(DIST, 'lab'), 'myweb', 'yesterday'],
      'restore: SNAPSHOT must be a snapshot id (8 to 64 hex digits, as the backup job\'s log names it) or latest, got "yesterday"'],
    ['a path not in the docroot', ['restore', path.join(DIST, 'lab'), 'myweb', '--path', 'wp-content'],
      'restore: --path must be a path in the docroot starting with / (such as /wp-content/uploads), got "wp-content"'],
    ['an unknown flag', ['restore', path.join(DIST, 'lab'), 'myweb', '--force'], 'cdk8s-vserver restore: unknown flag --force'],
  ])('restore refuses %s before it asks the cluster anything', (_what, args, message) => {
    const out = cli(args);
    expect(out.status).toBe(2);
    expect(out.stderr.split('\n')[0]).toBe(message);
  });

  test('negative control: kubectl itself prints its log lines when no cluster answers (what the operator keeps from the user)', () => {
    const out = spawnSync('kubectl', ['diff', '-f', path.join(DIST, 'lab')], { encoding: 'utf-8', env: { ...process.env, KUBECONFIG: noCluster } });
    expect(out.stderr).toMatch(/^E\d{4} .*memcache\.go/m);
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

  test('fails on a folder without its contract, with a broken one, or with one of another version', () => {
    const dir = path.join(tmp, 'no-contract');
    fs.mkdirSync(dir);
    fs.copyFileSync(path.join(DIST, 'lab', '0003-web.k8s.yaml'), path.join(dir, '0003-web.k8s.yaml'));
    expect(cli(['deploy', dir, 'lab'])).toMatchObject({
      status: 2, stderr: `deploy: ${dir} has no operator/contract.json, which the synth writes beside the manifests: synthesize the app again (npx projen synth)\n`,
    });
    const file = path.join(dir, CONTRACT_FILE);
    fs.mkdirSync(path.dirname(file));
    fs.writeFileSync(file, '{"version": 1,');
    expect(cli(['preflight', dir])).toMatchObject({ status: 2, stderr: expect.stringMatching(new RegExp(`^preflight: ${file} is not JSON \\(.*\\): synthesize the app again`)) });
    fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(fs.readFileSync(path.join(DIST, 'lab', CONTRACT_FILE), 'utf-8')), version: 2 }));
    expect(cli(['images', dir])).toMatchObject({
      status: 2, stderr: `images: ${file} is version 2 of the contract; this operator reads version 1: synthesize the app again with the packages of this operator's release\n`,
    });
  });

  test('refuses an APP that is not the folder\'s site, before kubectl runs, naming the right command', () => {
    const lab = path.join(DIST, 'lab');
    expect(cli(['deploy', lab, 'mysite'])).toEqual({
      status: 2,
      stdout: '',
      stderr: `deploy: ${lab} is the site "lab" (the app.kubernetes.io/part-of label of its objects), `
      + `not "mysite": deploy would select the wrong objects by that label. Run \`cdk8s-vserver deploy ${lab} lab\`\n`,
    });
    expect(cli(['uninstall', 'agency', lab])).toMatchObject({ status: 2, stderr: expect.stringContaining(`uninstall: ${lab} is the site "lab"`) });
    expect(cli(['uninstall', 'agency', lab]).stderr).toContain(`Run \`cdk8s-vserver uninstall lab ${lab}\``);
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

describe('the contract: the operator\'s one input besides the manifests', () => {
  const contractOf = (dir: string): ContractFile => JSON.parse(fs.readFileSync(path.join(dir, CONTRACT_FILE), 'utf-8'));
  /** Every pod spec of a folder: its manifests' and its node files' static Pods. */
  const podsOf = (dir: string) => [
    ...objectsIn(dir),
    ...filesUnder(dir).filter((f) => f.endsWith('.yaml') && f.includes('/manifests/')).map((f) => parse(fs.readFileSync(path.join(dir, f), 'utf-8'))),
  ].map((o) => ({ namespace: o.metadata?.namespace ?? 'default', pod: podSpecOf(o) as any })).filter((p) => p.pod);

  test.each(distApps())('dist/%s: every image its pods and its nodes\' static Pods pull is in it, and nothing else', (app) => {
    const dir = path.join(DIST, app);
    const pulled = new Set(podsOf(dir).flatMap(({ pod }) => [...pod.initContainers ?? [], ...pod.containers].map((c: any) => c.image)));
    expect(contractOf(dir).images.map((i) => i.image)).toEqual([...pulled].sort());
    // our own images are built here, from folders that exist
    for (const image of contractOf(dir).images.filter((i) => i.method === 'build')) expect(fs.existsSync(path.join(repo, image.from, 'Dockerfile'))).toBe(true);
  });

  test.each(distApps())('dist/%s: every Secret and ConfigMap its pods need and it does not make is described, with its command', (app) => {
    const dir = path.join(DIST, app);
    const objects = objectsIn(dir);
    const made = new Set(objects.flatMap((o) => [
      ...(['Secret', 'ConfigMap'].includes(o.kind) ? [`${o.kind}/${o.metadata.namespace}/${o.metadata.name}`] : []),
      ...(o.kind === 'Certificate' ? [`Secret/${o.metadata.namespace}/${o.spec.secretName}`] : []),
    ]));
    const needed = new Set(podsOf(dir).flatMap(({ namespace, pod }) => [
      ...(pod.volumes ?? []).flatMap((v: any) => [
        ...(v.secret ? [`Secret/${namespace}/${v.secret.secretName}`] : []),
        ...(v.configMap ? [`ConfigMap/${namespace}/${v.configMap.name}`] : []),
      ]),
      // a key of one as a container's environment (the database's password)
      ...[...pod.initContainers ?? [], ...pod.containers].flatMap((c: any) => (c.env ?? []).flatMap((e: any) => [
        ...(e.valueFrom?.secretKeyRef ? [`Secret/${namespace}/${e.valueFrom.secretKeyRef.name}`] : []),
        ...(e.valueFrom?.configMapKeyRef ? [`ConfigMap/${namespace}/${e.valueFrom.configMapKeyRef.name}`] : []),
      ])),
    ]).filter((key: string) => !made.has(key)));
    const contract = contractOf(dir);
    const described = [...contract.secrets.map((s) => `Secret/${s.namespace}/${s.name}`), ...contract.configMaps.map((c) => `ConfigMap/${c.namespace}/${c.name}`)];
    expect(described.sort()).toEqual([...needed].sort());
    for (const entry of [...contract.secrets, ...contract.configMaps]) {
      expect(entry.command).toMatch(new RegExp(`kubectl create (secret (generic|tls)|configmap) ${entry.name} -n ${entry.namespace} `));
    }
    expect(contract.site).toBe(app);
  });

  test('images DIR: the commands that put every image of dist/lab where its pods pull it from, one per line, on stdout', () => {
    const out = cli(['images', path.join(DIST, 'lab')]);
    expect([out.status, out.stderr]).toEqual([0, '']);
    expect(out.stdout.trim().split('\n')).toEqual([
      '# kubernetesui/dashboard:v2.7.0: the nodes pull it from its own registry (docker.io); mirror it into yours and name the copy in the site if they cannot reach it',
      '# kubernetesui/metrics-scraper:v1.0.8: the nodes pull it from its own registry (docker.io); mirror it into yours and name the copy in the site if they cannot reach it',
      ...['web-ssh-server/images/apache-exporter', 'control-plane/images/haproxy', 'web-ssh-server/images/httpd', 'control-plane/images/keepalived']
        .map((folder) => `buildah bud -t master.test:5000/myrepo/${path.basename(folder)}:v1 packages/${folder} && buildah push master.test:5000/myrepo/${path.basename(folder)}:v1`),
      'skopeo copy docker://aledbf/kube-keepalived-vip:0.35 docker://master.test:5000/myrepo/kube-keepalived-vip:0.35',
      ...['monitoring/images/log-collector', 'storage/images/restic', 'web-ssh-server/images/sshd']
        .map((folder) => `buildah bud -t master.test:5000/myrepo/${path.basename(folder)}:v1 packages/${folder} && buildah push master.test:5000/myrepo/${path.basename(folder)}:v1`),
    ]);
  });

  test('the site is the part-of label of the objects; synth fails on a folder of two apps, naming the files', () => {
    expect(() => synthApp(path.join(tmp, 'two-apps'), (app) => {
      new k8s.KubeConfigMap(new Chart(app, 'one', { namespace: 'default', labels: ownershipLabels('one') }), 'A', { metadata: { name: 'a' } });
      new k8s.KubeConfigMap(new Chart(app, 'two', { namespace: 'default', labels: ownershipLabels('two') }), 'B', { metadata: { name: 'b' } });
    })).toThrow(`synthApp(${path.join(tmp, 'two-apps')}): the objects carry app.kubernetes.io/part-of values one (one.k8s.yaml) and two (two.k8s.yaml): `
      + 'the operator deploys, prunes and uninstalls one app by that label. Give every chart the same labels (ownershipLabels(<app>)), '
      + 'or synthesize each app into its own folder');
    expect(fs.existsSync(path.join(tmp, 'two-apps'))).toBe(false);
    const unlabelled = synthApp(path.join(tmp, 'unlabelled'), (app) => {
      new k8s.KubeConfigMap(new Chart(app, 'one', { namespace: 'default' }), 'A', { metadata: { name: 'a' } });
    });
    expect(unlabelled.contract?.site).toBeUndefined();
    expect(cli(['deploy', unlabelled.outdir])).toMatchObject({
      status: 2,
      stderr: `deploy: the objects of ${unlabelled.outdir} carry no app.kubernetes.io/part-of `
      + 'label, so nothing names its app: give APP, the label value to deploy and prune by\n',
    });
  });

  test('the operator\'s custom kinds are, by name, the ones the packages emit', () => {
    const emitted = [
      ...VIP_CUSTOM_KINDS.map((k) => ({ apiVersion: k.apiVersion, kind: k.kind })),
      certmanager.Certificate.GVK, monitoring.PodMonitor.GVK, monitoring.PrometheusRule.GVK,
      mariadbOperator.MariaDb.GVK, mariadbOperator.Database.GVK, mariadbOperator.User.GVK, mariadbOperator.Grant.GVK,
      gatewayApi.Gateway.GVK, gatewayApi.ListenerSet.GVK, gatewayApi.HttpRoute.GVK, gatewayApi.TlsRoute.GVK,
    ].map((k) => `${k.apiVersion.split('/')[0]}/${k.kind}`);
    // Kubernetes' own groups, which have a dot too
    const builtIn = ['networking.k8s.io', 'rbac.authorization.k8s.io'];
    const custom = OPERATED_KINDS.filter((k) => k.group.includes('.') && !builtIn.includes(k.group)).map((k) => `${k.group}/${k.kind}`);
    expect(custom.sort()).toEqual(emitted.sort());
  });

  test('the operator package imports core only (and Node and yaml): it reads the folder, never a construct package', () => {
    const src = path.join(repo, 'packages/operator/src');
    const imported = new Set(fs.readdirSync(src).filter((f) => f.endsWith('.ts'))
      .flatMap((f) => [...fs.readFileSync(path.join(src, f), 'utf-8').matchAll(/(?:from|require\()\s*'([^'.][^']*)'/g)].map((m) => m[1])));
    expect([...imported].filter((m) => m.startsWith('@cdk8s-vserver/'))).toEqual(['@cdk8s-vserver/core']);
    expect(JSON.parse(fs.readFileSync(path.join(repo, 'packages/operator/package.json'), 'utf-8')).dependencies).toEqual({ '@cdk8s-vserver/core': expect.any(String), 'yaml': '2.8.1' });
  });
});
