// Installs the packed packages (dist/js, from `npx projen package`) into two fresh apps, as another project would:
// one on the project's own stack (cdk8s 2.64 + cdk8s-plus-22) and one on the newest cdk8s and cdk8s-plus. Each
// app compiles a multi-server site that mixes the constructs with cdk8s-plus objects, synthesizes it, and checks
// what it wrote. Each app is installed by the README's own lines ("Use the constructs in your own project"), run as
// written: the .npmrc line points the @cdk8s-vserver scope at a closed port (a lookup of a sibling fails instead of
// fetching a stranger's package), then the public packages, then the tarballs without retries. A negative control
// proves the .npmrc line bites.
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { NEWEST_STACK, PACKAGE_VERSION, PACKAGES, packageName, SAFE_NPMRC_LINE, SCOPE, tarballName, VERSIONS } from '../projenrc/packages';

const repo = path.join(__dirname, '..');
const tarballs = PACKAGES.map((p) => path.join(repo, 'dist/js', tarballName(p.dir)));
/**
 * The README's install lines for your own project, as written there: the .npmrc line, `npm install cdk8s constructs`
 * and the tarballs' install.
 */
function readmeInstallLines(): string[] {
  const readme = fs.readFileSync(path.join(repo, 'README.md'), 'utf-8');
  const block = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]).find((b) => b.includes('# in your project'));
  if (!block) throw new Error('README.md has no block with "# in your project": the consumer steps moved');
  const lines = block.slice(block.indexOf('# in your project')).split('\n').slice(1).filter((l) => l.trim() && !l.startsWith('#'));
  const [npmrc, publicOnes, tarballLine] = lines;
  if (lines.length !== 3 || !npmrc.startsWith(`echo '${SAFE_NPMRC_LINE}' >> .npmrc`) || publicOnes !== 'npm install cdk8s constructs'
    || !tarballLine.includes(`/path/to/cdk8s-vserver/dist/js/${SCOPE.slice(1)}-*-${PACKAGE_VERSION}.tgz`)) {
    throw new Error(`README.md's install lines are not the three this test runs (the .npmrc line, the public packages, the tarballs):\n${lines.join('\n')}`);
  }
  return lines;
}
const INSTALL = readmeInstallLines();

interface Stack {
  readonly name: string;
  readonly plus: string;
  readonly deps: string[];
}
const STACKS: Stack[] = [
  {
    name: 'pinned',
    plus: 'cdk8s-plus-22',
    deps: [`cdk8s@${VERSIONS.cdk8s}`, `cdk8s-plus-22@${VERSIONS.cdk8sPlus22}`, `constructs@${VERSIONS.constructs}`],
  },
  {
    name: 'newest',
    plus: NEWEST_STACK.cdk8sPlus.name,
    deps: [`cdk8s@${NEWEST_STACK.cdk8s}`, `${NEWEST_STACK.cdk8sPlus.name}@${NEWEST_STACK.cdk8sPlus.version}`, `constructs@${NEWEST_STACK.constructs}`],
  },
];

function run(cwd: string, command: string, args: string[], env: Record<string, string> = {}): { status: number; output: string } {
  const out = spawnSync(command, args, { cwd, encoding: 'utf-8', env: { ...process.env, npm_config_loglevel: 'error', ...env } });
  return { status: out.status ?? -1, output: `${out.stdout ?? ''}${out.stderr ?? ''}` };
}

function must(cwd: string, command: string, args: string[], env: Record<string, string> = {}): string {
  const out = run(cwd, command, args, env);
  if (out.status !== 0) throw new Error(`${command} ${args.join(' ')} failed in ${cwd} (${out.status}):\n${out.output}`);
  return out.output;
}

function freshApp(label: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `consumer-${label}-`));
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: `consumer-${label}`, version: '0.0.0', private: true }));
  return dir;
}

/** Runs one of the README's lines in `dir` with bash, this repository in place of /path/to/cdk8s-vserver. */
function readmeLine(dir: string, line: string, env: Record<string, string> = {}): { status: number; output: string; seconds: number } {
  const started = Date.now();
  const out = run(dir, 'bash', ['-euo', 'pipefail', '-c', line.replace(/\/path\/to\/cdk8s-vserver/g, repo)], env);
  return { ...out, seconds: (Date.now() - started) / 1000 };
}

