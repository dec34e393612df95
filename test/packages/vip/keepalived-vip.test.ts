import { ImageReference, Ipv4Address, Ipv4Subnet, k8s, NodeRole, Warnings } from '@cdk8s-vserver/core';
import { KEEPALIVED_VIP_0_35, KeepalivedVip, KeepalivedVipProps, unknownFlags, VipMethod } from '@cdk8s-vserver/vip';
import { ApiObject, App, Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-22';
import { find, ofKind, synth } from '../../support';

const ip = Ipv4Address.of;
/** A Service as the constructs make them: a k8s L1 object. */
function newService(scope: Chart, name: string, ports: number[]): k8s.KubeService {
  return new k8s.KubeService(scope, name, { metadata: { name }, spec: { ports: ports.map((port) => ({ port })) } });
}

function setup(props: Partial<KeepalivedVipProps> = {}) {
  const app = Testing.app();
  const system = new Chart(app, 'system', { namespace: 'kube-system', disableResourceNameHashes: true });
  const web = new Chart(app, 'web', { namespace: 'default', disableResourceNameHashes: true });
  const vip = new KeepalivedVip(system, 'Vip', { lanSubnet: Ipv4Subnet.of('192.168.1.0/24'), ...props });
  return { app, system, web, vip, service: newService(web, 'myweb', [80, 22]) };
}

describe('the objects', () => {
  const { system, web, vip, service } = setup();
  vip.expose(service, ip('192.168.1.31'));
  const manifests = synth(system);
  const daemonSet = find(manifests, 'DaemonSet', 'kube-keepalived-vip');
  const pod = daemonSet.spec.template.spec;
  const container = pod.containers[0];

  test('are a ServiceAccount, ClusterRole, ClusterRoleBinding, ConfigMap and DaemonSet', () => {
    expect(manifests.map((m) => m.kind)).toEqual(['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'ConfigMap', 'DaemonSet']);
  });

  test('the ClusterRole allows exactly what the 0.35 controller calls', () => {
    expect(find(manifests, 'ClusterRole', 'kube-keepalived-vip').rules).toEqual([
      { apiGroups: [''], resources: ['pods'], verbs: ['get'] },
      { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list'] },
      { apiGroups: [''], resources: ['endpoints', 'services', 'configmaps'], verbs: ['list', 'watch'] },
    ]);
  });

  test('the binding gives that role to the ServiceAccount the DaemonSet runs as', () => {
    const binding = find(manifests, 'ClusterRoleBinding', 'kube-keepalived-vip');
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'kube-keepalived-vip' });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: pod.serviceAccountName, namespace: 'kube-system' }]);
    expect(binding.metadata.namespace).toBeUndefined();
    expect(find(manifests, 'ServiceAccount', pod.serviceAccountName).metadata.namespace).toBe('kube-system');
  });

  test('the DaemonSet is privileged, hostNetwork and router-only through a real nodeSelector', () => {
    expect(pod.hostNetwork).toBe(true);
    expect(pod.dnsPolicy).toBe('ClusterFirstWithHostNet');
    expect(pod.nodeSelector).toEqual({ role: 'router' });
    expect(pod.affinity).toBeUndefined();
    expect(container.securityContext.privileged).toBe(true);
  });

  test('the DaemonSet names the ConfigMap that exists, and watches all namespaces by leaving --watch-namespace out', () => {
    const configMap = ofKind(manifests, 'ConfigMap')[0];
    expect(container.args).toEqual([`--services-configmap=${configMap.metadata.namespace}/${configMap.metadata.name}`, '--vrid=50', '--http-port=8080']);
    expect(configMap.metadata.name).toBe('vip-configmap');
  });

  test('every arg is a flag kube-keepalived-vip 0.35 has', () => {
    expect(unknownFlags(KEEPALIVED_VIP_0_35, container.args)).toEqual([]);
  });

  test('the flag check catches a flag 0.35 does not have (negative control)', () => {
    expect(unknownFlags(KEEPALIVED_VIP_0_35, [...container.args, '--watch-all-namespaces', '-vrid=3'])).toEqual(['watch-all-namespaces']);
  });

  test('is restarted when /health on the --http-port stops answering, as upstream probes it', () => {
    expect(container.livenessProbe).toEqual({ httpGet: { path: '/health', port: 8080 }, initialDelaySeconds: 15, timeoutSeconds: 3 });
  });

  test('mounts its token, knows its pod from the downward API, and loads ip_vs first', () => {
    expect(pod.automountServiceAccountToken).toBe(true);
    expect(container.env).toEqual([
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
    ]);
    expect(pod.initContainers[0].command).toEqual(['modprobe', 'ip_vs']);
    expect(pod.volumes).toEqual([{ name: 'modules', hostPath: { path: '/lib/modules', type: 'Directory' } }]);
    for (const c of [container, pod.initContainers[0]]) {
      expect(c.volumeMounts).toEqual([{ name: 'modules', mountPath: '/lib/modules', readOnly: true }]);
    }
  });

  test('runs the pinned upstream image by default', () => {
    expect(container.image).toBe('aledbf/kube-keepalived-vip:0.35');
  });

  test('one VIP value lands in both the ConfigMap and the Service externalIPs', () => {
    expect(find(manifests, 'ConfigMap', 'vip-configmap').data).toEqual({ '192.168.1.31': 'default/myweb' });
    expect(find(synth(web), 'Service', 'myweb').spec.externalIPs).toEqual(['192.168.1.31']);
  });
});

