import { AppChecks, ImageReference, Ipv4Address, Ipv4Subnet, k8s, NodeRole, Warnings } from '@cdk8s-vserver/core';
import {
  IVipController, KeepalivedVip, KUBE_VIP_ADDRESS_ANNOTATION, KubeVip, KubeVipProps, METALLB_ADDRESS_ANNOTATION, MetalLbVip, MetalLbVipProps,
  VipMethod,
} from '@cdk8s-vserver/vip';
import { Chart, Testing } from 'cdk8s';
import { find, ofKind, synth, synthError } from '../../support';

const ip = Ipv4Address.of;
const lanSubnet = Ipv4Subnet.of('192.168.1.0/24');

function newService(scope: Chart, name: string, ports: number[], spec: Partial<k8s.ServiceSpec> = {}): k8s.KubeService {
  return new k8s.KubeService(scope, name, { metadata: { name }, spec: { ports: ports.map((port) => ({ port })), ...spec } });
}

function charts() {
  const app = Testing.app();
  const system = new Chart(app, 'system', { namespace: 'kube-system', disableResourceNameHashes: true });
  const web = new Chart(app, 'web', { namespace: 'default', disableResourceNameHashes: true });
  return { app, system, web };
}

describe('MetalLbVip', () => {
  const { app, system, web } = charts();
  AppChecks.of(app).allowExternalNamespace('blogs');
  const vip = new MetalLbVip(system, 'Vips', { lanSubnet });
  const shop = newService(web, 'shop', [80, 22]);
  const blog = newService(new Chart(app, 'blogs', { namespace: 'blogs', disableResourceNameHashes: true }), 'blog', [80]);
  vip.expose(blog, ip('192.168.1.40'));
  vip.expose(shop, ip('192.168.1.31'));
  const manifests = synth(system);
  const pool = find(manifests, 'IPAddressPool', 'vserver-vips');
  const ad = find(manifests, 'L2Advertisement', 'vserver-vips');

  test('emits only an IPAddressPool and an L2Advertisement, in MetalLB\'s namespace', () => {
    expect(manifests.map((m) => `${m.apiVersion} ${m.kind} ${m.metadata.namespace}`)).toEqual([
      'metallb.io/v1beta1 IPAddressPool metallb-system', 'metallb.io/v1beta1 L2Advertisement metallb-system',
    ]);
  });

  test('the pool is exactly the VIPs published, sorted, never handed out unasked, only to the namespaces published', () => {
    expect(pool.spec).toEqual({ addresses: ['192.168.1.31/32', '192.168.1.40/32'], autoAssign: false, serviceAllocation: { namespaces: ['blogs', 'default'] } });
  });

  test('the advertisement announces that pool from the router role only', () => {
    expect(ad.spec).toEqual({ ipAddressPools: ['vserver-vips'], nodeSelectors: [{ matchLabels: { role: 'router' } }] });
  });

  test('the Service asks for its address as a LoadBalancer without node ports, and gets no externalIPs', () => {
    const service = find(synth(web), 'Service', 'shop');
    expect(service.metadata.annotations).toEqual({ [METALLB_ADDRESS_ANNOTATION]: '192.168.1.31' });
    expect(service.spec).toEqual({ type: 'LoadBalancer', allocateLoadBalancerNodePorts: false, ports: [{ port: 80 }, { port: 22 }] });
  });

  test('vips lists the entries by address', () => {
    expect(vip.vips).toEqual([
      { address: '192.168.1.31', service: 'default/shop', ports: [80, 22] },
      { address: '192.168.1.40', service: 'blogs/blog', ports: [80] },
    ]);
  });

  test('takes another node role, name, namespace and interfaces', () => {
    const c = charts();
    const other = new MetalLbVip(c.system, 'Vips', { lanSubnet, nodeRole: NodeRole.WORKER, name: 'edge', namespace: 'lb', interfaces: ['eth1'] });
    other.expose(newService(c.web, 'x', [80]), ip('192.168.1.9'));
    const [p, a] = synth(c.system);
    expect([p.metadata, a.metadata].map((m) => `${m.namespace}/${m.name}`)).toEqual(['lb/edge', 'lb/edge']);
    expect(a.spec).toEqual({ ipAddressPools: ['edge'], nodeSelectors: [{ matchLabels: { role: 'worker' } }], interfaces: ['eth1'] });
  });

  test.each([
    [{ nodeRole: NodeRole.of('edge') }, "[system/Vips] 'nodeRole' must be one of the site's node roles: NodeRole.ROUTER (role=router), "
      + 'NodeRole.WORKER (role=worker), got "edge"'],
    [{ namespace: 'MetalLB' }, "[system/Vips] 'namespace' must be a DNS-1123 label: 1-63 lowercase letters, digits or '-', starting and ending with a letter or digit, got \"MetalLB\""],
    [{ name: 'my_pool' }, "[system/Vips] 'name' must be a DNS-1123 label: 1-63 lowercase letters, digits or '-', starting and ending with a letter or digit, got \"my_pool\""],
    [{ interfaces: ['eth0', 'enp0s31f6-and-more'] }, "[system/Vips] 'interfaces[1]' must be a network interface name of the router nodes (1-15 characters, "
      + 'such as eth0), got "enp0s31f6-and-more"'],
  ] as Array<[Partial<MetalLbVipProps>, string]>)('refuses %j', (props, message) => {
    const c = charts();
    expect(() => new MetalLbVip(c.system, 'Vips', { lanSubnet, ...props })).toThrow(message);
  });
});