/**
 * The README's install, line by line: the .npmrc line and the tarballs' install as written, the public packages at
 * the stack's versions (`npm install cdk8s constructs` takes the newest). npm logs every request (loglevel http), so
 * a retried lookup shows.
 */
function readmeInstall(dir: string, deps: string[], tarballLine = INSTALL[2]): { status: number; output: string; seconds: number } {
  const [npmrc, publicOnes] = INSTALL;
  for (const line of [npmrc, publicOnes.replace('cdk8s constructs', [...deps, `typescript@${VERSIONS.typescript}`].join(' '))]) {
    const out = readmeLine(dir, line);
    if (out.status !== 0) throw new Error(`${line} failed in ${dir} (${out.status}):\n${out.output}`);
  }
  return readmeLine(dir, tarballLine, { npm_config_loglevel: 'http' });
}

/** The app: two servers, each with its docroot and VIP, the Dashboard on a VIP, and cdk8s-plus objects beside them. */
function appSource(plus: string): string {
  return `import { ApiObject, App, Chart } from 'cdk8s';
import * as kplus from '${plus}';
import { ImageReference, Ipv4Address, Ipv4Subnet } from '${packageName('core')}';
import { NfsFolder } from '${packageName('storage')}';
import { WebSshServer } from '${packageName('web-ssh-server')}';
import { KeepalivedVip } from '${packageName('vip')}';
import { KubernetesDashboard } from '${packageName('dashboard')}';

const app = new App({ outdir: 'dist' });
const system = new Chart(app, 'system', { namespace: 'kube-system', disableResourceNameHashes: true });
const vip = new KeepalivedVip(system, 'Vip', { lanSubnet: Ipv4Subnet.of('10.1.0.0/16') });
const web = new Chart(app, 'web', { namespace: 'default', disableResourceNameHashes: true });
web.addDependency(system);
for (const [i, name] of ['shop', 'blog'].entries()) {
  const docroot = new NfsFolder(web, name + '-docroot', {
    host: 'nas.test', path: '/export/web/' + name, claimName: name + '-docroot',
    accessMode: kplus.PersistentVolumeAccessMode.READ_WRITE_MANY,
  });
  const server = new WebSshServer(web, name, {
    name, docroot, sshServicePort: 2222,
    // an optional prop given as undefined, as code under exactOptionalPropertyTypes passes one through
    replicas: undefined,
    httpdImage: ImageReference.of('master.test:5000/myrepo/httpd:v1'),
    sshdImage: ImageReference.of('master.test:5000/myrepo/sshd:v1'),
  });
  vip.expose(server.service, Ipv4Address.of('10.1.0.' + (31 + i)));
}
// cdk8s-plus objects in the same chart, one of them published through its ApiObject.
new kplus.ConfigMap(web, 'Motd', { metadata: { name: 'motd' }, data: { motd: 'hello' } });
const status = new kplus.Service(web, 'Status', { metadata: { name: 'status' }, ports: [{ port: 8080 }] });
vip.expose(ApiObject.of(status), Ipv4Address.of('10.1.0.40'));
declare const process: { env: Record<string, string | undefined> };
if (process.env.COLLIDE) {
  // Negative control: a second server named shop; the app-wide checks must stop the synth.
  const docroot = new NfsFolder(web, 'other-docroot', { host: 'nas.test', path: '/export/other', claimName: 'other-docroot' });
  new WebSshServer(web, 'other', { name: 'shop', docroot, httpdImage: ImageReference.of('master.test:5000/myrepo/httpd:v1'),
    sshdImage: ImageReference.of('master.test:5000/myrepo/sshd:v1') });
}
const dashboard = new KubernetesDashboard(new Chart(app, 'dashboard', { disableResourceNameHashes: true }), 'Dashboard');
vip.expose(dashboard.service, Ipv4Address.of('10.1.0.33'));
app.synth();
`;
}

/** A site from one declaration, with HostingSite; with METALLB=1 the same site on MetalLB, with Headlamp. */
const SITE_SOURCE = `import { Ipv4Address, Ipv4Subnet } from '${packageName('core')}';
import { HostingSite, synthApp } from '${packageName('hosting')}';
import { VipBackend } from '${packageName('vip')}';

declare const process: { env: Record<string, string | undefined> };   // the app compiles without @types/node
const metallb = process.env.METALLB === '1';
synthApp(metallb ? 'site-metallb' : 'site', (app) => new HostingSite(app, 'Site', {
  name: 'consumer',
  facts: {
    lanSubnet: Ipv4Subnet.of('10.1.0.0/16'), registry: 'master.test:5000/myrepo', nas: { host: 'nas.test', exportRoot: '/export/web' },
    ...(metallb ? { vipBackend: VipBackend.metalLb(), headlamp: { address: Ipv4Address.of('10.1.0.34') } } : {}),
  },
  servers: [
    { name: 'shop', address: Ipv4Address.of('10.1.0.31'), version: 'v1', sshServicePort: 2222 },
    { name: 'blog', address: Ipv4Address.of('10.1.0.32'), version: 'v1', sshServicePort: 2222 },
  ],
}));
`;

