import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Ipv4Address, Ipv4Subnet, ImageReference, k8s, ownershipLabels, synthApp } from '@cdk8s-vserver/core';
import { NfsDocroot } from '@cdk8s-vserver/storage';
import { KeepalivedVip, ServiceVip } from '@cdk8s-vserver/vip';
import { WebSshServer } from '@cdk8s-vserver/web-ssh-server';
import { App, Chart } from 'cdk8s';
import { crdFiles } from '../backend-sites';
import { waitFor } from '../support';
import { applyableDir, installCustomResourceDefinitions } from './dist';
import { getJson, kubectl, kubectlRaw, requireControlPlane } from './kubectl';

// Life after apply, on the real control plane, through the commands the README shows (scripts/site.sh): a
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
      const docroot = new NfsDocroot(web, `${name}-docroot`, { server: 'nas.test', path: `/export/${name}`, claimName: `${name}-docroot`, volumeName: `ops-${name}` });
      const server = new WebSshServer(web, name, {
        name,
        docroot,
        sshServicePort: 2222,
        version,
        httpdImage: ImageReference.of('master.test:5000/myrepo/httpd:v1'),
        sshdImage: ImageReference.of('master.test:5000/myrepo/sshd:v1'),
      });
      new ServiceVip(web, `${name}-vip`, { vip, service: server.service, address: Ipv4Address.of(`10.9.0.${10 + i}`) });
    });
  });
  return applyableDir(out, path.join(tmp, `${label}-applyable`));
}

function siteSh(args: string[], env: Record<string, string> = {}) {
  const out = spawnSync('bash', [path.join(repo, 'scripts/site.sh'), ...args], { encoding: 'utf-8', env: { ...process.env, ...env }, timeout: 120_000 });
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
  test('refuses the 1.20 test server in one line, naming the version needed and why', () => {
    const out = siteSh(['preflight']);
    expect({ status: out.status, stderr: out.stderr.trim() }).toEqual({
      status: 1,
      stderr: 'preflight: the server is Kubernetes 1.20; the site needs 1.21 or newer (its PodDisruptionBudgets are policy/v1). Upgrade the cluster before applying.',
    });
  });

  test('negative control: with the minimum at 1.20 the same server passes', () => {
    const out = siteSh(['preflight'], { VSERVER_MIN_K8S_MINOR: '20' });
    expect({ status: out.status, stdout: out.stdout.trim() }).toEqual({ status: 0, stdout: 'preflight: Kubernetes 1.20 is supported (1.20-1.30)' });
  });

  test('with a folder, passes when the server serves its custom resources (dist/agency, MetalLB\'s CRDs installed)', () => {
    installCustomResourceDefinitions(crdFiles());
    const out = siteSh(['preflight', path.join(repo, 'dist/agency')], { VSERVER_MIN_K8S_MINOR: '20' });
    expect({ status: out.status, stdout: out.stdout.trim().split('\n').pop() }).toEqual({ status: 0, stdout: 'preflight: the server serves metallb.io/v1beta1' });
  });

  test('with a folder, refuses custom resources the server does not serve, saying what to install', () => {
    const dir = path.join(tmp, 'unserved');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, '0000-x.k8s.yaml'), 'apiVersion: pools.example.test/v1\nkind: Pool\nmetadata:\n  name: x\n');
    const out = siteSh(['preflight', dir], { VSERVER_MIN_K8S_MINOR: '20' });
    expect(out.status).toBe(1);
    expect(out.stderr.trim()).toBe(`preflight: ${dir} holds pools.example.test/v1 objects, which the server does not serve. Install MetalLB first `
      + '(README, "Moving off archived components"): kubectl apply -f https://raw.githubusercontent.com/metallb/metallb/v0.16.1/config/manifests/metallb-native.yaml');
  });
});

