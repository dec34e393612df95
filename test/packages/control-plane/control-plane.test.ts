import {
  API_SERVER_PORT, ApiVipHolder, CONTROL_PLANE_PORTS, ControlPlane, ControlPlaneProps, KUBE_VIP_CONTROL_PLANE_ENV,
} from '@cdk8s-vserver/control-plane';
import { FieldPath, ImageReference, Ipv4Address, Ipv4Subnet, NodeFile, NodeFiles, Warnings } from '@cdk8s-vserver/core';
import { Duration, Testing } from 'cdk8s';
import { Construct } from 'constructs';
import { parseAllDocuments } from 'yaml';

const ip = Ipv4Address.of;
const NODES = [1, 2, 3].map((n) => ({ name: `master${n}`, address: ip(`192.168.1.${9 + n}`) }));
const PROPS: ControlPlaneProps = {
  nodes: NODES,
  apiAddress: ip('192.168.1.30'),
  lanSubnet: Ipv4Subnet.of('192.168.1.0/24'),
  kubernetesVersion: 'v1.34.1',
  apiVipHolder: ApiVipHolder.keepalivedHaproxy({ interface: 'eth0' }),
  registry: 'master.test:5000/myrepo',
};

function build(change: Partial<ControlPlaneProps> = {}) {
  const app = Testing.app();
  const controlPlane = new ControlPlane(app, 'ControlPlane', { ...PROPS, ...change });
  const files = new Map(NodeFiles.of(app).list().map((f) => [f.path, f]));
  return { app, controlPlane, files, text: (p: string) => files.get(p)?.content ?? fail(`no file ${p} among ${[...files.keys()].join(', ')}`) };
}
function fail(message: string): never {
  throw new Error(message);
}
const yamlOf = (text: string) => parseAllDocuments(text).map((d) => d.toJS());

describe('kubeadm configuration', () => {
  const { text, controlPlane } = build();
  const [init, cluster] = yamlOf(text('control-plane/kubeadm-config.yaml'));

  test('the first node inits with its own address, with the API VIP holder already in its manifests folder', () => {
    expect(init).toEqual({
      apiVersion: 'kubeadm.k8s.io/v1beta4',
      kind: 'InitConfiguration',
      localAPIEndpoint: { advertiseAddress: '192.168.1.10', bindPort: 6443 },
      nodeRegistration: { name: 'master1', ignorePreflightErrors: ['DirAvailable--etc-kubernetes-manifests'] },
    });
  });

  test('the cluster is reached at the API VIP on haproxy\'s port, the VIP is in the certificate, the grace period is the site\'s 40 s', () => {
    expect(cluster).toEqual({
      apiVersion: 'kubeadm.k8s.io/v1beta4',
      kind: 'ClusterConfiguration',
      kubernetesVersion: 'v1.34.1',
      controlPlaneEndpoint: '192.168.1.30:8443',
      apiServer: { certSANs: ['192.168.1.30'] },
      controllerManager: { extraArgs: [{ name: 'node-monitor-grace-period', value: '40s' }] },
    });
    expect(controlPlane.endpoint).toBe('192.168.1.30:8443');
  });

  test('kube-vip: the endpoint is the API server\'s own port on the VIP; subnets, cluster name and grace period are written as given', () => {
    const kv = build({
      apiVipHolder: ApiVipHolder.kubeVip(),
      clusterName: 'lab',
      podSubnet: Ipv4Subnet.of('10.244.0.0/16'),
      serviceSubnet: Ipv4Subnet.of('10.96.0.0/12'),
      nodeMonitorGracePeriod: Duration.seconds(30),
    });
    const [, config] = yamlOf(kv.text('control-plane/kubeadm-config.yaml'));
    expect(config.controlPlaneEndpoint).toBe(`192.168.1.30:${API_SERVER_PORT}`);
    expect(config.clusterName).toBe('lab');
    expect(config.networking).toEqual({ serviceSubnet: '10.96.0.0/12', podSubnet: '10.244.0.0/16' });
    expect(config.controllerManager.extraArgs).toEqual([{ name: 'node-monitor-grace-period', value: '30s' }]);
  });
});

