import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiVipHolder, ControlPlane } from '@cdk8s-vserver/control-plane';
import { CONTRACT_FILE, Ipv4Address, Ipv4Subnet, ImageReference, k8s, OperatorContract, ownershipLabels } from '@cdk8s-vserver/core';
import { HostingSite, HostingSiteProps, synthApp } from '@cdk8s-vserver/hosting';
import { NfsFolder, ResticBackup } from '@cdk8s-vserver/storage';
import { KeepalivedVip, VipBackend } from '@cdk8s-vserver/vip';
import { ServerCertificate, WebSshServer } from '@cdk8s-vserver/web-ssh-server';
import { App, Chart } from 'cdk8s';
import { emittedCrdFiles } from '../backend-sites';
import { waitFor } from '../support';
import { applyableDir, installCustomResourceDefinitions } from './dist';
import { getJson, kubectl, kubectlRaw, requireControlPlane } from './kubectl';

// Life after apply, on the real control plane, through the commands the README shows (npx --no cdk8s-vserver): a
// preflight of the server's version, diff, deploy with prune, roll back, uninstall. The site is an app of its
// own ("ops-test": three servers in namespace "ops", their VIP controller), so the other tests' dist/lab is
// there too and must survive all of it.
requireControlPlane();
// Each operation runs several kubectl commands (an uninstall about ten): jest's 5 s default is too short on a busy machine.
jest.setTimeout(120_000);