describe('operating a site', () => {
  test('deploy: three servers, each with its VIP entry; the command is printed', () => {
    const out = siteSh(['deploy', threeServers, APP]);
    expect(out.status).toBe(0);
    expect(out.stderr).toMatch(/^\+ kubectl apply -f \S+ --prune -l app\.kubernetes\.io\/part-of=ops-test --prune-allowlist=core\/v1\/ConfigMap /);
    expect(names('deployments')).toEqual(['blog', 'shop', 'wiki']);
    expect(vipEntries()).toEqual({ '10.9.0.10': 'ops/shop', '10.9.0.11': 'ops/blog', '10.9.0.12': 'ops/wiki' });
  });

  test('diff: nothing for the same site (exit 0), exactly the image change for a new version (exit 1)', () => {
    const same = siteSh(['diff', threeServers]);
    expect({ status: same.status, stdout: same.stdout }).toEqual({ status: 0, stdout: '' });
    const changed = siteSh(['diff', threeServersV2]);
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

  test('prune: a server removed from the site loses its Deployment, Service, PDB and VIP entry; its data stays', () => {
    // negative control: an object without the app's label, in the same namespace, is never pruned
    kubectl(['create', 'configmap', 'made-by-hand', '-n', 'ops', '--from-literal=a=b']);
    const out = siteSh(['deploy', wikiRemoved, APP]);
    expect(out.status).toBe(0);
    expect(out.stdout).toMatch(/deployment\.apps\/wiki pruned/);
    expect(names('deployments')).toEqual(['blog', 'shop']);
    expect(names('services')).toEqual(['blog', 'shop']);
    expect(names('poddisruptionbudgets')).toEqual(['blog', 'shop']);
    expect(vipEntries()).toEqual({ '10.9.0.10': 'ops/shop', '10.9.0.11': 'ops/blog' });
    // the address is free again: no Service claims it
    const external = getJson(['services', '-A']).items.flatMap((s: any) => s.spec.externalIPs ?? []);
    expect(external).not.toContain('10.9.0.12');
    // Retain: the claim and the volume of the removed server stay, so the NAS data is never at stake
    expect(names('persistentvolumeclaims')).toEqual(['blog-docroot', 'shop-docroot', 'wiki-docroot']);
    expect(getJson(['persistentvolume', 'ops-wiki']).spec.persistentVolumeReclaimPolicy).toBe('Retain');
    expect(names('configmaps')).toContain('made-by-hand');
  });

  test('roll back: applying the previous dist/ restores the previous version', () => {
    expect(siteSh(['deploy', wikiRemovedV2, APP]).status).toBe(0);
    expect(image('shop')).toEqual(['master.test:5000/myrepo/httpd:v2', 'master.test:5000/myrepo/sshd:v2']);
    expect(siteSh(['deploy', wikiRemoved, APP]).status).toBe(0);
    expect(image('shop')).toEqual(['master.test:5000/myrepo/httpd:v1', 'master.test:5000/myrepo/sshd:v1']);
    expect(names('deployments')).toEqual(['blog', 'shop']);
  });

  test("uninstall: every object of the app goes, nothing else; a namespace with someone else's object in it is kept", async () => {
    kubectl(['create', 'configmap', 'other-app', '-n', 'default', '--from-literal=a=b']);
    kubectl(['label', 'configmap', 'other-app', '-n', 'default', 'app.kubernetes.io/part-of=other']);
    const out = siteSh(['uninstall', APP]);
    expect(out.status).toBe(0);
    expect(out.stderr).toContain('uninstall: namespace ops is kept: it holds objects that are not the app\'s (configmap/made-by-hand); '
      + 'delete them, then: kubectl delete namespace ops');
    let left = '';
    await waitFor('the app\'s objects to be gone', 60, () => {
      left = [
        kubectl(['get', 'all,configmaps,secrets,serviceaccounts,poddisruptionbudgets,roles,rolebindings,persistentvolumeclaims',
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
    // with the hand-made object gone, the namespace the app created goes too
    kubectl(['delete', 'configmap', 'made-by-hand', '-n', 'ops']);
    const again = siteSh(['uninstall', APP]);
    expect(again.stderr).toContain('+ kubectl delete namespace ops --wait=false');
    const ops = kubectlRaw(['get', 'namespace', 'ops', '-o', 'json']);
    expect(ops.status !== 0 || JSON.parse(ops.stdout).metadata.deletionTimestamp !== undefined).toBe(true);
  });
});
