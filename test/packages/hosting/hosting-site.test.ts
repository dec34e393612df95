import { ImageReference, Ipv4Address, Warnings } from '@cdk8s-vserver/core';
import { HostingSite, HostingSiteProps } from '@cdk8s-vserver/hosting';
import { KeepalivedVip, KubeVip, MetalLbVip, VipBackend } from '@cdk8s-vserver/vip';
import { Testing } from 'cdk8s';
import { LAB } from '../../../apps/lab/site';
import { find, synth } from '../../support';

function site(change: (lab: HostingSiteProps) => HostingSiteProps = (lab) => lab) {
  const app = Testing.app();
  return { app, site: new HostingSite(app, 'Site', change(LAB)) };
}

describe('facts.vipBackend picks the backend in one line; every server keeps its address', () => {
  test.each([
    ['keepalivedVip', VipBackend.keepalivedVip(), KeepalivedVip, 'keepalived', 'kube-system'],
    ['metalLb', VipBackend.metalLb(), MetalLbVip, 'metallb', 'metallb-system'],
    ['kubeVip', VipBackend.kubeVip(), KubeVip, 'kube-vip', 'kube-system'],
  ] as const)('VipBackend.%s()', (_name, vipBackend, type, chartName, namespace) => {
    const { site: s } = site((lab) => ({ ...lab, facts: { ...lab.facts, vipBackend } }));
    expect(s.vipController).toBeInstanceOf(type);
    expect([s.vipChart.node.id, s.vipChart.namespace]).toEqual([chartName, namespace]);
    expect(s.vipController.vips.map((e) => [e.address, e.service])).toEqual([['192.168.1.31', 'default/myweb'], ['192.168.1.33', 'kubernetes-dashboard/kubernetes-dashboard']]);
  });

  test('left out, it is the report\'s kube-keepalived-vip from the site\'s registry', () => {
    const { site: s } = site((lab) => ({ ...lab, facts: { ...lab.facts, vipBackend: undefined } }));
    const ds = find(synth(s.vipChart), 'DaemonSet', 'kube-keepalived-vip');
    expect(ds.spec.template.spec.containers[0].image).toBe('master.test:5000/myrepo/kube-keepalived-vip:0.35');
  });

  test('each backend\'s options reach its construct: keepalived unicast and vrid; MetalLB name; kube-vip image, interface, lease', () => {
    const keepalivedBackend = VipBackend.keepalivedVip({ useUnicast: true, vrid: 77 });
    const keepalived = site((lab) => ({ ...lab, facts: { ...lab.facts, vipBackend: keepalivedBackend } })).site;
    expect(find(synth(keepalived.vipChart), 'DaemonSet', 'kube-keepalived-vip').spec.template.spec.containers[0].args)
      .toEqual(['--services-configmap=kube-system/vip-configmap', '--vrid=77', '--http-port=8080', '--use-unicast']);
    const metallb = site((lab) => ({ ...lab, facts: { ...lab.facts, vipBackend: VipBackend.metalLb({ name: 'lab-vips', interfaces: ['eth0'] }) } })).site;
    expect(find(synth(metallb.vipChart), 'L2Advertisement', 'lab-vips').spec.interfaces).toEqual(['eth0']);
    const kubeVip = site((lab) => ({ ...lab, facts: { ...lab.facts, vipBackend: VipBackend.kubeVip({ interface: 'eth1', leaseDurationSeconds: 5, image: ImageReference.of('r.test/kv:v1.2.3') }) } })).site;
    const container = find(synth(kubeVip.vipChart), 'DaemonSet', 'kube-vip-ds').spec.template.spec.containers[0];
    expect(container.image).toBe('r.test/kv:v1.2.3');
    expect(container.env).toEqual(expect.arrayContaining([{ name: 'vip_interface', value: 'eth1' }, { name: 'vip_leaseduration', value: '5' }]));
  });
});

describe('facts.routers', () => {
  test('two routers: no warning', () => {
    const { app } = site((lab) => ({ ...lab, facts: { ...lab.facts, routers: ['node0', 'node3'] } }));
    app.synth();
    expect(Warnings.collect(app).filter((w) => w.includes('routers'))).toEqual([]);
  });

  test('one router: a warning that the VIPs have no failover', () => {
    const { app } = site((lab) => ({ ...lab, facts: { ...lab.facts, routers: ['node0'] } }));
    expect(Warnings.collect(app).filter((w) => w.includes('routers'))).toEqual([
      "[Site] 'facts.routers' names one router node (node0): when it fails, every VIP goes with it. Label a second node role=router and "
      + 'add it to facts.routers (README, "Two routers").',
    ]);
  });

  test.each([
    [[], "[Site] 'facts.routers' must name at least one node labeled role=router, or be left out, got []"],
    [['node0', 'Node_1'], "[Site] 'facts.routers' must be a DNS-1123 subdomain"],
    [['node0', 'node0'], "[Site] 'facts.routers' must name each router node once, got \"node0\""],
  ])('refuses %j', (routers, message) => {
    expect(() => site((lab) => ({ ...lab, facts: { ...lab.facts, routers } }))).toThrow(message);
  });
});

describe('the site refuses', () => {
  test.each([
    ['no servers', (lab: HostingSiteProps) => ({ ...lab, servers: [] }), "[Site] 'servers' must list at least one virtual server, got []"],
    ['a server named twice', (lab: HostingSiteProps) => ({ ...lab, servers: [...lab.servers, { ...lab.servers[0], address: Ipv4Address.of('192.168.1.40') }] }),
      "[Site] 'servers[1].name' must differ from servers[0].name: the name is the server's Deployment, Service and docroot folder, got \"myweb\""],
    ['a relative export root', (lab: HostingSiteProps) => ({ ...lab, facts: { ...lab.facts, nas: { ...lab.facts.nas, exportRoot: 'export/web' } } }),
      "[Site] 'facts.nas.exportRoot' must be an absolute path"],
    ['a namespace that is not a DNS label', (lab: HostingSiteProps) => ({ ...lab, facts: { ...lab.facts, namespace: 'Web_Sites' } }),
      "[Site] 'facts.namespace' must be a DNS-1123 label"],
    ['a site name that is not a DNS label', (lab: HostingSiteProps) => ({ ...lab, name: 'Lab!' }), "[Site] 'name' must be a DNS-1123 label"],
  ])('%s', (_what, change, message) => {
    expect(() => site(change)).toThrow(message);
  });
});

describe('facts.headlamp', () => {
  const { site: s } = site((lab) => ({ ...lab, facts: { ...lab.facts, vipBackend: VipBackend.metalLb(), headlamp: { address: Ipv4Address.of('192.168.1.34') } } }));

  test('adds a headlamp chart after the VIP backend\'s, published on its VIP by the same backend', () => {
    expect(s.headlampChart?.node.id).toBe('headlamp');
    expect(s.vipController.vips.map((e) => e.service)).toContain('headlamp/headlamp');
    const service = find(synth(s.headlampChart!), 'Service', 'headlamp');
    expect(service.metadata.annotations).toEqual({ 'metallb.io/loadBalancerIPs': '192.168.1.34' });
  });

  test('left out, there is no Headlamp', () => {
    expect(site().site.headlamp).toBeUndefined();
  });
});