const APP = 'ops-test';
const repo = path.join(__dirname, '../..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'operate-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** What the shop's ResticBackup says its Jobs carry. */
let shopBackupJobLabels: Readonly<Record<string, string>> = {};

/** The ops-test site with these servers, all on `version`, synthesized into a folder the test server takes. */
function site(label: string, servers: string[], version = 'v1'): string {
  const out = path.join(tmp, label);
  synthApp(out, (app: App) => {
    const labels = ownershipLabels(APP);
    const ns = new Chart(app, 'namespace', { labels });
    new k8s.KubeNamespace(ns, 'Ops', { metadata: { name: 'ops' } });
    const system = new Chart(app, 'vip', { namespace: 'ops', labels, disableResourceNameHashes: true });
    const vip = new KeepalivedVip(system, 'Vip', { lanSubnet: Ipv4Subnet.of('10.9.0.0/24'), name: 'ops-vip', configMapName: 'ops-vip', vrid: 9 });
    const web = new Chart(app, 'web', { namespace: 'ops', labels, disableResourceNameHashes: true });
    system.addDependency(ns);
    web.addDependency(system);
    servers.forEach((name, i) => {
      const docroot = new NfsFolder(web, `${name}-docroot`, { host: 'nas.test', path: `/export/${name}`, claimName: `${name}-docroot`, volumeName: `ops-${name}` });
      const server = new WebSshServer(web, name, {
        name,
        docroot,
        sshServicePort: 2222,
        version,
        httpdImage: ImageReference.of('master.test:5000/myrepo/httpd:v1'),
        sshdImage: ImageReference.of('master.test:5000/myrepo/sshd:v1'),
      });
      vip.expose(server.service, Ipv4Address.of(`10.9.0.${10 + i}`));
      // nightly backups to the NAS: CronJobs that prune and uninstall must cover too
      const target = new NfsFolder(web, `${name}-backup-target`, { host: 'nas.test', path: `/backup/${name}`, claimName: `${name}-backup`, volumeName: `ops-${name}-backup` });
      const backup = new ResticBackup(web, `${name}-backup`, { name, docroot, target, image: ImageReference.of('master.test:5000/myrepo/restic:v1') });
      if (name === 'shop') shopBackupJobLabels = backup.jobLabels;
    });
  });
  return applyableDir(out, path.join(tmp, `${label}-applyable`));
}

/** The operator CLI, as `npx --no cdk8s-vserver ...` runs it (the hosting package's bin). */
function cli(args: string[], env: Record<string, string> = {}) {
  const out = spawnSync(process.execPath, [path.join(repo, 'packages/operator/bin/cdk8s-vserver.js'), ...args],
    { encoding: 'utf-8', env: { ...process.env, ...env }, timeout: 120_000 });
  return { status: out.status, stdout: out.stdout, stderr: out.stderr };
}

const names = (kind: string, ns = 'ops') => getJson([kind, '-n', ns]).items.map((o: any) => o.metadata.name).sort();
const vipEntries = () => getJson(['configmap', 'ops-vip', '-n', 'ops']).data ?? {};
const image = (name: string) => getJson(['deployment', name, '-n', 'ops']).spec.template.spec.containers.map((c: any) => c.image);

const threeServers = site('v1', ['shop', 'blog', 'wiki']);
const threeServersV2 = site('v1-images-v2', ['shop', 'blog', 'wiki'], 'v2');
const wikiRemoved = site('v2', ['shop', 'blog']);
const wikiRemovedV2 = site('v3', ['shop', 'blog'], 'v2');

describe('preflight', () => {
  // A folder with a redundant control plane: preflight says whether kubectl talks to its endpoint, the API VIP. Here
  // the "VIP" of one folder is the test server's own address and port (a LAN of 127.0.0.0/8); the other's is not.
  test('with a control plane in the folder, says kubectl talks to its endpoint, and warns when it talks to anything else (negative control)', () => {
    const server = kubectl(['config', 'view', '--minify', '-o', 'jsonpath={.clusters[0].cluster.server}']).trim();
    const [, host, port] = /^https:\/\/([\d.]+):(\d+)$/.exec(server)!;
    const folder = (label: string, address: string, haproxyPort: number) => {
      const out = path.join(tmp, label);
      synthApp(out, (app: App) => {
        new k8s.KubeConfigMap(new Chart(app, 'cm', { namespace: 'default', labels: ownershipLabels(APP) }), 'Cm', { metadata: { name: `${label}-cm` } });
        new ControlPlane(app, 'ControlPlane', {
          nodes: [2, 3, 4].map((n) => ({ name: `m${n}`, address: Ipv4Address.of(`127.0.0.${n}`) })),
          apiAddress: Ipv4Address.of(address),
          lanSubnet: Ipv4Subnet.of('127.0.0.0/8'),
          kubernetesVersion: 'v1.34.1',
          apiVipHolder: ApiVipHolder.keepalivedHaproxy({ interface: 'lo', haproxyPort }),
          registry: 'master.test:5000/myrepo',
        });
      });
      return out;
    };
    const through = cli(['preflight', folder('cp-vip', host, Number(port))], { VSERVER_MIN_K8S_MINOR: '20' });
    expect([through.status, through.stderr]).toEqual([0, '']);
    expect(through.stdout.trim().split('\n')).toContain(`preflight: kubectl talks to the control plane's endpoint, ${server}`);
    // and, last, what the folder pulls: the control plane's static pods' images
    expect(through.stdout.trim().split('\n').pop()).toBe(`preflight: the site pulls 2 images from master.test:5000; \`cdk8s-vserver images ${path.join(tmp, 'cp-vip')}\` `
      + 'prints the commands that put them there');
    const elsewhere = cli(['preflight', folder('cp-other', '127.0.0.30', 8443)], { VSERVER_MIN_K8S_MINOR: '20' });
    expect(elsewhere.status).toBe(0);
    expect(elsewhere.stderr.trim()).toBe(`preflight: kubectl talks to ${server}, not to the control plane's endpoint https://127.0.0.30:8443 `
      + `(${path.join(tmp, 'cp-other', 'control-plane', 'kubeadm-config.yaml')}): when that one API server's master fails, kubectl and this tool `
      + 'lose the cluster with it. Set the kubeconfig\'s server to https://127.0.0.30:8443 (docs/control-plane.md)');
  });

  test('refuses the 1.20 test server in one line, naming the version needed and why', () => {
    const out = cli(['preflight']);
    expect({ status: out.status, stderr: out.stderr.trim() }).toEqual({
      status: 1,
      stderr: 'preflight: the server is Kubernetes 1.20; the site needs 1.21 or newer (its PodDisruptionBudgets are policy/v1). Upgrade the cluster before applying.',
    });
  });

  test('negative control: with the minimum at 1.20 the same server passes', () => {
    const out = cli(['preflight'], { VSERVER_MIN_K8S_MINOR: '20' });
    expect({ status: out.status, stdout: out.stdout.trim() }).toEqual({ status: 0, stdout: 'preflight: Kubernetes 1.20 is supported (1.20-1.30)' });
  });

  test("with a folder, passes when the server serves its custom resources and has its namespaces (dist/agency; MetalLB's, cert-manager's and the Prometheus Operator's CRDs installed)", () => {
    // what MetalLB's, cert-manager's and the Prometheus Operator's own installs bring: their CRDs, and MetalLB's namespace
    installCustomResourceDefinitions(emittedCrdFiles());
    kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'metallb-system' } }));
    const out = cli(['preflight', path.join(repo, 'dist/agency')], { VSERVER_MIN_K8S_MINOR: '20' });
    expect(out.stdout.trim().split('\n').slice(1)).toEqual(
      ['preflight: the server serves cert-manager.io/v1', 'preflight: the server serves metallb.io/v1beta1', 'preflight: the server serves monitoring.coreos.com/v1',
        'preflight: namespace metallb-system exists',
        // the agency's shared entry: where DNS points, and each customer's SSH port
        'preflight: the shared entry 10.20.30.10 serves 4 hostnames; point each at 10.20.30.10 in DNS: acme.example, bakery.example, shop.example, www.acme.example',
        'preflight: SSH through 10.20.30.10: acme/acme on port 2201, bakery/bakery on port 2202, shop/shop on port 2203']);
    // ... and then names the Secrets the operator makes, per customer's namespace: not the ones cert-manager makes
    expect(out.status).toBe(1);
    const missing = out.stderr.split('\n').filter((l) => /^ {2}\S/.test(l)).map((l) => l.trim().split(' ').slice(0, 2).join(' ').replace(/,$/, '')).sort();
    // (the bakery's database password, its copy for the database's Job, the database's admin password, and each
    // server's backup password too)
    expect(missing).toEqual(['acme/acme-restic', 'acme/acme-ssh-authorized-keys', 'acme/acme-ssh-host-keys', 'agency-database/bakery-database',
      'agency-database/mariadb-admin', 'bakery/bakery-database', 'bakery/bakery-restic', 'bakery/bakery-ssh-authorized-keys', 'bakery/bakery-ssh-host-keys',
      'shop/shop-restic', 'shop/shop-ssh-authorized-keys', 'shop/shop-ssh-host-keys', 'shop/shop-tls-bought'].map((s) => `Secret ${s}`));
    expect(out.stderr).toContain('kubectl create secret tls shop-tls-bought -n shop --cert=<certificate chain file> --key=<key file>');
  });

  test('with a folder, names each missing ConfigMap and Secret with what it is and its command (a private ACME CA\'s, a pod of the user\'s own); '
    + 'the ConfigMap made by its command is no longer missing', () => {
    const out = path.join(tmp, 'needs');
    synthApp(out, (app: App) => {
      const chart = new Chart(app, 'web', { namespace: 'default', labels: ownershipLabels('needs-test'), disableResourceNameHashes: true });
      const docroot = new NfsFolder(chart, 'Docroot', { host: 'nas.test', path: '/export/needs', claimName: 'needs-docroot', volumeName: 'needs-docroot' });
      const acmeStore = new NfsFolder(chart, 'Acme', { host: 'nas.test', path: '/export/.acme/needs', claimName: 'needs-acme', volumeName: 'needs-acme' });
      new WebSshServer(chart, 'needs', {
        docroot,
        acmeStore,
        hostnames: ['needs.example.test'],
        certificate: ServerCertificate.acme({ contactEmail: 'ops@example.test', directory: 'https://acme.example.test/dir', directoryCaConfigMap: 'needs-acme-ca' }),
        httpdImage: ImageReference.of('master.test:5000/myrepo/httpd:v1'),
        sshdImage: ImageReference.of('master.test:5000/myrepo/sshd:v1'),
      });
      // a workload of the user's own, reading a Secret and a ConfigMap no construct describes
      new k8s.KubeDeployment(chart, 'Own', {
        metadata: { name: 'needs-own' },
        spec: {
          selector: { matchLabels: { app: 'needs-own' } },
          template: {
            metadata: { labels: { app: 'needs-own' } },
            spec: {
              containers: [{
                name: 'c',
                image: 'master.test:5000/myrepo/sshd:v1',
                envFrom: [{ secretRef: { name: 'needs-own-env' } }],
                env: [{ name: 'MODE', valueFrom: { configMapKeyRef: { name: 'needs-own-settings', key: 'mode' } } }],
              }],
            },
          },
        },
      });
    });
    const dir = applyableDir(out, path.join(tmp, 'needs-applyable'));
    const first = cli(['preflight', dir], { VSERVER_MIN_K8S_MINOR: '20' });
    expect(first.status).toBe(1);
    const listed = first.stderr.split('\n').filter((l) => /^ {2}\S/.test(l)).map((l) => l.trim());
    expect(first.stderr.split('\n')[0]).toBe(`preflight: ${dir} needs 3 Secrets and 2 ConfigMaps that the cluster does not have, and its pods would wait in `
      + 'ContainerCreating until they exist. Create each with the command below it, then run this again:');
    expect(listed.sort()).toEqual([
      'ConfigMap default/needs-acme-ca, the CA certificate of the ACME directory\'s HTTPS listener (for Deployment/needs):',
      'ConfigMap default/needs-own-settings, a ConfigMap the pods read (for Deployment/needs-own):',
      'Secret default/needs-own-env, a Secret the pods read (for Deployment/needs-own):',
      'Secret default/needs-ssh-authorized-keys, the public keys that may log in to server needs over SSH (for Deployment/needs):',
      'Secret default/needs-ssh-host-keys, the SSH host keys of server needs (for Deployment/needs):',
    ]);
    const caCommand = first.stderr.split('\n').map((l) => l.trim()).find((l) => l.startsWith('kubectl create configmap needs-acme-ca'))!;
    expect(caCommand).toBe('kubectl create configmap needs-acme-ca -n default --from-file=ca.crt=<the ACME directory\'s CA certificate file>');
    // the operator runs it with the CA's certificate file: the ConfigMap is there, with the key the pods mount
    const caFile = path.join(tmp, 'acme-ca.crt');
    fs.writeFileSync(caFile, '-----BEGIN CERTIFICATE-----\nstand-in\n-----END CERTIFICATE-----\n');
    const made = spawnSync('bash', ['-euo', 'pipefail', '-c', caCommand.replace('<the ACME directory\'s CA certificate file>', caFile)], { encoding: 'utf-8' });
    expect([made.status, made.stderr]).toEqual([0, '']);
    expect(Object.keys(getJson(['configmap', 'needs-acme-ca', '-n', 'default']).data)).toEqual(['ca.crt']);
    const second = cli(['preflight', dir], { VSERVER_MIN_K8S_MINOR: '20' });
    expect(second.stderr.split('\n')[0]).toContain('needs 3 Secrets and a ConfigMap that the cluster does not have');
    expect(second.stderr).not.toContain('needs-acme-ca');
    kubectl(['delete', 'configmap', 'needs-acme-ca', '-n', 'default']);
  });

  test('with a folder, refuses custom resources the server does not serve, saying what to install', () => {
    const dir = path.join(tmp, 'unserved');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, '0000-x.k8s.yaml'), 'apiVersion: pools.example.test/v1\nkind: Pool\nmetadata:\n  name: x\n');
    // the contract a synth of it would write: nothing to install is known for that group
    fs.mkdirSync(path.join(dir, 'operator'));
    fs.writeFileSync(path.join(dir, CONTRACT_FILE), JSON.stringify(OperatorContract.of(new App()).render([], undefined)));
    const out = cli(['preflight', dir], { VSERVER_MIN_K8S_MINOR: '20' });
    expect(out.status).toBe(1);
    expect(out.stderr.trim()).toBe(`preflight: ${dir} holds pools.example.test/v1 objects, which the server does not serve. `
      + 'Install the CustomResourceDefinitions of pools.example.test first');
  });
});