describe('keepalived + haproxy', () => {
  const { files, text } = build();

  test('each node gets its folder of files as paths from /, the check script executable, kubeadm\'s config once at the top', () => {
    const perNode = ['etc/haproxy/haproxy.cfg', 'etc/keepalived/check_apiserver.sh', 'etc/keepalived/keepalived.conf',
      'etc/kubernetes/manifests/haproxy.yaml', 'etc/kubernetes/manifests/keepalived.yaml'];
    expect([...files.keys()]).toEqual([
      ...['1-master1', '2-master2', '3-master3'].flatMap((folder) => perNode.map((f) => `control-plane/${folder}/${f}`)),
      'control-plane/kubeadm-config.yaml',
    ]);
    expect([...files.values()].filter((f: NodeFile) => f.executable).map((f) => f.path))
      .toEqual(['1-master1', '2-master2', '3-master3'].map((folder) => `control-plane/${folder}/etc/keepalived/check_apiserver.sh`));
  });

  test('keepalived: one VRRP group, every node BACKUP without preemption, priorities falling in declared order, unicast to the others only', () => {
    const conf = (n: number) => text(`control-plane/${n}-master${n}/etc/keepalived/keepalived.conf`);
    expect(conf(1)).toMatch(/priority 150\n/);
    expect(conf(2)).toMatch(/priority 149\n/);
    expect(conf(3)).toMatch(/priority 148\n/);
    for (const n of [1, 2, 3]) {
      expect(conf(n)).toMatch(/state BACKUP\n\s+nopreempt\n\s+interface eth0\n\s+virtual_router_id 51\n/);
      expect(conf(n)).toContain(`unicast_src_ip 192.168.1.${9 + n}\n`);
      const peers = /unicast_peer \{\n([^}]*)\}/.exec(conf(n))![1].trim().split(/\s+/);
      expect(peers).toEqual(NODES.filter((_, i) => i !== n - 1).map((node) => node.address.text));
      expect(conf(n)).toContain('192.168.1.30/32 dev eth0');
      expect(conf(n)).toMatch(/track_script \{\n\s+check_apiserver\n/);
      expect(conf(n)).not.toMatch(/auth_pass|authentication/);
    }
  });

  test('the check asks /readyz through this node\'s haproxy; haproxy balances over every API server with a TLS health check', () => {
    expect(text('control-plane/1-master1/etc/keepalived/check_apiserver.sh')).toContain('https://127.0.0.1:8443/readyz');
    const cfg = text('control-plane/2-master2/etc/haproxy/haproxy.cfg');
    expect(cfg).toContain('bind *:8443');
    expect(cfg).toContain('option httpchk GET /readyz');
    expect(cfg).toContain('default-server check check-ssl verify none inter 1s fall 2 rise 2');
    expect(cfg.match(/^ {2}server .*$/gm)).toEqual(NODES.map((n) => `  server ${n.name} ${n.address.text}:6443`));
  });

  test('static pods: keepalived with NET_ADMIN, NET_BROADCAST and NET_RAW only; haproxy as nobody with no capability; both read-only, from the registry', () => {
    const [keepalived] = yamlOf(text('control-plane/1-master1/etc/kubernetes/manifests/keepalived.yaml'));
    const [haproxy] = yamlOf(text('control-plane/1-master1/etc/kubernetes/manifests/haproxy.yaml'));
    expect(keepalived.metadata.namespace).toBe('kube-system');
    const k = keepalived.spec.containers[0];
    expect(k.image).toBe('master.test:5000/myrepo/keepalived:v1');
    expect(k.securityContext).toEqual({
      allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'], add: ['NET_ADMIN', 'NET_BROADCAST', 'NET_RAW'] },
    });
    expect(k.securityContext.privileged).toBeUndefined();
    expect(keepalived.spec.volumes.map((v: any) => v.hostPath?.path).filter(Boolean)).toEqual(['/etc/keepalived/keepalived.conf', '/etc/keepalived/check_apiserver.sh']);
    const h = haproxy.spec.containers[0];
    expect(h.image).toBe('master.test:5000/myrepo/haproxy:v1');
    expect(haproxy.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65534 });
    expect(h.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(h.livenessProbe.httpGet).toEqual({ host: '127.0.0.1', path: '/readyz', port: 8443, scheme: 'HTTPS' });
    for (const pod of [keepalived, haproxy]) expect(pod.spec.hostNetwork).toBe(true);
  });

  test('images and port as given; the node folders are the same but for keepalived.conf', () => {
    const custom = build({
      registry: undefined,
      apiVipHolder: ApiVipHolder.keepalivedHaproxy({
        interface: 'ens192',
        haproxyPort: 7443,
        virtualRouterId: 77,
        keepalivedImage: ImageReference.of('reg.test/keepalived:2.3.3'),
        haproxyImage: ImageReference.of('reg.test/haproxy:3.0.11'),
      }),
    });
    expect(custom.text('control-plane/1-master1/etc/kubernetes/manifests/keepalived.yaml')).toContain('image: reg.test/keepalived:2.3.3');
    expect(custom.text('control-plane/1-master1/etc/haproxy/haproxy.cfg')).toContain('bind *:7443');
    expect(custom.text('control-plane/1-master1/etc/keepalived/keepalived.conf')).toMatch(/interface ens192\n\s+virtual_router_id 77\n/);
    const differing = [...custom.files.keys()].filter((p) => p.startsWith('control-plane/1-'))
      .filter((p) => custom.text(p) !== custom.text(p.replace('1-master1', '2-master2')));
    expect(differing).toEqual(['control-plane/1-master1/etc/keepalived/keepalived.conf']);
  });
});

