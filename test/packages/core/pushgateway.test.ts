import { k8s, Pushgateway, requirePushgateway } from '@cdk8s-vserver/core';
import { Chart, Testing } from 'cdk8s';

const scope = () => new Chart(Testing.app(), 'jobs');
const resolve = (gateway: Pushgateway) => requirePushgateway(scope(), 'pushgateway', gateway);

describe('Pushgateway', () => {
  test('at an address: its URL without a trailing slash, and a rule out to that address and port alone', () => {
    expect(resolve(Pushgateway.at('http://192.168.1.10:9091/'))).toEqual({
      url: 'http://192.168.1.10:9091',
      scheme: 'http',
      target: '192.168.1.10:9091',
      port: 9091,
      egress: [{ to: [{ ipBlock: { cidr: '192.168.1.10/32' } }], ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(9091) }] }],
    });
    // the scheme's port when none is written
    expect(resolve(Pushgateway.at('https://192.168.1.10'))).toMatchObject({ port: 443, scheme: 'https', target: '192.168.1.10:443' });
  });

  test("in the cluster: its pods in its namespace, on the URL's port, and the cluster's DNS for its Service's name", () => {
    const gateway = Pushgateway.inCluster({
      url: 'http://prometheus-pushgateway.monitoring.svc:9091',
      podLabels: { 'app.kubernetes.io/name': 'prometheus-pushgateway' },
      namespace: 'monitoring',
    });
    expect(gateway.inCluster).toBe(true);
    const resolved = resolve(gateway);
    expect(resolved.url).toBe('http://prometheus-pushgateway.monitoring.svc:9091');
    expect(resolved.egress[0]).toEqual({
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus-pushgateway' } } }],
      ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(9091) }],
    });
    expect(resolved.egress[1].ports!.map((p) => `${p.protocol} ${p.port!.value}`)).toEqual(['UDP 53', 'TCP 53']);
    // negative control: an address needs no DNS
    expect(resolve(Pushgateway.at('http://192.168.1.10:9091')).egress).toHaveLength(1);
  });

  test.each([
    ['a host:port with no scheme', Pushgateway.at('192.168.1.10:9091'),
      "[jobs] 'pushgateway.url' must be the Pushgateway's http(s) URL with no path, user or query, such as \"http://192.168.1.10:9091\", got \"192.168.1.10:9091\""],
    ['a path (the push API is the gateway\'s own)', Pushgateway.at('http://192.168.1.10:9091/metrics/job/x'), "'pushgateway.url' must be the Pushgateway's http(s) URL with no path"],
    ['credentials in the URL (they would be in every pod spec)', Pushgateway.at('http://admin:secret@192.168.1.10:9091'), "'pushgateway.url' must be the Pushgateway's http(s) URL with no path, user"],
    ['a name outside the cluster (a NetworkPolicy takes addresses)', Pushgateway.at('http://metrics.lan:9091'),
      "[jobs] 'pushgateway.url' must have an IPv4 address for its host (the jobs' NetworkPolicy lets them reach that address alone), such as \"http://192.168.1.10:9091\"; "
      + 'a Pushgateway in the cluster is Pushgateway.inCluster({ url, podLabels, namespace }), got "http://metrics.lan:9091"'],
    ['pods named by no label', Pushgateway.inCluster({ url: 'http://pg.monitoring.svc:9091', podLabels: {}, namespace: 'monitoring' }),
      "[jobs] 'pushgateway.podLabels' must name the Pushgateway pods' labels"],
    ['a label value Kubernetes refuses', Pushgateway.inCluster({ url: 'http://pg.monitoring.svc:9091', podLabels: { app: 'push gateway' }, namespace: 'monitoring' }),
      "[jobs] 'pushgateway.podLabels (label app)' must be usable as the label app"],
    ['a namespace that is no name', Pushgateway.inCluster({ url: 'http://pg.monitoring.svc:9091', podLabels: { app: 'pg' }, namespace: 'Monitoring' }),
      "[jobs] 'pushgateway.namespace' must be a DNS-1123 label"],
  ])('refuses %s, naming the prop and the value', (_what, gateway, message) => {
    expect(() => resolve(gateway)).toThrow(message);
  });

  test('refuses what is no Pushgateway', () => {
    expect(() => resolve('http://192.168.1.10:9091' as unknown as Pushgateway))
      .toThrow("[jobs] 'pushgateway' must be Pushgateway.at(\"http://192.168.1.10:9091\") or Pushgateway.inCluster({ url, podLabels, namespace }), got \"http://192.168.1.10:9091\"");
  });
});