describe('operating a site', () => {
  test('deploy without the Secrets: the namespace first, then each missing Secret per namespace with the command that makes it, and nothing else applied', () => {
    const out = cli(['deploy', threeServers, APP]);
    expect(out.status).toBe(1);
    expect(out.stderr).toMatch(/^\+ kubectl apply -f - <<< Namespace\/ops$/m);
    expect(getJson(['namespace', 'ops']).metadata.name).toBe('ops');
    expect(names('deployments')).toEqual([]);
    const message = out.stderr.slice(out.stderr.indexOf('deploy: '));
    expect(message.split('\n')[0]).toBe(`deploy: ${threeServers} needs 9 Secrets that the cluster does not have, and its pods would wait in `
      + 'ContainerCreating until they exist. Create each with the command below it (the namespaces exist now), then run this again:');
    expect(message.split('\n').filter((l) => l.startsWith('  Secret ops/')).map((l) => l.trim()).sort()).toEqual(['blog', 'shop', 'wiki'].flatMap((s) => [
      `Secret ops/${s}-ssh-authorized-keys, the public keys that may log in to server ${s} over SSH (for Deployment/${s}):`,
      `Secret ops/${s}-ssh-host-keys, the SSH host keys of server ${s} (for Deployment/${s}):`,
      `Secret ops/${s}-restic, the password of ${s}'s backup repository (keep a copy outside the cluster: without it no backup can be read) `
        + `(for CronJob/${s}-backup):`,
    ]).sort());
    // preflight says the same
    const preflight = cli(['preflight', threeServers], { VSERVER_MIN_K8S_MINOR: '20' });
    expect(preflight.status).toBe(1);
    expect(preflight.stderr).toContain(`preflight: ${threeServers} needs 9 Secrets that the cluster does not have`);
    // the operator runs the printed commands as they are (its own key pair in a HOME of its own)
    const home = path.join(tmp, 'home');
    fs.mkdirSync(path.join(home, '.ssh'), { recursive: true });
    spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(home, '.ssh/id_ed25519')]);
    for (const command of message.split('\n').filter((l) => l.startsWith('    ')).map((l) => l.trim())) {
      const made = spawnSync('bash', ['-euo', 'pipefail', '-c', command], { encoding: 'utf-8', env: { ...process.env, HOME: home } });
      expect(`${command}: ${made.status} ${made.stderr}`).toBe(`${command}: 0 `);
    }
    expect(names('secrets').filter((n: string) => n.includes('-ssh-'))).toHaveLength(6);
    expect(names('secrets').filter((n: string) => n.endsWith('-restic'))).toEqual(['blog-restic', 'shop-restic', 'wiki-restic']);
    expect(Buffer.from(getJson(['secret', 'shop-ssh-authorized-keys', '-n', 'ops']).data.authorized_keys, 'base64').toString())
      .toBe(fs.readFileSync(path.join(home, '.ssh/id_ed25519.pub'), 'utf-8'));
  });

  test('deploy: three servers, each with its VIP entry; the command is printed', () => {
    const out = cli(['deploy', threeServers, APP]);
    expect(out.status).toBe(0);
    expect(out.stderr).toMatch(/^\+ kubectl apply -f \S+ --prune -l app\.kubernetes\.io\/part-of=ops-test --prune-allowlist=core\/v1\/ConfigMap /m);
    expect(names('deployments')).toEqual(['blog', 'shop', 'wiki']);
    expect(names('cronjobs')).toHaveLength(12);
    expect(vipEntries()).toEqual({ '10.9.0.10': 'ops/shop', '10.9.0.11': 'ops/blog', '10.9.0.12': 'ops/wiki' });
  });

  test('a backup\'s jobLabels (what the stale-backup alert advises) select the Jobs its CronJob makes (negative control: the server\'s instance label does not)', () => {
    // as the CronJob controller (and `kubectl create job --from`, which kubectl 1.32 cannot do against 1.20's
    // batch/v1beta1) makes a Job: the job template's labels and spec
    const template = getJson(['cronjob', 'shop-backup', '-n', 'ops']).spec.jobTemplate;
    kubectl(['create', '-f', '-'], JSON.stringify({
      apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'shop-backup-now', namespace: 'ops', labels: template.metadata.labels }, spec: template.spec,
    }));
    try {
      const selector = Object.entries(shopBackupJobLabels).map(([k, v]) => `${k}=${v}`).join(',');
      expect(names('jobs').filter((n: string) => n === 'shop-backup-now')).toEqual(['shop-backup-now']);
      expect(getJson(['jobs', '-n', 'ops', '-l', selector]).items.map((j: any) => j.metadata.name)).toEqual(['shop-backup-now']);
      expect(getJson(['jobs', '-n', 'ops', '-l', 'app.kubernetes.io/instance=shop']).items).toEqual([]);
    } finally {
      kubectl(['delete', 'job', 'shop-backup-now', '-n', 'ops', '--wait=false']);
    }
  });

  test("restore: its dry run is a Job of dist's restore template that the API server takes, the snapshot and path in its env, and nothing restores before it finished (no kubelet here: it waits, then says so)", () => {
    const out = cli(['restore', threeServers, 'shop', 'abcdef12', '--path', '/uploads', '--yes'], { VSERVER_WAIT_TIMEOUT: '2' });
    expect(out.status).toBe(1);
    expect(out.stderr).toMatch(/^restore: Job ops\/shop-restore-\d+-dry did not finish within 2 s \(VSERVER_WAIT_TIMEOUT\); it goes on: /m);
    const jobs = getJson(['jobs', '-n', 'ops']).items.filter((j: any) => j.metadata.name.startsWith('shop-restore-'));
    try {
      // the dry run only: with --yes too, the restore waits for the listing
      expect(jobs.map((j: any) => j.metadata.name)).toEqual([expect.stringMatching(/^shop-restore-\d+-dry$/)]);
      const container = jobs[0].spec.template.spec.containers[0];
      expect(container.args).toEqual(['restore']);
      expect(container.env).toEqual(expect.arrayContaining([
        { name: 'SNAPSHOT', value: 'abcdef12' }, { name: 'RESTORE_PATH', value: '/uploads' }, { name: 'DRY_RUN', value: '1' },
      ]));
      expect(jobs[0].metadata.labels).toMatchObject(shopBackupJobLabels);
      expect(jobs[0].spec.template.spec.volumes.map((v: any) => v.name)).toEqual(['docroot', 'backup', 'password', 'tmp']);
    } finally {
      for (const j of jobs) kubectl(['delete', 'job', j.metadata.name, '-n', 'ops', '--wait=false']);
    }
  });

  test('diff: nothing for the same site (exit 0), exactly the image change for a new version (exit 1)', () => {
    const same = cli(['diff', threeServers]);
    expect({ status: same.status, stdout: same.stdout }).toEqual({ status: 0, stdout: '' });
    const changed = cli(['diff', threeServersV2]);
    expect(changed.status).toBe(1);
    // changed lines, without the diff's file headers and with their indentation folded
    const lines = changed.stdout.split('\n').filter((l) => /^[-+]/.test(l) && !/^(---|\+\+\+) /.test(l)).map((l) => `${l[0]} ${l.slice(1).trim()}`);
    expect(lines.filter((l) => /image: /.test(l)).sort()).toEqual([
      ...['blog', 'shop', 'wiki'].flatMap(() => ['- image: master.test:5000/myrepo/httpd:v1', '- image: master.test:5000/myrepo/sshd:v1']),
      ...['blog', 'shop', 'wiki'].flatMap(() => ['+ image: master.test:5000/myrepo/httpd:v2', '+ image: master.test:5000/myrepo/sshd:v2']),
    ].sort());
    // the rest of the change is the version label, kubectl's record of the last apply and the generation the
    // server bumps: nothing else
    const rest = lines.filter((l) => !/image: |app\.kubernetes\.io\/version: v[12]$|generation: |^[-+] \{"apiVersion"/.test(l));
    expect(rest).toEqual([]);
  });

  test('prune: a server removed from the site loses its Deployment, Service, PDB, backup CronJobs and VIP entry; its data stays', () => {
    // negative control: an object without the app's label, in the same namespace, is never pruned
    kubectl(['create', 'configmap', 'made-by-hand', '-n', 'ops', '--from-literal=a=b']);
    const out = cli(['deploy', wikiRemoved, APP]);
    expect(out.status).toBe(0);
    expect(out.stdout).toMatch(/deployment\.apps\/wiki pruned/);
    expect(names('deployments')).toEqual(['blog', 'shop']);
    expect(names('services')).toEqual(['blog', 'shop']);
    expect(names('poddisruptionbudgets')).toEqual(['blog', 'shop']);
    expect(names('cronjobs')).toEqual(['blog', 'shop'].flatMap((s) => ['backup', 'drill', 'prune', 'restore'].map((task) => `${s}-${task}`)));
    expect(vipEntries()).toEqual({ '10.9.0.10': 'ops/shop', '10.9.0.11': 'ops/blog' });
    // the address is free again: no Service claims it
    const external = getJson(['services', '-A']).items.flatMap((s: any) => s.spec.externalIPs ?? []);
    expect(external).not.toContain('10.9.0.12');
    // Retain: the claim and the volume of the removed server stay, so the NAS data is never at stake
    expect(names('persistentvolumeclaims')).toEqual(['blog-backup', 'blog-docroot', 'shop-backup', 'shop-docroot', 'wiki-backup', 'wiki-docroot']);
    expect(getJson(['persistentvolume', 'ops-wiki']).spec.persistentVolumeReclaimPolicy).toBe('Retain');
    expect(names('configmaps')).toContain('made-by-hand');
  });

  test('roll back: applying the previous dist/ restores the previous version', () => {
    expect(cli(['deploy', wikiRemovedV2, APP]).status).toBe(0);
    expect(image('shop')).toEqual(['master.test:5000/myrepo/httpd:v2', 'master.test:5000/myrepo/sshd:v2']);
    expect(cli(['deploy', wikiRemoved, APP]).status).toBe(0);
    expect(image('shop')).toEqual(['master.test:5000/myrepo/httpd:v1', 'master.test:5000/myrepo/sshd:v1']);
    expect(names('deployments')).toEqual(['blog', 'shop']);
  });

  test("uninstall: every object of the app goes, nothing else; a namespace with someone else's object in it is kept", async () => {
    kubectl(['create', 'configmap', 'other-app', '-n', 'default', '--from-literal=a=b']);
    kubectl(['label', 'configmap', 'other-app', '-n', 'default', 'app.kubernetes.io/part-of=other']);
    const out = cli(['uninstall', APP]);
    expect(out.status).toBe(0);
    // the operator's own SSH and backup Secrets (not the app's: made by hand, unlabelled) keep it too
    expect(out.stderr).toMatch(/uninstall: namespace ops is kept: it holds objects that are not the app's \(configmap\/made-by-hand( secret\/\S+)+\); /);
    expect(out.stderr).toContain('secret/shop-restic secret/shop-ssh-authorized-keys secret/shop-ssh-host-keys');
    expect(out.stderr).toContain('delete them, then: kubectl delete namespace ops');
    let left = '';
    await waitFor('the app\'s objects to be gone', 60, () => {
      left = [
        kubectl(['get', 'all,cronjobs,configmaps,secrets,serviceaccounts,poddisruptionbudgets,roles,rolebindings,persistentvolumeclaims',
          '-A', '-l', `app.kubernetes.io/part-of=${APP}`, '-o', 'name']).trim(),
        kubectl(['get', 'clusterroles,clusterrolebindings,persistentvolumes', '-l', `app.kubernetes.io/part-of=${APP}`, '-o', 'name']).trim(),
      ].filter(Boolean).join(' ');
      return left === '' ? true : undefined;
    }, { context: () => `still there: ${left}` });
    expect(names('configmaps')).toContain('made-by-hand');
    expect(names('configmaps', 'default')).toContain('other-app');
    for (const ns of ['default', 'kube-system', 'kube-public']) {
      expect(getJson(['namespace', ns]).status.phase).toBe('Active');
    }
    // with the hand-made objects gone, the namespace the app created goes too
    kubectl(['delete', 'configmap', 'made-by-hand', '-n', 'ops']);
    kubectl(['delete', 'secret', '-n', 'ops', ...names('secrets').filter((n: string) => n.includes('-ssh-') || n.endsWith('-restic'))]);
    const again = cli(['uninstall', APP]);
    expect(again.stderr).toContain('+ kubectl delete namespace ops --wait=false');
    const ops = kubectlRaw(['get', 'namespace', 'ops', '-o', 'json']);
    expect(ops.status !== 0 || JSON.parse(ops.stdout).metadata.deletionTimestamp !== undefined).toBe(true);
  });
});