describe('kube-vip', () => {
  const { files, text } = build({ apiVipHolder: ApiVipHolder.kubeVip({ interface: 'eth0' }) });
  const pod = (p: string) => yamlOf(text(p))[0];

  test('the first node reads super-admin.conf during kubeadm init and admin.conf after it; the others read admin.conf (Kubernetes 1.29+)', () => {
    expect([...files.keys()]).toEqual([
      'control-plane/1-master1-after-init/etc/kubernetes/manifests/kube-vip.yaml',
      'control-plane/1-master1/etc/kubernetes/manifests/kube-vip.yaml',
      'control-plane/2-master2/etc/kubernetes/manifests/kube-vip.yaml',
      'control-plane/3-master3/etc/kubernetes/manifests/kube-vip.yaml',
      'control-plane/kubeadm-config.yaml',
    ]);
    const kubeconfig = (p: string) => pod(p).spec.volumes[0].hostPath.path;
    expect(kubeconfig('control-plane/1-master1/etc/kubernetes/manifests/kube-vip.yaml')).toBe('/etc/kubernetes/super-admin.conf');
    for (const p of ['1-master1-after-init', '2-master2', '3-master3']) {
      expect(kubeconfig(`control-plane/${p}/etc/kubernetes/manifests/kube-vip.yaml`)).toBe('/etc/kubernetes/admin.conf');
    }
  });

  test('control-plane mode with ARP and leader election, the VIP as address, v1.2.3\'s variables in its order, NET_ADMIN and NET_RAW only', () => {
    const p = pod('control-plane/2-master2/etc/kubernetes/manifests/kube-vip.yaml');
    const c = p.spec.containers[0];
    expect(c.image).toBe('ghcr.io/kube-vip/kube-vip:v1.2.3');
    expect(c.args).toEqual(['manager']);
    expect(c.env.map((e: any) => e.name)).toEqual(KUBE_VIP_CONTROL_PLANE_ENV);
    const env = Object.fromEntries(c.env.filter((e: any) => 'value' in e).map((e: any) => [e.name, e.value]));
    expect(env).toMatchObject({
      vip_arp: 'true',
      port: '6443',
      cp_enable: 'true',
      cp_namespace: 'kube-system',
      vip_leaderelection: 'true',
      vip_leasename: 'plndr-cp-lock',
      vip_leaseduration: '15',
      vip_renewdeadline: '10',
      vip_retryperiod: '2',
      address: '192.168.1.30',
    });
    expect(c.securityContext.capabilities).toEqual({ drop: ['ALL'], add: ['NET_ADMIN', 'NET_RAW'] });
    expect(p.spec.hostAliases).toEqual([{ ip: '127.0.0.1', hostnames: ['kubernetes'] }]);
  });
});