const EXPECTED_KINDS = ['ClusterRole', 'ClusterRoleBinding', 'ConfigMap', 'DaemonSet', 'Deployment', 'Namespace', 'NetworkPolicy', 'PersistentVolume',
  'PersistentVolumeClaim', 'PodDisruptionBudget', 'Role', 'RoleBinding', 'Secret', 'Service', 'ServiceAccount'];
const EXPECTED_VIPS = ['10.1.0.31: default/shop', '10.1.0.32: default/blog', '10.1.0.33: kubernetes-dashboard/kubernetes-dashboard', '10.1.0.40: default/status'];

function proveStack(stack: Stack): void {
  const started = Date.now();
  const dir = freshApp(stack.name);
  try {
    const install = readmeInstall(dir, stack.deps);
    if (install.status !== 0) throw new Error(`${INSTALL[2]} failed in ${dir} (${install.status}):\n${install.output}`);
    // each sibling is looked up once on the closed registry, refused at once, and taken from its tarball: never retried
    const lookups = install.output.split('\n').filter((l) => l.includes('127.0.0.1:9'));
    if (lookups.length === 0 || lookups.some((l) => /attempt [2-9]/.test(l))) {
      throw new Error(`${stack.name}: the tarballs' install did not refuse each lookup at once:\n${lookups.join('\n')}`);
    }
    installSeconds.push(`${stack.name} ${install.seconds.toFixed(1)} s`);
    // One copy of each sibling, taken from its tarball, and one cdk8s: the constructs and the app share it.
    const tree = JSON.parse(must(dir, 'npm', ['ls', '--all', '--json']));
    for (const spec of PACKAGES) {
      const installed = tree.dependencies[packageName(spec.dir)];
      if (!installed?.resolved?.startsWith('file:')) throw new Error(`${packageName(spec.dir)} was not installed from its tarball: ${JSON.stringify(installed)}`);
    }
    const cdk8sCopies = must(dir, 'npm', ['ls', 'cdk8s', '--all', '--parseable']).trim().split('\n').filter((l) => l.endsWith('/node_modules/cdk8s'));
    if (cdk8sCopies.length !== 1) throw new Error(`expected one cdk8s, found ${cdk8sCopies.length}: ${cdk8sCopies.join(', ')}`);

    // skipLibCheck off: the packages' .d.ts files must type-check in the consumer's compiler, beside cdk8s-plus's.
    fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { strict: true, target: 'ES2020', module: 'commonjs', outDir: 'out', skipLibCheck: false, types: [] },
      include: ['main.ts', 'site.ts'],
    }));
    fs.writeFileSync(path.join(dir, 'main.ts'), appSource(stack.plus));
    fs.writeFileSync(path.join(dir, 'site.ts'), SITE_SOURCE);
    must(dir, 'npx', ['tsc', '-p', '.']);
    // and in a project with exactOptionalPropertyTypes, where an optional prop given as undefined (replicas above) must
    // be declared `| undefined` (the libraries' own .d.ts files are not ours to check there: cdk8s-plus-22's fail it)
    fs.writeFileSync(path.join(dir, 'tsconfig.exact.json'), JSON.stringify({
      extends: './tsconfig.json', compilerOptions: { exactOptionalPropertyTypes: true, skipLibCheck: true, noEmit: true },
    }));
    must(dir, 'npx', ['tsc', '-p', 'tsconfig.exact.json']);
    // The app-wide checks run inside this stack's own cdk8s validation: a name collision stops the synth.
    const collide = spawnSync('node', ['out/main.js'], { cwd: dir, encoding: 'utf-8', env: { ...process.env, COLLIDE: '1' } });
    if (collide.status === 0 || !collide.stderr.includes('[web/other/Deployment] its Deployment/default/shop has the name of Deployment/default/shop')) {
      throw new Error(`${stack.name}: a server named twice was not refused at synth (${collide.status}):\n${collide.stderr}`);
    }
    fs.rmSync(path.join(dir, 'dist'), { recursive: true, force: true });
    must(dir, 'node', ['out/main.js']);

    // The same site again, as a declaration: HostingSite from its tarball.
    must(dir, 'node', ['out/site.js']);
    const siteYaml = fs.readdirSync(path.join(dir, 'site')).filter((f) => f.endsWith('.yaml')).sort().map((f) => fs.readFileSync(path.join(dir, 'site', f), 'utf-8')).join('\n');
    if ((siteYaml.match(/^kind: Deployment$/gm) ?? []).length !== 2 || !siteYaml.includes('10.1.0.31: default/shop')) {
      throw new Error(`${stack.name}: the HostingSite app did not write its two servers:\n${siteYaml.slice(0, 2000)}`);
    }
    // ... and on MetalLB with Headlamp: the imported custom resources from the vip tarball, which carries the CRDs too.
    must(dir, 'node', ['out/site.js'], { METALLB: '1' });
    const metallbYaml = fs.readdirSync(path.join(dir, 'site-metallb')).filter((f) => f.endsWith('.yaml')).sort().map((f) => fs.readFileSync(path.join(dir, 'site-metallb', f), 'utf-8')).join('\n');
    if (!metallbYaml.includes('kind: IPAddressPool') || !metallbYaml.includes('- 10.1.0.34/32') || metallbYaml.includes('externalIPs')
      || !metallbYaml.includes('image: ghcr.io/headlamp-k8s/headlamp:v0.45.0')) {
      throw new Error(`${stack.name}: the HostingSite app on MetalLB did not write its pool and Headlamp without externalIPs:\n${metallbYaml.slice(0, 2000)}`);
    }
    // The operator CLI comes with the operator tarball: `npx --no cdk8s-vserver`, reading the contract synthApp wrote beside
    // the site's manifests, and without a cluster one clear line instead of a stack trace.
    const help = run(dir, 'npx', ['--no', 'cdk8s-vserver', 'help']);
    if (help.status !== 0 || !help.output.includes('deploy DIR [APP]')) throw new Error(`${stack.name}: npx --no cdk8s-vserver help failed (${help.status}):\n${help.output}`);
    if (!fs.readFileSync(path.join(dir, 'site', 'kinds.txt'), 'utf-8').includes('apps/v1 Deployment namespaced')) {
      throw new Error(`${stack.name}: synthApp did not write kinds.txt beside the site's manifests`);
    }
    const images = run(dir, 'npx', ['--no', 'cdk8s-vserver', 'images', 'site']);
    if (images.status !== 0 || !/^buildah bud -t \S+\/httpd:\S+ packages\/web-ssh-server\/images\/httpd && buildah push /m.test(images.output)) {
      throw new Error(`${stack.name}: npx --no cdk8s-vserver images did not print the site's images from its contract (${images.status}):\n${images.output}`);
    }
    const kubeconfig = path.join(dir, 'no-cluster.kubeconfig');
    fs.writeFileSync(kubeconfig, 'apiVersion: v1\nkind: Config\nclusters: [{ name: c, cluster: { server: "https://127.0.0.1:9" } }]\n'
      + 'users: [{ name: u, user: { token: t } }]\ncontexts: [{ name: c, context: { cluster: c, user: u } }]\ncurrent-context: c\n');
    const deploy = run(dir, 'npx', ['--no', 'cdk8s-vserver', 'deploy', 'site', 'consumer'], { KUBECONFIG: kubeconfig });
    // (on a machine without kubectl, the line says that instead)
    const expected = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf-8' }).status === 0
      ? /^deploy: kubectl cannot reach the cluster \(/m : /^kubectl was not found \(kubectl\): install the Kubernetes client/m;
    if (deploy.status !== 1 || !expected.test(deploy.output) || /^\s+at /m.test(deploy.output)) {
      throw new Error(`${stack.name}: npx --no cdk8s-vserver deploy without a cluster did not end in one clear line (${deploy.status}):\n${deploy.output}`);
    }
    // the vendored CRDs travel with their licence, and the package's NOTICE says where they came from
    for (const [pkg, crds, what] of [['vip', 'metallb-v0.16.1', "MetalLB's"], ['web-ssh-server', 'cert-manager-v1.21.1', "cert-manager's"]]) {
      const root = path.join(dir, 'node_modules', packageName(pkg));
      if (!fs.existsSync(path.join(root, 'crds', crds, 'LICENSE')) || !fs.readFileSync(path.join(root, 'NOTICE'), 'utf-8').includes(`crds/${crds}/`)) {
        throw new Error(`${stack.name}: the ${pkg} tarball does not carry ${what} CRDs, their licence and a NOTICE naming them`);
      }
    }
    const yaml = fs.readdirSync(path.join(dir, 'dist')).sort().map((f) => fs.readFileSync(path.join(dir, 'dist', f), 'utf-8')).join('\n');
    const kinds = [...new Set([...yaml.matchAll(/^kind: (\S+)$/gm)].map((m) => m[1]))].sort();
    if (JSON.stringify(kinds) !== JSON.stringify(EXPECTED_KINDS)) throw new Error(`${stack.name}: wrote kinds ${kinds}, expected ${EXPECTED_KINDS}`);
    const vips = [...yaml.matchAll(/^ {2}(10\.1\.0\.\d+: \S+)$/gm)].map((m) => m[1]);
    if (JSON.stringify(vips) !== JSON.stringify(EXPECTED_VIPS)) throw new Error(`${stack.name}: VIP ConfigMap has ${vips}, expected ${EXPECTED_VIPS}`);
    const deployments = (yaml.match(/^kind: Deployment$/gm) ?? []).length;
    if (deployments !== 4) throw new Error(`${stack.name}: expected 4 Deployments (2 servers, Dashboard, scraper), found ${deployments}`);
    console.log(`consumer app on the ${stack.name} stack (${stack.deps.join(', ')}): installed, compiled, synthesized `
      + `${kinds.length} kinds and ${vips.length} VIPs, refused a server named twice, and built a site from a declaration, on kube-keepalived-vip and on MetalLB, in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Negative control: one package without its siblings must fail to install, since the scope resolves nowhere. */
function proveNoRegistryLookup(): void {
  const dir = freshApp('alone');
  try {
    const alone = tarballs.find((t) => t.includes('web-ssh-server'))!;
    const out = readmeInstall(dir, STACKS[0].deps, INSTALL[2].replace(/\S*cdk8s-vserver-\*-\S+\.tgz/, alone));
    if (out.status === 0) throw new Error('web-ssh-server installed without its siblings: npm found them somewhere other than the tarballs');
    if (!/127\.0\.0\.1:9|ECONNREFUSED/.test(out.output)) throw new Error(`the install failed, but not on the closed registry:\n${out.output}`);
    console.log(`negative control: web-ssh-server alone fails to install (npm asked ${SCOPE}'s closed registry for a sibling, and got nothing)`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Proves each stack in a process of its own, side by side (each app installs and compiles on its own), and prints each one's output. */
async function proveStacksSideBySide(): Promise<void> {
  const results = await Promise.all(STACKS.map((stack) => new Promise<{ stack: string; status: number; output: string }>((resolve) => {
    const child = spawn(process.execPath, [require.resolve('ts-node/dist/bin.js'), '--transpile-only', __filename, stack.name], { cwd: repo });
    let output = '';
    child.stdout.on('data', (d) => { output += d; });
    child.stderr.on('data', (d) => { output += d; });
    child.on('close', (status) => resolve({ stack: stack.name, status: status ?? -1, output }));
  })));
  for (const r of results) process.stdout.write(r.output);
  const failed = results.filter((r) => r.status !== 0).map((r) => r.stack);
  if (failed.length) throw new Error(`the consumer test failed on the ${failed.join(' and ')} stack (its output above)`);
  const seconds = results.map((r) => /^install: (.*)$/m.exec(r.output)?.[1]).filter(Boolean);
  console.log(`the README's install of the ${PACKAGES.length} tarballs took ${seconds.join(', ')}`);
}

for (const tarball of tarballs) {
  if (!fs.existsSync(tarball)) throw new Error(`${path.relative(repo, tarball)} is missing: run \`npx projen package\` first`);
}
const installSeconds: string[] = [];
const only = process.argv[2];
if (only) {
  // one stack, as a child of the run below
  const stack = STACKS.find((s) => s.name === only);
  if (!stack) throw new Error(`no stack named ${only} (${STACKS.map((s) => s.name).join(', ')})`);
  proveStack(stack);
  console.log(`install: ${installSeconds.join(', ')}`);
} else {
  proveNoRegistryLookup();
  proveStacksSideBySide().catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
