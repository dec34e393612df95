import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AppChecks, ImageReference, Ipv4Address, Ipv4Subnet, k8s, Warnings, NodeRole } from '@cdk8s-vserver/core';
import { KubernetesDashboard } from '@cdk8s-vserver/dashboard';
import { synthApp } from '@cdk8s-vserver/hosting';
import { NfsFolder } from '@cdk8s-vserver/storage';
import { KeepalivedVip } from '@cdk8s-vserver/vip';
import { NodeSpread, WebSshServer } from '@cdk8s-vserver/web-ssh-server';
import { App, Chart, Testing } from 'cdk8s';
import { synthError } from '../../support';

// The checks over the whole app: each class of mistake that no single construct can see fails the synth with the
// construct path, what is wrong and the fix; each has a negative control that synthesizes.
const HTTPD = ImageReference.of('master.test:5000/myrepo/httpd:v1');
const SSHD = ImageReference.of('master.test:5000/myrepo/sshd:v1');
const LAN = Ipv4Subnet.of('192.168.1.0/24');

/** Synthesizes every chart of `app` (what `app.synth()` validates), returning the error message, if any. */
/** An app with the checks on: any cdk8s-vserver construct turns them on; `AppChecks.of(app)` does for an app of plain objects. */
function site() {
  const app = Testing.app();
  AppChecks.of(app);
  const system = new Chart(app, 'system', { namespace: 'kube-system', disableResourceNameHashes: true });
  const web = new Chart(app, 'web', { namespace: 'default', disableResourceNameHashes: true });
  return { app, system, web };
}

function server(scope: Chart, id: string, props: Partial<ConstructorParameters<typeof WebSshServer>[2]> = {}) {
  const docroot = props.docroot ?? new NfsFolder(scope, `${id}Docroot`, { host: 'nas.test', path: `/export/${id}`, claimName: `${id.toLowerCase()}-docroot` });
  return new WebSshServer(scope, id, { httpdImage: HTTPD, sshdImage: SSHD, docroot, ...props });
}