describe('props', () => {
  test('vrid, unicast, names, role, image and hostNetwork', () => {
    const { system } = setup({
      vrid: 7,
      useUnicast: true,
      name: 'vips',
      configMapName: 'vips',
      nodeRole: NodeRole.WORKER,
      image: ImageReference.of('master.test:5000/myrepo/kube-keepalived-vip:0.35'),
      hostNetwork: false,
      healthPort: 9099,
    });
    const pod = find(synth(system), 'DaemonSet', 'vips').spec.template.spec;
    expect(pod.containers[0].args).toEqual(['--services-configmap=kube-system/vips', '--vrid=7', '--http-port=9099', '--use-unicast']);
    expect(unknownFlags(KEEPALIVED_VIP_0_35, pod.containers[0].args)).toEqual([]);
    expect(pod.containers[0].livenessProbe.httpGet.port).toBe(9099);
    expect(pod.nodeSelector).toEqual({ role: 'worker' });
    expect(pod.hostNetwork).toBeUndefined();
    expect(pod.containers[0].image).toBe('master.test:5000/myrepo/kube-keepalived-vip:0.35');
  });

  test('DR method and several VIPs, sorted by address', () => {
    const { system, web, vip, service } = setup();
    vip.expose(newService(web, 'other', [443]), ip('192.168.1.100'), { method: VipMethod.DR });
    vip.expose(service, ip('192.168.1.31'));
    expect(find(synth(system), 'ConfigMap', 'vip-configmap').data).toEqual({ '192.168.1.31': 'default/myweb', '192.168.1.100': 'default/other:DR' });
    expect(vip.vips.map((e) => e.address)).toEqual(['192.168.1.31', '192.168.1.100']);
  });

  test('exposes an L1 Service: its ports, and the address as its only external IP', () => {
    const { web, vip } = setup();
    const raw = newService(web, 'raw', [443]);
    expect(vip.expose(raw, ip('192.168.1.40'))).toEqual({ address: '192.168.1.40', service: 'default/raw', method: VipMethod.NAT, ports: [443] });
    expect(find(synth(web), 'Service', 'raw').spec.externalIPs).toEqual(['192.168.1.40']);
  });

  test("exposes a cdk8s-plus Service through its ApiObject, keeping the Service's own external IPs", () => {
    const { web, vip } = setup();
    const plus = new kplus.Service(web, 'Plus', { metadata: { name: 'plus' }, ports: [{ port: 8080 }], externalIPs: ['192.168.1.9'] });
    expect(vip.expose(ApiObject.of(plus), ip('192.168.1.41')).ports).toEqual([8080]);
    expect(find(synth(web), 'Service', 'plus').spec.externalIPs).toEqual(['192.168.1.9', '192.168.1.41']);
  });
});

describe('the SSH port clash', () => {
  test('warns when a VIP publishes port 22, saying what happens and what to do', () => {
    const { vip, service, app } = setup();
    vip.expose(service, ip('192.168.1.31'));
    expect(Warnings.collect(app)).toEqual([
      "[system/Vip] VIP 192.168.1.31 publishes port 22 of default/myweb: the router node's own sshd listens on 0.0.0.0:22 and takes those connections, "
      + "so SSH through the VIP reaches the router instead of the server. Make the node's sshd listen on its own address only (ListenAddress), "
      + 'or publish SSH on another Service port (WebSshServer sshServicePort, e.g. 2222).',
    ]);
  });

  test('does not warn when SSH is published on another port', () => {
    const { web, vip, app } = setup();
    vip.expose(newService(web, 'alt', [80, 2222]), ip('192.168.1.32'));
    expect(Warnings.collect(app)).toEqual([]);
  });
});

describe('the image', () => {
  test('warns when its tag is not the release whose flags are rendered', () => {
    const { app } = setup({ image: ImageReference.of('aledbf/kube-keepalived-vip:0.34') });
    expect(Warnings.collect(app)).toEqual([
      "[system/Vip] 'image' aledbf/kube-keepalived-vip:0.34 is not tagged 0.35: the args rendered are those of kube-keepalived-vip 0.35, "
      + 'and the controller exits on any flag it does not know. Use a 0.35 image.',
    ]);
  });

  test('does not warn for a 0.35 image mirrored into another registry', () => {
    const { app } = setup({ image: ImageReference.of('master.test:5000/myrepo/kube-keepalived-vip:0.35') });
    expect(Warnings.collect(app)).toEqual([]);
  });
});