describe('moving a site from kube-keepalived-vip to MetalLB, as the README says', () => {
  const MIGRATE = 'migrate-test';
  const declaration = (vipBackend: VipBackend): HostingSiteProps => ({
    name: MIGRATE,
    facts: {
      lanSubnet: Ipv4Subnet.of('10.8.0.0/24'),
      registry: 'master.test:5000/myrepo',
      namespace: 'migrate',
      vipBackend,
      nas: { host: 'nas.test', exportRoot: '/export/migrate' },
    },
    servers: [{ name: 'shop', address: Ipv4Address.of('10.8.0.10'), version: 'v1', sshServicePort: 2222, docroot: { volumeName: 'migrate-shop' } }],
  });
  const synthesized = (label: string, vipBackend: VipBackend) => {
    const out = path.join(tmp, label);
    synthApp(out, (app: App) => new HostingSite(app, 'Site', declaration(vipBackend)));
    return applyableDir(out, path.join(tmp, `${label}-applyable`));
  };
  const onKeepalived = synthesized('migrate-keepalived', VipBackend.keepalivedVip({ name: 'migrate-vip', configMapName: 'migrate-vip', vrid: 8 }));
  const onMetalLb = synthesized('migrate-metallb', VipBackend.metalLb({ name: 'migrate-vips' }));
  const owned = (kinds: string) => kubectl(['get', kinds, '-A', '-l', `app.kubernetes.io/part-of=${MIGRATE}`, '-o', 'name']).trim().split('\n').filter(Boolean).sort();

  test('preflight of the MetalLB site refuses while MetalLB\'s namespace is missing (MetalLB not installed yet)', () => {
    installCustomResourceDefinitions(emittedCrdFiles());
    kubectl(['delete', 'namespace', 'metallb-system', '--ignore-not-found', '--wait=true']);
    const out = cli(['preflight', onMetalLb], { VSERVER_MIN_K8S_MINOR: '20' });
    expect({ status: out.status, stderr: out.stderr.trim() }).toEqual({
      status: 1,
      stderr: `preflight: ${onMetalLb} puts objects in namespace `
      + 'metallb-system, which neither exists nor is created by ' + `${onMetalLb}: Install MetalLB first (docs/vip.md, "Moving off archived components"): `
      + 'kubectl apply -f https://raw.githubusercontent.com/metallb/metallb/v0.16.1/config/manifests/metallb-native.yaml',
    });
    // what MetalLB's own install brings: its CRDs (above) and its namespace; and the server's Secrets, in its
    // namespace (here made by hand, with stand-in keys: no pod runs in this tier)
    kubectl(['create', 'namespace', 'metallb-system']);
    kubectl(['create', 'namespace', 'migrate']);
    for (const secret of ['shop-ssh-host-keys', 'shop-ssh-authorized-keys']) kubectl(['create', 'secret', 'generic', secret, '-n', 'migrate', '--from-literal=k=v']);
    const again = cli(['preflight', onMetalLb], { VSERVER_MIN_K8S_MINOR: '20' });
    expect(again.status).toBe(0);
    expect(again.stdout).toContain('preflight: namespace metallb-system exists');
  });

  test('on kube-keepalived-vip: its DaemonSet, ConfigMap and RBAC, and the Service\'s externalIPs', () => {
    expect(cli(['deploy', onKeepalived, MIGRATE]).status).toBe(0);
    expect(owned('daemonsets,configmaps,clusterroles,clusterrolebindings')).toEqual([
      'clusterrole.rbac.authorization.k8s.io/migrate-vip', 'clusterrolebinding.rbac.authorization.k8s.io/migrate-vip',
      'configmap/migrate-vip', 'daemonset.apps/migrate-vip',
    ]);
    expect(getJson(['service', 'shop', '-n', 'migrate']).spec.externalIPs).toEqual(['10.8.0.10']);
  });

  test('one line changed and deployed: keepalived\'s objects are pruned, MetalLB\'s pool and advertisement applied, the Service asks MetalLB', () => {
    const out = cli(['deploy', onMetalLb, MIGRATE]);
    expect({ status: out.status, stderr: out.status === 0 ? '' : out.stderr }).toEqual({ status: 0, stderr: '' });
    expect(out.stderr).toContain('--prune-allowlist=metallb.io/v1beta1/IPAddressPool --prune-allowlist=metallb.io/v1beta1/L2Advertisement');
    // kubectl prunes only in the namespaces the new files use: the CLI deletes the app's objects left in kube-system
    expect(out.stderr).toMatch(/^\+ kubectl delete configmaps,\S+ -n kube-system -l app\.kubernetes\.io\/part-of=migrate-test --wait=false$/m);
    expect(owned('daemonsets,configmaps,clusterroles,clusterrolebindings')).toEqual([]);
    expect(owned('ipaddresspools.metallb.io,l2advertisements.metallb.io')).toEqual([
      'ipaddresspool.metallb.io/migrate-vips', 'l2advertisement.metallb.io/migrate-vips',
    ]);
    const svc = getJson(['service', 'shop', '-n', 'migrate']);
    expect(svc.spec.type).toBe('LoadBalancer');
    expect(svc.spec.externalIPs).toBeUndefined();
    expect(svc.metadata.annotations['metallb.io/loadBalancerIPs']).toBe('10.8.0.10');
    // the data stays
    expect(names('persistentvolumeclaims', 'migrate')).toEqual(['shop-docroot']);
  });

  test('uninstall removes MetalLB\'s pool and advertisement with the rest', async () => {
    expect(cli(['uninstall', MIGRATE]).status).toBe(0);
    await waitFor('the pool and advertisement to be gone', 30, () => (owned('ipaddresspools.metallb.io,l2advertisements.metallb.io').length === 0 ? true : undefined));
  });
});