describe('collisions across constructs', () => {
  test('negative control: two servers with their own names synthesize', () => {
    const { app, web } = site();
    server(web, 'Shop');
    server(web, 'Blog');
    expect(synthError(app)).toBeUndefined();
  });

  test('two servers with one name in one namespace', () => {
    const { app, web } = site();
    server(web, 'Shop', { name: 'web' });
    server(web, 'Blog', { name: 'web' });
    expect(synthError(app)).toContain('[web/Blog/Deployment] its Deployment/default/web has the name of Deployment/default/web from [web/Shop/Deployment]: '
      + 'two objects of one kind and namespace need different names (the second would silently replace the first on apply); rename one of them');
  });

  test('one name in two namespaces is two objects', () => {
    const { app, web } = site();
    const other = new Chart(app, 'other', { namespace: 'shop', disableResourceNameHashes: true });
    new k8s.KubeNamespace(other, 'Ns', { metadata: { name: 'shop' } });
    server(web, 'Shop', { name: 'web' });
    // (a PV is cluster-wide: the second docroot's volume needs its own name)
    server(other, 'Shop', { name: 'web', docroot: new NfsFolder(other, 'Docroot', { host: 'nas.test', path: '/export/shop', volumeName: 'shop-pv' }) });
    expect(synthError(app)).toBeUndefined();
  });

  test('two docroots with one PersistentVolume name, in two namespaces (a PV is cluster-wide)', () => {
    const { app, web } = site();
    const other = new Chart(app, 'other', { namespace: 'kube-public', disableResourceNameHashes: true });
    new NfsFolder(web, 'A', { host: 'nas.test', path: '/export/a', volumeName: 'vol1' });
    new NfsFolder(other, 'B', { host: 'nas.test', path: '/export/b', volumeName: 'vol1' });
    expect(synthError(app)).toContain('[other/B/PersistentVolume] its PersistentVolume/vol1 has the name of PersistentVolume/vol1 from '
      + '[web/A/PersistentVolume]: two objects of one kind need different names');
  });

  test('the cluster-wide RBAC of two VIP controllers with one name', () => {
    const { app, system } = site();
    const other = new Chart(app, 'other', { namespace: 'kube-public', disableResourceNameHashes: true });
    new KeepalivedVip(system, 'A', { lanSubnet: LAN });
    new KeepalivedVip(other, 'B', { lanSubnet: LAN, vrid: 51 });
    expect(synthError(app)).toContain('[other/B/ClusterRole] its ClusterRole/kube-keepalived-vip has the name of ClusterRole/kube-keepalived-vip from [system/A/ClusterRole]');
  });

  test('one VIP published by two controllers', () => {
    const { app, system, web } = site();
    const a = new KeepalivedVip(system, 'A', { lanSubnet: LAN });
    const b = new KeepalivedVip(system, 'B', { lanSubnet: LAN, name: 'vip-b', configMapName: 'vip-b', vrid: 51 });
    a.expose(server(web, 'Shop').service, Ipv4Address.of('192.168.1.31'));
    b.expose(server(web, 'Blog').service, Ipv4Address.of('192.168.1.31'));
    expect(synthError(app)).toContain("[system/B] 'expose address' 192.168.1.31 (for default/blog) is also a VIP of [system/A] (kube-keepalived-vip): "
      + 'two controllers would fight over one address. Publish each VIP through one controller');
  });

  test('two controllers with one vrid on one node role (negative control: another role)', () => {
    const { app, system } = site();
    new KeepalivedVip(system, 'A', { lanSubnet: LAN });
    new KeepalivedVip(system, 'B', { lanSubnet: LAN, name: 'vip-b', configMapName: 'vip-b' });
    expect(synthError(app)).toContain("[system/B] 'vrid' 50 is also the vrid of [system/A] on the same nodes (role=router): two keepalived "
      + "instances with one virtual router id on one LAN take each other's VIPs. Give each a distinct vrid (1-255)");
    const other = site();
    new KeepalivedVip(other.system, 'A', { lanSubnet: LAN });
    new KeepalivedVip(other.system, 'B', { lanSubnet: LAN, name: 'vip-b', configMapName: 'vip-b', nodeRole: NodeRole.WORKER });
    expect(synthError(other.app)).toBeUndefined();
  });

  test('a VIP that is the NAS, the API server, or a declared node address', () => {
    const { app, system, web } = site();
    const vip = new KeepalivedVip(system, 'Vip', { lanSubnet: LAN });
    const docroot = new NfsFolder(web, 'Docroot', { host: '192.168.1.5', path: '/export/web' });
    const shop = server(web, 'Shop', { docroot });
    vip.expose(shop.service, Ipv4Address.of('192.168.1.5'));
    const dashboard = new KubernetesDashboard(new Chart(app, 'dashboard'), 'Dashboard', { apiServerHost: 'https://192.168.1.10:6443' });
    vip.expose(dashboard.service, Ipv4Address.of('192.168.1.10'));
    AppChecks.of(app).declareAddress('192.168.1.21', 'node1');
    vip.expose(server(web, 'Blog').service, Ipv4Address.of('192.168.1.21'));
    const error = synthError(app)!;
    expect(error).toContain("[system/Vip] 'expose address' 192.168.1.5 (for default/shop) is the NFS server of [web/Docroot]: the VIP would "
      + 'take that address over on the LAN. Use a free address of the LAN');
    expect(error).toContain("'expose address' 192.168.1.10 (for kubernetes-dashboard/kubernetes-dashboard) is the API server of [dashboard/Dashboard] (apiServerHost)");
    expect(error).toContain("'expose address' 192.168.1.21 (for default/blog) is node1");
  });
});

describe('names Kubernetes owns', () => {
  test('Service default/kubernetes', () => {
    const { app, web } = site();
    new k8s.KubeService(web, 'Api', { metadata: { name: 'kubernetes' }, spec: { ports: [{ port: 443 }] } });
    expect(synthError(app)).toContain('[web/Api] is Service default/kubernetes, which the API server owns (it points at the API server itself); name it otherwise');
  });

  test.each(['kube-system', 'kube-public', 'default', 'kube-node-lease'])('a Namespace object %s', (name) => {
    const { app, web } = site();
    new k8s.KubeNamespace(web, 'Ns', { metadata: { name } });
    expect(synthError(app)).toContain(`[web/Ns] creates namespace "${name}", which Kubernetes owns: deleting this app's file would try to delete it. `
      + 'Put objects in it without creating it, or use a namespace of your own');
  });

  test('the Dashboard in a namespace Kubernetes owns', () => {
    const { app } = site();
    expect(() => new KubernetesDashboard(new Chart(app, 'dashboard'), 'Dashboard', { namespace: 'kube-system' })).toThrow(
      "[dashboard/Dashboard] 'namespace' must be a namespace of the Dashboard's own: the construct creates it, and \"default\", \"kube-system\", "
      + '"kube-public", "kube-node-lease" belong to Kubernetes (deleting the Dashboard\'s file would try to delete it), got "kube-system"');
  });
});