describe('bad input', () => {
  const expose = (address: string, method?: VipMethod) => {
    const { vip, service } = setup();
    return () => vip.expose(service, ip(address), { method });
  };

  test.each([
    ['not an IPv4 address', '192.168.1', "[system/Vip] 'expose address' must be an IPv4 address such as Ipv4Address.of(\"192.168.1.31\"), got \"192.168.1\""],
    ['outside the LAN', '192.168.2.31', "[system/Vip] 'expose address' must lie in the site's LAN 192.168.1.0/24, got \"192.168.2.31\""],
    ['the network address', '192.168.1.0', "[system/Vip] 'expose address' must be a host address of 192.168.1.0/24, not its network or broadcast address, got \"192.168.1.0\""],
    ['the broadcast address', '192.168.1.255', /not its network or broadcast address, got "192.168.1.255"$/],
  ])('throws for a VIP that is %s', (_what, address, message) => {
    expect(expose(address)).toThrow(message);
  });

  test('throws for a method other than NAT or DR', () => {
    expect(expose('192.168.1.31', 'TUN' as VipMethod)).toThrow(
      "[system/Vip] 'expose method' must be one of VipMethod.NAT (\"NAT\"), VipMethod.DR (\"DR\"), got \"TUN\"");
  });

  test('throws for the same VIP given twice', () => {
    const { web, vip, service } = setup();
    vip.expose(service, ip('192.168.1.31'));
    expect(() => vip.expose(newService(web, 'other', [443]), ip('192.168.1.31'))).toThrow(
      "[system/Vip] 'expose address' must be a VIP not used yet: it already publishes default/myweb, got \"192.168.1.31\"");
  });

  test('throws for something that is not a Service', () => {
    const { web, vip } = setup();
    const cm = new k8s.KubeConfigMap(web, 'Cm', { metadata: { name: 'cm' } });
    expect(() => vip.expose(cm, ip('192.168.1.31'))).toThrow("'expose service' must be a Service, got \"ConfigMap/cm\"");
  });

  test.each([
    ['a LAN that is not CIDR', { lanSubnet: Ipv4Subnet.of('192.168.1.0') }, "[system/Vip] 'lanSubnet' must be an IPv4 subnet in CIDR form with no host bits set, "
      + 'such as Ipv4Subnet.of("192.168.1.0/24"); this one is not CIDR notation: an IPv4 address, "/" and a prefix length 0-32, got "192.168.1.0"'],
    ['a LAN with host bits', { lanSubnet: Ipv4Subnet.of('192.168.1.7/24') }, /'lanSubnet' must be an IPv4 subnet .*this one has host bits set.*got "192.168.1.7\/24"$/],
    ['a vrid over 255', { vrid: 256 }, "[system/Vip] 'vrid' must be an integer from 1 to 255, got 256"],
    ['vrid 0, which keepalived refuses', { vrid: 0 }, "[system/Vip] 'vrid' must be an integer from 1 to 255, got 0"],
    ['a health port kubelet has on every node', { healthPort: 10250 }, "[system/Vip] 'healthPort' must be a port free on the router nodes: with "
      + "hostNetwork the controller's /health listens on the node itself, where 10250 is kubelet's API. Use another, such as 8080, got 10250"],
    ['an unpinned image', { image: ImageReference.of('aledbf/kube-keepalived-vip') }, /'image' must be an ImageReference with a pinned tag.*this one has no tag/],
    ['an uppercase ConfigMap name', { configMapName: 'VIPs' }, /'configMapName' must be a DNS-1123 label.*got "VIPs"$/],
    ['a healthPort of 0', { healthPort: 0 }, "[system/Vip] 'healthPort' must be an integer from 1 to 65535, got 0"],
    ['an unknown node role', { nodeRole: 'router' as unknown as NodeRole }, /'nodeRole' must be one of the site's node roles: NodeRole.ROUTER \(role=router\), NodeRole.WORKER \(role=worker\), got "router"$/],
  ])('throws for %s', (_what, props, message) => {
    expect(() => setup(props as Partial<KeepalivedVipProps>)).toThrow(message);
  });
});

test('the ConfigMap stays deterministic with no VIP yet', () => {
  const app = new App();
  const chart = new Chart(app, 'c', { disableResourceNameHashes: true });
  new KeepalivedVip(chart, 'Vip', { lanSubnet: Ipv4Subnet.of('10.0.0.0/8') });
  expect(find(synth(chart), 'ConfigMap', 'vip-configmap').data ?? {}).toEqual({});
});