describe('checks', () => {
  const throws = (change: Partial<ControlPlaneProps>) => expect(() => build(change));

  test('fails without nodes, on a name that is not a node name, a name or address twice, and an address outside the LAN', () => {
    throws({ nodes: [] }).toThrow(/'nodes' must list the control-plane nodes/);
    throws({ nodes: [{ name: 'Master_1', address: ip('192.168.1.10') }] }).toThrow(/'nodes\[0\]\.name' must be a DNS-1123 subdomain/);
    throws({ nodes: [NODES[0], { ...NODES[1], name: 'master1' }] }).toThrow("'nodes[1].name' must differ from nodes[0].name: name each node once");
    throws({ nodes: [NODES[0], { ...NODES[1], address: ip('192.168.1.10') }] }).toThrow("'nodes[1].address' must differ from nodes[0].address");
    throws({ nodes: [{ name: 'master1', address: ip('10.0.0.1') }] }).toThrow("'nodes[0].address' must lie in the site's LAN 192.168.1.0/24");
  });

  test('fails on an API VIP that is a node\'s address or outside the LAN', () => {
    throws({ apiAddress: ip('192.168.1.11') }).toThrow(/'apiAddress' must differ from nodes\[1\]\.address \(master2\): the VIP moves between the nodes/);
    throws({ apiAddress: ip('10.1.1.1') }).toThrow("'apiAddress' must lie in the site's LAN");
  });

  test('fails on a version that is not an exact release, or older than kubeadm\'s v1beta4', () => {
    throws({ kubernetesVersion: 'stable' }).toThrow(/'kubernetesVersion' must be the exact release the nodes run.*got "stable"/);
    throws({ kubernetesVersion: '1.34.1' }).toThrow(/'kubernetesVersion' must be the exact release/);
    throws({ kubernetesVersion: 'v1.30.9' }).toThrow(/'kubernetesVersion' must be v1\.31\.0 or newer: the configuration is kubeadm's kubeadm\.k8s\.io\/v1beta4/);
    expect(() => build({ kubernetesVersion: 'v1.31.0' })).not.toThrow();
  });

  test('fails on a grace period under 20 s or not in whole seconds', () => {
    throws({ nodeMonitorGracePeriod: Duration.seconds(8) }).toThrow(/'nodeMonitorGracePeriod' must be at least 20 s: a kubelet renews its node Lease every 10 s/);
    throws({ nodeMonitorGracePeriod: Duration.millis(20500) }).toThrow(/'nodeMonitorGracePeriod' must be a Duration of whole seconds/);
  });

  test('fails on pod or Service subnets that overlap the LAN or each other, and on a cluster name that is no DNS name', () => {
    throws({ podSubnet: Ipv4Subnet.of('192.168.0.0/16') }).toThrow(/'podSubnet' must not overlap the LAN 192\.168\.1\.0\/24/);
    throws({ podSubnet: Ipv4Subnet.of('10.0.0.0/8'), serviceSubnet: Ipv4Subnet.of('10.96.0.0/12') })
      .toThrow(/'serviceSubnet' must not overlap podSubnet 10\.0\.0\.0\/8/);
    throws({ serviceSubnet: Ipv4Subnet.of('10.96.0.1/12') }).toThrow(/'serviceSubnet' must be an IPv4 subnet/);
    throws({ clusterName: 'My Cluster' }).toThrow(/'clusterName' must be a DNS-1123 subdomain/);
  });

  test('fails on a holder that is none, keepalived without an interface or with a bad one, a virtual router id out of 1-255', () => {
    throws({ apiVipHolder: 'keepalived' as unknown as ApiVipHolder }).toThrow(/'apiVipHolder' must be ApiVipHolder\.keepalivedHaproxy/);
    throws({ apiVipHolder: ApiVipHolder.keepalivedHaproxy({} as { interface: string }) }).toThrow(/'apiVipHolder interface' must name the control-plane nodes' interface/);
    throws({ apiVipHolder: ApiVipHolder.keepalivedHaproxy({ interface: 'eth 0' }) }).toThrow(/'apiVipHolder interface' must be a network interface name/);
    throws({ apiVipHolder: ApiVipHolder.keepalivedHaproxy({ interface: 'eth0', virtualRouterId: 0 }) }).toThrow(/'apiVipHolder virtualRouterId' must be an integer/);
    throws({ apiVipHolder: ApiVipHolder.keepalivedHaproxy({ interface: 'eth0', virtualRouterId: 256 }) }).toThrow(/'apiVipHolder virtualRouterId'/);
  });

  test.each(Object.keys(CONTROL_PLANE_PORTS).map(Number))('fails on haproxy on port %d, which the node\'s own components hold', (port) => {
    throws({ apiVipHolder: ApiVipHolder.keepalivedHaproxy({ interface: 'eth0', haproxyPort: port }) })
      .toThrow(new RegExp(`'apiVipHolder haproxyPort' must not be ${port}, .* on every control-plane node: haproxy runs on the same hosts`));
  });

  test('fails on haproxy on a port that is none, and negative control: 7443 is fine', () => {
    throws({ apiVipHolder: ApiVipHolder.keepalivedHaproxy({ interface: 'eth0', haproxyPort: 70000 }) }).toThrow(/'apiVipHolder haproxyPort' must be/);
    expect(() => build({ apiVipHolder: ApiVipHolder.keepalivedHaproxy({ interface: 'eth0', haproxyPort: 7443 }) })).not.toThrow();
  });

  test('fails on a kube-vip lease out of 3-300 s, an unpinned image, and images without a registry', () => {
    throws({ apiVipHolder: ApiVipHolder.kubeVip({ leaseDurationSeconds: 2 }) }).toThrow(/'apiVipHolder leaseDurationSeconds' must be an integer/);
    throws({ apiVipHolder: ApiVipHolder.kubeVip({ image: ImageReference.of('ghcr.io/kube-vip/kube-vip:latest') }) }).toThrow(/'apiVipHolder image'/);
    expect(() => build({ registry: undefined })).toThrow(/'apiVipHolder keepalivedImage' must name the keepalived image/);
  });

  test('errors name the declaration\'s path where a site declared it (FieldPath), and the construct\'s own otherwise', () => {
    const app = Testing.app();
    const site = new Construct(app, 'Site');
    FieldPath.of(site, 'facts.controlPlane').declare(app, 'ControlPlane');
    const duplicate = { ...PROPS, nodes: [NODES[0], { ...NODES[1], name: 'master1' }] };
    expect(() => new ControlPlane(app, 'ControlPlane', duplicate))
      .toThrow("[Site] 'facts.controlPlane.nodes[1].name' must differ from facts.controlPlane.nodes[0].name");
    expect(() => new ControlPlane(Testing.app(), 'ControlPlane', duplicate)).toThrow("[ControlPlane] 'nodes[1].name' must differ from nodes[0].name");
  });

  test('warns on one node (nothing redundant) and on an even number (no better quorum); three warn nothing', () => {
    const warnings = (nodes: typeof NODES) => Warnings.collect(build({ nodes }).app);
    expect(warnings(NODES.slice(0, 1))).toEqual([expect.stringMatching(/'nodes' names one control-plane node \(master1\): when it fails, nobody can deploy/)]);
    expect(warnings(NODES.slice(0, 2))).toEqual([expect.stringMatching(/'nodes' names 2 control-plane nodes: etcd's quorum of 2 is 2/)]);
    expect(warnings(NODES)).toEqual([]);
  });
});

describe('NodeFiles', () => {
  const add = (...files: NodeFile[]) => {
    const app = Testing.app();
    NodeFiles.of(app).add(new Construct(app, 'Owner'), () => files);
    return () => NodeFiles.of(app).list();
  };
  test('fails on a path that is absolute, climbs out, or sits beside the manifests (kubectl apply -f would read it)', () => {
    expect(add({ path: '/etc/x', content: '' })).toThrow(/\[Owner\] node file "\/etc\/x" must be a relative path inside a folder/);
    expect(add({ path: 'control-plane/../x', content: '' })).toThrow(/must be a relative path inside a folder/);
    expect(add({ path: 'static-pod.yaml', content: '' })).toThrow(/node file "static-pod\.yaml" must be a relative path inside a folder/);
  });
  test('fails on one path written twice', () => {
    expect(add({ path: 'a/b', content: '1' }, { path: 'a/b', content: '2' })).toThrow('node file "a/b" is also written by Owner');
  });
});