describe('KubeVip', () => {
  const { system, web } = charts();
  const vip = new KubeVip(system, 'KubeVip', { lanSubnet });
  vip.expose(newService(web, 'shop', [80]), ip('192.168.1.31'));
  const manifests = synth(system);
  const ds = find(manifests, 'DaemonSet', 'kube-vip-ds');
  const pod = ds.spec.template.spec;
  const env = Object.fromEntries(pod.containers[0].env.map((e: any) => [e.name, e.value ?? e.valueFrom]));

  test('emits the ServiceAccount, ClusterRole and binding with upstream\'s names, and the DaemonSet, in kube-system', () => {
    expect(manifests.map((m) => `${m.kind}/${m.metadata.name}`)).toEqual([
      'ServiceAccount/kube-vip', 'ClusterRole/system:kube-vip-role', 'ClusterRoleBinding/system:kube-vip-binding', 'DaemonSet/kube-vip-ds',
    ]);
    expect(ofKind(manifests, 'DaemonSet')[0].metadata.namespace).toBe('kube-system');
  });

  test('the ClusterRole is exactly what `kube-vip manifest rbac` v1.2.3 generates', () => {
    expect(find(manifests, 'ClusterRole', 'system:kube-vip-role').rules).toEqual([
      { apiGroups: [''], resources: ['services/status'], verbs: ['update'] },
      { apiGroups: [''], resources: ['services', 'endpoints'], verbs: ['list', 'get', 'watch', 'update'] },
      { apiGroups: [''], resources: ['nodes'], verbs: ['list', 'get', 'watch', 'update', 'patch'] },
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['list', 'get', 'watch', 'update', 'create'] },
      { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'get', 'watch', 'update'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['list'] },
    ]);
  });

  test('the DaemonSet runs `manager` on the router role in the node\'s network, with NET_ADMIN and NET_RAW only', () => {
    expect(pod).toMatchObject({ hostNetwork: true, nodeSelector: { role: 'router' }, serviceAccountName: 'kube-vip' });
    expect(pod.containers[0]).toMatchObject({ image: 'ghcr.io/kube-vip/kube-vip:v1.2.3', args: ['manager'] });
    expect(pod.containers[0].securityContext).toEqual({ capabilities: { add: ['NET_ADMIN', 'NET_RAW'], drop: ['ALL'] } });
  });

  test('its environment is ARP services mode with one leader, upstream\'s lease timings and no interface pinned', () => {
    expect(env).toEqual({
      vip_arp: 'true',
      port: '6443',
      vip_nodename: { fieldRef: { fieldPath: 'spec.nodeName' } },
      svc_enable: 'true',
      svc_leasename: 'plndr-svcs-lock',
      vip_leaderelection: 'true',
      vip_leasename: 'plndr-cp-lock',
      vip_leaseduration: '15',
      vip_renewdeadline: '10',
      vip_retryperiod: '2',
      prometheus_server: ':2112',
    });
  });

  test('per-Service election, an interface and a shorter lease change exactly those variables', () => {
    const c = charts();
    new KubeVip(c.system, 'KubeVip', { lanSubnet, servicesElection: true, interface: 'eth0', leaseDurationSeconds: 6 });
    const e = find(synth(c.system), 'DaemonSet', 'kube-vip-ds').spec.template.spec.containers[0].env;
    expect(Object.fromEntries(e.map((x: any) => [x.name, x.value]))).toMatchObject({
      svc_election: 'true', vip_interface: 'eth0', vip_leaseduration: '6', vip_renewdeadline: '4', vip_retryperiod: '1',
    });
  });

  test('the Service asks for its address through kube-vip\'s annotation, as a LoadBalancer without node ports', () => {
    const service = find(synth(web), 'Service', 'shop');
    expect(service.metadata.annotations).toEqual({ [KUBE_VIP_ADDRESS_ANNOTATION]: '192.168.1.31' });
    expect(service.spec).toMatchObject({ type: 'LoadBalancer', allocateLoadBalancerNodePorts: false });
    expect(service.spec.externalIPs).toBeUndefined();
  });

  test('in a chart without a namespace, its objects and the binding\'s subject are all in kube-system', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'plain', { disableResourceNameHashes: true });
    new KubeVip(chart, 'KubeVip', { lanSubnet });
    const objects = synth(chart);
    expect(objects.filter((o) => ['ServiceAccount', 'DaemonSet'].includes(o.kind)).map((o) => o.metadata.namespace)).toEqual(['kube-system', 'kube-system']);
    expect(find(objects, 'ClusterRoleBinding', 'system:kube-vip-binding').subjects[0].namespace).toBe('kube-system');
  });

  test('warns about an image of another release', () => {
    const c = charts();
    new KubeVip(c.system, 'KubeVip', { lanSubnet, image: ImageReference.of('registry.test/kube-vip:v0.8.0') });
    expect(Warnings.collect(c.app)).toEqual([expect.stringContaining("[system/KubeVip] 'image' registry.test/kube-vip:v0.8.0 is not tagged v1.2.3")]);
  });

  test.each([
    [{ leaseDurationSeconds: 2 }, "[system/KubeVip] 'leaseDurationSeconds' must be an integer from 3 to 300, got 2"],
    [{ interface: 'eth0; reboot' }, "[system/KubeVip] 'interface' must be a network interface name of the router nodes"],
    [{ image: ImageReference.of('ghcr.io/kube-vip/kube-vip') }, "[system/KubeVip] 'image' must be an ImageReference with a pinned tag or digest"],
  ] as Array<[Partial<KubeVipProps>, string]>)('refuses %j', (props, message) => {
    const c = charts();
    expect(() => new KubeVip(c.system, 'KubeVip', { lanSubnet, ...props })).toThrow(message);
  });
});