describe('what the API server rejects', () => {
  test('a namespace that is not a DNS label', () => {
    const app = Testing.app();
    new NfsFolder(new Chart(app, 'web', { namespace: 'My_Sites' }), 'Docroot', { host: 'nas.test', path: '/export/web' });
    expect(synthError(app)).toContain('[web/Docroot/PersistentVolumeClaim] has namespace "My_Sites", which is not a DNS-1123 label (lowercase letters, '
      + "digits, '-', at most 63): the API server rejects it; fix the chart's namespace");
  });

  test("a chart's labels, which go onto this library's objects too (negative control: valid labels)", () => {
    const app = Testing.app();
    server(new Chart(app, 'web', { namespace: 'default', labels: { team: 'web', release: '2024.1+hotfix' } }), 'Shop');
    expect(synthError(app)).toContain('[web] \'labels\' has label release="2024.1+hotfix", which the API server rejects: a label value has at most 63 '
      + "characters, letters, digits, '-', '_' and '.', and starts and ends with a letter or digit; fix the chart's labels");
    const fine = Testing.app();
    server(new Chart(fine, 'web', { namespace: 'default', labels: { 'example.com/team': 'web' } }), 'Shop');
    expect(synthError(fine)).toBeUndefined();
  });

  test('a label key outside the key syntax', () => {
    const { app, web } = site();
    new k8s.KubeConfigMap(web, 'Key', { metadata: { name: 'key', labels: { 'my team': 'web' } } });
    expect(synthError(app)).toContain('[web/Key] has label key "my team", which the API server rejects: a key is an optional DNS-subdomain prefix '
      + "and '/', then 1-63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit");
  });

  test('a label value of 64 characters, or with a character outside the label syntax', () => {
    const { app, web } = site();
    new k8s.KubeConfigMap(web, 'Long', { metadata: { name: 'long', labels: { release: 'r'.repeat(64) } } });
    new k8s.KubeConfigMap(web, 'Plus', { metadata: { name: 'plus', labels: { version: '1.0+build' } } });
    const error = synthError(app)!;
    expect(error).toContain(`[web/Long] has label release="${'r'.repeat(64)}", which the API server rejects: a label value has at most 63 `
      + "characters, letters, digits, '-', '_' and '.', and starts and ends with a letter or digit");
    expect(error).toContain('[web/Plus] has label version="1.0+build", which the API server rejects');
  });
});

describe('dangling references', () => {
  test("a docroot in another namespace than the server's pods", () => {
    const { app, web } = site();
    const other = new Chart(app, 'storage', { namespace: 'kube-public', disableResourceNameHashes: true });
    const docroot = new NfsFolder(other, 'Docroot', { host: 'nas.test', path: '/export/web', claimName: 'docroot' });
    expect(() => server(web, 'Shop', { docroot })).toThrow(
      "[web/Shop] 'docroot' must be a claim in the server's own namespace \"default\": a pod cannot mount a claim of another namespace. "
      + 'Put the docroot in a chart with namespace "default", got "kube-public/docroot"');
  });

  test('a namespace nothing creates (negative controls: created in the app, or opted in by name)', () => {
    const make = () => {
      const app = Testing.app();
      const chart = new Chart(app, 'shop', { namespace: 'shop', disableResourceNameHashes: true });
      new NfsFolder(chart, 'Docroot', { host: 'nas.test', path: '/export/web' });
      return { app, chart };
    };
    const bare = make();
    expect(synthError(bare.app)).toContain('[shop/Docroot/PersistentVolumeClaim] is in namespace "shop", which nothing in the app creates and Kubernetes '
      + 'does not have: the apply would fail. Create it (a Namespace object, in a file applied first), or opt in if it exists already: '
      + "AppChecks.of(app).allowExternalNamespace('shop')");
    const created = make();
    new k8s.KubeNamespace(created.chart, 'Ns', { metadata: { name: 'shop' } });
    expect(synthError(created.app)).toBeUndefined();
    const optedIn = make();
    AppChecks.of(optedIn.app).allowExternalNamespace('shop');
    expect(synthError(optedIn.app)).toBeUndefined();
  });
});

