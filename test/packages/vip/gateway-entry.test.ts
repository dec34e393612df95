import { AppChecks, Ipv4Address, Ipv4Subnet } from '@cdk8s-vserver/core';
import { GatewayEntry, GatewayServerOptions, KeepalivedVip, KubeVip, MetalLbVip } from '@cdk8s-vserver/vip';
import { ApiObject, Chart, Testing } from 'cdk8s';
import { find, ofKind, synth, synthError } from '../../support';

const LAN = Ipv4Subnet.of('192.168.1.0/24');
const VIP = Ipv4Address.of('192.168.1.40');

function gateway() {
  const app = Testing.app();
  AppChecks.of(app).allowExternalNamespace('site-entry').allowExternalNamespace('shop').allowExternalNamespace('blog');
  const chart = new Chart(app, 'entry', { namespace: 'site-entry', disableResourceNameHashes: true });
  const routes = (namespace: string) => new Chart(app, `web-${namespace}`, { namespace, disableResourceNameHashes: true });
  return { app, chart, routes, entry: new GatewayEntry(chart, 'Entry', { gatewayClassName: 'eg', address: VIP }) };
}

const server = (name: string, hostnames: string[], more: Partial<GatewayServerOptions> = {}): GatewayServerOptions => ({
  name, namespace: name, hostnames, httpPort: 80, httpsPort: 443, ...more,
});

describe('GatewayEntry: the shared entry as Gateway API objects', () => {
  test('per hostname an HTTP and a TLS passthrough listener, each for its server\'s namespace; a server of HTTP only gets no TLS listener', () => {
    const { chart, routes, entry } = gateway();
    const shopRoutes = entry.addServer(chart, 'servers[0].entry', server('shop', ['Shop.Example']), routes('shop'));
    const blogRoutes = entry.addServer(chart, 'servers[1].entry', server('blog', ['*.blog.example'], { httpsPort: undefined }), routes('blog'));
    const gw = find(synth(chart), 'Gateway', 'entry');
    expect(gw.spec.listeners.map((l: any) => [l.name, l.hostname, l.protocol, l.allowedRoutes.namespaces.selector.matchLabels['kubernetes.io/metadata.name']])).toEqual([
      ['shop-http-1', 'shop.example', 'HTTP', 'shop'],
      ['shop-tls-1', 'shop.example', 'TLS', 'shop'],
      ['blog-http-1', '*.blog.example', 'HTTP', 'blog'],
    ]);
    // no ListenerSet yet: the Gateway admits none
    expect(gw.spec.allowedListeners).toBeUndefined();
    expect(shopRoutes.tls?.metadata.namespace).toBe('shop');
    expect(blogRoutes.tls).toBeUndefined();
    expect(entry.servers.map((r) => r.hostnames)).toEqual([['shop.example'], ['*.blog.example']]);
  });

  test('a Gateway without a server is refused at synth (a Gateway holds one listener at least)', () => {
    const { app } = gateway();
    expect(synthError(app)).toContain('the Gateway site-entry/entry has no listener: put a server behind the entry');
  });

  test('routes made in another namespace\'s chart than the server\'s are refused', () => {
    const { chart, routes, entry } = gateway();
    expect(() => entry.addServer(chart, 'servers[0].entry', server('shop', ['shop.example']), routes('blog')))
      .toThrow("'servers[0].entry (namespace)' must be the namespace of the routes' chart (blog)");
  });

  test('a server of 17 names is refused: a route holds 16', () => {
    const { chart, routes, entry } = gateway();
    expect(() => entry.addServer(chart, 'servers[0].entry', server('shop', Array.from({ length: 17 }, (_, i) => `h${i}.shop.example`)), routes('shop')))
      .toThrow("'servers[0].entry (hostnames)' must be 16 at most behind a Gateway");
  });
});

describe('exposeGateway: the Gateway\'s VIP, whichever backend holds it', () => {
  const withGateway = (make: (chart: Chart) => any) => {
    const { app, chart, routes, entry } = gateway();
    entry.addServer(chart, 'servers[0].entry', server('shop', ['shop.example']), routes('shop'));
    const vips = new Chart(app, 'vips', { namespace: 'kube-system', disableResourceNameHashes: true });
    return { entry, vips, controller: make(vips) };
  };

  test('MetalLB: a pool of the Gateways\' VIPs for any namespace, advertised with the servers\' pool', () => {
    const { entry, vips, controller } = withGateway((c) => new MetalLbVip(c, 'MetalLb', { lanSubnet: LAN }));
    expect(controller.exposeGateway(entry.gateway, VIP, [80, 443])).toEqual({ address: '192.168.1.40', service: 'site-entry/entry', ports: [80, 443], kind: 'Gateway' });
    const pools = ofKind(synth(vips), 'IPAddressPool');
    expect(pools.map((p) => [p.metadata.name, p.spec.addresses, p.spec.serviceAllocation])).toEqual([
      ['vserver-vips', [], { namespaces: [] }],
      ['vserver-vips-gateways', ['192.168.1.40/32'], undefined],
    ]);
  });

  test('kube-vip: the address recorded (the implementation\'s Service asks for it); nothing more emitted', () => {
    const { entry, vips, controller } = withGateway((c) => new KubeVip(c, 'KubeVip', { lanSubnet: LAN }));
    expect(controller.exposeGateway(entry.gateway, VIP, [80, 443]).kind).toBe('Gateway');
    expect(ofKind(synth(vips), 'IPAddressPool')).toEqual([]);
  });

  test('kube-keepalived-vip refuses it, naming the backends that can', () => {
    const { entry, controller } = withGateway((c) => new KeepalivedVip(c, 'Keepalived', { lanSubnet: LAN }));
    expect(() => controller.exposeGateway(entry.gateway, VIP, [80, 443])).toThrow('be published by MetalLB or kube-vip');
  });

  test('a Service given as a Gateway is refused; a VIP taken is refused', () => {
    const { entry, controller } = withGateway((c) => new MetalLbVip(c, 'MetalLb', { lanSubnet: LAN }));
    const service = new ApiObject(entry.gateway.chart, 'Service', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'shop' } });
    expect(() => controller.exposeGateway(service, VIP, [80])).toThrow("'exposeGateway gateway' must be a Gateway, got \"Service/shop\"");
    controller.exposeGateway(entry.gateway, VIP, [80, 443]);
    expect(() => controller.exposeGateway(entry.gateway, VIP, [80, 443])).toThrow("'exposeGateway address' must be a VIP not used yet: it already publishes site-entry/entry");
  });
});