describe.each([
  ['MetalLbVip', (scope: Chart) => new MetalLbVip(scope, 'Vips', { lanSubnet })],
  ['KubeVip', (scope: Chart) => new KubeVip(scope, 'Vips', { lanSubnet })],
] as Array<[string, (scope: Chart) => IVipController]>)('%s refuses, like every backend,', (_name, make) => {
  const setup = () => {
    const c = charts();
    return { ...c, vip: make(c.system) };
  };

  test.each([
    ['10.0.0.1', "[system/Vips] 'expose address' must lie in the site's LAN 192.168.1.0/24, got \"10.0.0.1\""],
    ['192.168.1.255', "[system/Vips] 'expose address' must be a host address of 192.168.1.0/24, not its network or broadcast address"],
  ])('the address %s', (address, message) => {
    const { web, vip } = setup();
    expect(() => vip.expose(newService(web, 's', [80]), ip(address))).toThrow(message);
  });

  test('an address twice', () => {
    const { web, vip } = setup();
    vip.expose(newService(web, 'a', [80]), ip('192.168.1.31'));
    expect(() => vip.expose(newService(web, 'b', [80]), ip('192.168.1.31'))).toThrow('it already publishes default/a');
  });

  test('something that is not a Service', () => {
    const { web, vip } = setup();
    const cm = new k8s.KubeConfigMap(web, 'cm', { metadata: { name: 'cm' } });
    expect(() => vip.expose(cm, ip('192.168.1.31'))).toThrow("'expose service' must be a Service, got \"ConfigMap/cm\"");
  });

  test('a Service with externalIPs, and a NodePort Service', () => {
    const { web, vip } = setup();
    expect(() => vip.expose(newService(web, 'a', [80], { externalIPs: ['192.168.1.50'] }), ip('192.168.1.31')))
      .toThrow(/'expose service' must have no spec.externalIPs \(it has 192.168.1.50\): .* DenyServiceExternalIPs .* Remove them/);
    expect(() => vip.expose(newService(web, 'b', [80], { type: 'NodePort' }), ip('192.168.1.32')))
      .toThrow("'expose service' must be of type ClusterIP or LoadBalancer (it is NodePort)");
  });

  test('an IPVS method', () => {
    const { web, vip } = setup();
    expect(() => vip.expose(newService(web, 'a', [80]), ip('192.168.1.31'), { method: VipMethod.DR }))
      .toThrow(`[system/Vips] 'expose method' must be left out: only kube-keepalived-vip forwards with IPVS, and this is ${vip.backend}, got "DR"`);
  });

  test('at synth, a VIP that a kube-keepalived-vip of the same app also publishes', () => {
    const { app, system, web, vip } = setup();
    const keepalived = new KeepalivedVip(system, 'Keepalived', { lanSubnet });
    vip.expose(newService(web, 'a', [80]), ip('192.168.1.31'));
    keepalived.expose(newService(web, 'b', [80]), ip('192.168.1.31'));
    expect(synthError(app)).toContain("[system/Keepalived] 'expose address' 192.168.1.31 (for default/b) is also a VIP of [system/Vips] "
      + `(${vip.backend}): two controllers would fight over one address. Publish each VIP through one controller`);
  });
});