describe('privilege needs an opt-in by name', () => {
  const pod = (extra: Record<string, unknown>) => ({
    selector: { matchLabels: { app: 'x' } },
    template: { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'agent', image: 'agent:1' }], ...extra } },
  });

  test.each([
    ['a binding to cluster-admin', (c: Chart) => new k8s.KubeClusterRoleBinding(c, 'Admin', {
      metadata: { name: 'ops' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ kind: 'User', name: 'ops' }],
    }), '[web/Admin] binds the cluster-admin role: that is root on the node or in the cluster. If it is meant, opt in by name: '
      + "AppChecks.of(app).allowPrivileged('ClusterRoleBinding/ops')", 'ClusterRoleBinding/ops'],
    ['a rule with * verbs', (c: Chart) => new k8s.KubeRole(c, 'All', { metadata: { name: 'all' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['*'] }] }),
      '[web/All] has a rule with "*" ({"apiGroups":[""],"resources":["pods"],"verbs":["*"]})', 'Role/default/all'],
    ['a hostNetwork pod', (c: Chart) => new k8s.KubeDaemonSet(c, 'Agent', { metadata: { name: 'agent' }, spec: pod({ hostNetwork: true }) }),
      "[web/Agent] runs pods with hostNetwork: that is root on the node or in the cluster. If it is meant, opt in by name: AppChecks.of(app).allowPrivileged('DaemonSet/default/agent')",
      'DaemonSet/default/agent'],
    ['a privileged container', (c: Chart) => new k8s.KubeDeployment(c, 'Agent', {
      metadata: { name: 'agent' },
      spec: { ...pod({}), template: { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'agent', image: 'agent:1', securityContext: { privileged: true } }] } } },
    }), '[web/Agent] runs container "agent" privileged', 'Deployment/default/agent'],
  ])('%s (negative control: allowPrivileged by name)', (_what, make, message, name) => {
    const { app, web } = site();
    make(web);
    expect(synthError(app)).toContain(message);
    const other = site();
    make(other.web);
    AppChecks.of(other.app).allowPrivileged(name);
    expect(synthError(other.app)).toBeUndefined();
  });

  test("the VIP controller's own privileged, hostNetwork DaemonSet needs none", () => {
    const { app, system } = site();
    new KeepalivedVip(system, 'Vip', { lanSubnet: LAN });
    expect(synthError(app)).toBeUndefined();
  });
});

describe('risky but legal', () => {
  const rwo = (web: Chart) => new NfsFolder(web, 'Docroot', { host: 'nas.test', path: '/export/web', accessMode: 'ReadWriteOnce' });

  test('a ReadWriteOnce docroot with 2 replicas that must spread: an error', () => {
    const { web } = site();
    expect(() => server(web, 'Shop', { docroot: rwo(web) })).toThrow(
      "[web/Shop] 'replicas' must be 1 with a ReadWriteOnce docroot: the volume mounts on one node only, and the pods must run on different "
      + 'nodes, so all but one would wait forever. Use a ReadWriteMany docroot, or replicas 1, got 2');
  });

  test('the same with spread PREFERRED, and a server on the router role: warnings', () => {
    const { app, web } = site();
    server(web, 'Shop', { docroot: rwo(web), spread: NodeSpread.PREFERRED, nodeRole: NodeRole.ROUTER });
    expect(synthError(app)).toBeUndefined();
    // (and the HTTP-only warning, tested with the server)
    expect(Warnings.collect(app).filter((w) => !w.includes('serves no HTTPS'))).toEqual([
      "[web/Shop] 'replicas' is 2 with a ReadWriteOnce docroot: the volume mounts on one node only, so every pod must land on that node "
      + '(spread PREFERRED allows it) and one dead node takes the whole server. Use a ReadWriteMany docroot.',
      "[web/Shop] 'nodeRole' is role=router: the server runs on the router node, beside kube-keepalived-vip and the VIPs, so a busy site "
      + "slows the whole LAN's routing and a failure of that node takes both; use NodeRole.WORKER.",
    ]);
  });
});

describe('warnings reach the user however the app is synthesized', () => {
  let tmp: string;
  beforeEach(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'checks-')); });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const build = (app: App) => server(new Chart(app, 'web', { namespace: 'default', disableResourceNameHashes: true }), 'Shop', { replicas: 1 });
  const REPLICAS_1 = "warning: [web/Shop] 'replicas' is 1: the PodDisruptionBudget (minAvailable 1) blocks 'kubectl drain' of its node";

  test('a plain app.synth() prints each warning once on stderr', () => {
    const write = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const app = new App({ outdir: path.join(tmp, 'dist') });
      build(app);
      app.synth();
      app.synth();
      const printed = write.mock.calls.map((c) => String(c[0])).filter((l) => l.startsWith('warning: '));
      // the drain warning and the HTTP-only one, each once
      expect(printed).toHaveLength(2);
      expect(printed.filter((l) => l.includes(REPLICAS_1))).toHaveLength(1);
    } finally {
      write.mockRestore();
    }
  });

  test('synthApp returns them instead of printing, and a failed check keeps the previous output', () => {
    const write = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const out = path.join(tmp, 'lab');
      const result = synthApp(out, (app) => build(app));
      expect(result.warnings.map((w) => `warning: ${w}`).join('\n')).toContain(REPLICAS_1);
      expect(write.mock.calls.filter((c) => String(c[0]).startsWith('warning: '))).toEqual([]);
      const before = fs.readdirSync(out);
      expect(() => synthApp(out, (app) => {
        build(app);
        new k8s.KubeService(new Chart(app, 'api', { namespace: 'default' }), 'Api', { metadata: { name: 'kubernetes' }, spec: { ports: [{ port: 443 }] } });
      })).toThrow(/\[api\/Api\] is Service default\/kubernetes/);
      expect(fs.readdirSync(out)).toEqual(before);
    } finally {
      write.mockRestore();
    }
  });
});