describe('what a controller says about itself, so a site never searches its objects', () => {
  test('its agent: the DaemonSet that holds the VIPs (its own, or MetalLB\'s speaker on every node); its VRRP id when it speaks VRRP', () => {
    const { app, system } = charts();
    const keepalived = new KeepalivedVip(system, 'Keepalived', { lanSubnet, vrid: 77 });
    const kubeVip = new KubeVip(new Chart(app, 'kv', { namespace: 'kube-system' }), 'KubeVip', { lanSubnet });
    const metalLb = new MetalLbVip(new Chart(app, 'lb', {}), 'Vips', { lanSubnet, namespace: 'lb' });
    const daemonSets = (c: Chart) => ofKind(synth(c), 'DaemonSet').map((d) => ({ namespace: d.metadata.namespace, name: d.metadata.name }));
    expect(keepalived.agent).toEqual({ ...daemonSets(system)[0], what: 'the VIP controller', nodes: 'router' });
    expect(kubeVip.agent).toEqual({ ...daemonSets(Chart.of(kubeVip))[0], what: 'the VIP controller', nodes: 'router' });
    expect(metalLb.agent).toEqual({ namespace: 'lb', name: 'speaker', what: "MetalLB's speaker (the VIP controller)", nodes: 'node' });
    const controllers: IVipController[] = [keepalived, kubeVip, metalLb];
    expect(controllers.map((c) => c.vrrpId)).toEqual([77, undefined, undefined]);
  });
});
