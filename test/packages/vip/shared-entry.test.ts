import { AppChecks, ImageReference, NodeRole, restrictedViolations, Warnings } from '@cdk8s-vserver/core';
import { EntryServerOptions, SharedEntry, SharedEntryProps } from '@cdk8s-vserver/vip';
import { Chart, Testing } from 'cdk8s';
import { find, ofKind, synth } from '../../support';

const IMAGE = ImageReference.of('master.test:5000/myrepo/entry:v1');

function entry(props: Partial<SharedEntryProps> = {}) {
  const app = Testing.app();
  AppChecks.of(app).allowExternalNamespace('site-entry');
  const chart = new Chart(app, 'entry', { namespace: 'site-entry', disableResourceNameHashes: true });
  return { app, chart, entry: new SharedEntry(chart, 'Entry', { image: IMAGE, ...props }) };
}

const server = (name: string, hostnames: string[], more: Partial<EntryServerOptions> = {}): EntryServerOptions => ({
  name,
  namespace: name,
  hostnames,
  httpProxyPort: 8180,
  httpsProxyPort: 8543,
  sshServicePort: 22,
  sshTargetPort: 2222,
  podLabels: { 'app.kubernetes.io/name': 'web-ssh-server', 'app.kubernetes.io/instance': name },
  ...more,
});

describe('SharedEntry: haproxy on one VIP for many servers', () => {
  const { chart, entry: e } = entry();
  const shop = e.addServer(chart, 'servers[0].entry', server('shop', ['shop.example', 'WWW.shop.example'], { sshPort: 2201 }));
  e.addServer(chart, 'servers[1].entry', server('blog', ['*.blog.example'], { httpsProxyPort: undefined, clusterIp: '10.96.0.61' }));
  const manifests = synth(chart);
  const deployment = find(manifests, 'Deployment', 'entry');
  const pod = deployment.spec.template.spec;
  const main = find(manifests, 'ConfigMap', 'entry').data;
  const servers = find(manifests, 'ConfigMap', 'entry-servers-001').data;

  test('two restricted pods of the pinned image, on the routers, spread, one new before one old goes, stopping softly', () => {
    expect(deployment.spec).toMatchObject({
      replicas: 2,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
    });
    expect(pod.nodeSelector).toEqual({ role: 'router' });
    expect(pod.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey).toBe('kubernetes.io/hostname');
    expect(restrictedViolations(pod)).toEqual([]);
    expect(pod.containers[0]).toMatchObject({ image: IMAGE.reference, securityContext: { runAsUser: 65534, readOnlyRootFilesystem: true } });
    expect(pod.containers[0].lifecycle.preStop.exec.command).toEqual(['sleep', '5']);
    // the preStop sleep, haproxy's hard-stop-after, and room to exit
    expect(pod.terminationGracePeriodSeconds).toBe(40);
    expect(main['haproxy.cfg']).toContain('hard-stop-after 30s');
    expect(pod.containers[0].readinessProbe.httpGet).toEqual({ path: '/healthz', port: 8404, scheme: 'HTTP' });
    expect(find(manifests, 'PodDisruptionBudget', 'entry').spec.minAvailable).toBe(1);
  });

  test('the Service: 80, 443 and each server\'s SSH port', () => {
    expect(find(manifests, 'Service', 'entry').spec.ports).toEqual([
      { name: 'http', port: 80, targetPort: 8080 },
      { name: 'https', port: 443, targetPort: 8443 },
      { name: 'ssh-2201', port: 2201, targetPort: 2201 },
    ]);
    expect(shop).toEqual({ peer: { namespaceSelector: {}, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'shared-entry', 'app.kubernetes.io/instance': 'entry' } } }, sshPort: 2201 });
  });

  test('routes by name: exact names in maps, lowercased; a wildcard by its suffix after them; HTTPS only for servers that serve it', () => {
    expect(Object.keys(servers).sort()).toEqual(['http-001.map', 'http-wildcard-001.map', 'https-001.map', 'servers-001.cfg']);
    expect(servers['http-001.map']).toBe('shop.example shop.shop.http\nwww.shop.example shop.shop.http\n');
    expect(servers['https-001.map']).toBe('shop.example shop.shop.https\nwww.shop.example shop.shop.https\n');
    expect(servers['http-wildcard-001.map']).toBe('^[^.]+\\.blog\\.example$ blog.blog.http\n');
    const cfg: string = main['haproxy.cfg'];
    // (not `accept`: it would end the rules before the lookup)
    expect(cfg).toContain('  tcp-request content reject unless { req.ssl_hello_type 1 }\n  tcp-request content set-var(txn.sni) req.ssl_sni,lower\n'
      + '  tcp-request content set-var(txn.backend) var(txn.sni),map_str(/etc/haproxy/https-001.map) unless { var(txn.backend) -m found }\n');
    expect(cfg).toContain('  http-request set-var(txn.backend) var(txn.host),map_reg(/etc/haproxy/http-wildcard-001.map) unless { var(txn.backend) -m found }\n');
    const backends: string = servers['servers-001.cfg'];
    expect(backends).toContain('backend shop.shop.https\n  mode tcp\n  server shop shop.shop.svc.cluster.local:8543 resolvers cluster init-addr last,libc,none send-proxy-v2\n');
    // a fixed cluster IP: no DNS for that server
    expect(backends).toContain('backend blog.blog.http\n  mode http\n  server blog 10.96.0.61:8180 send-proxy-v2\n');
    expect(backends).not.toContain('blog.blog.https');
    // SSH by port, no PROXY header (sshd does not read one)
    expect(backends).toContain('frontend ssh-2201\n  mode tcp\n  bind :2201\n  default_backend shop.shop.ssh\n');
    expect(backends).toContain('  server shop shop.shop.svc.cluster.local:22 resolvers cluster init-addr last,libc,none\n');
  });

  test('an unknown name: a 404 "no such site" on HTTP, a closed connection on HTTPS (never another customer\'s site)', () => {
    const cfg: string = main['haproxy.cfg'];
    expect(cfg).toContain('  default_backend no-such-site\n');
    expect(cfg).toContain('backend no-such-site\n  mode http\n  http-request return status 404');
    expect(cfg).toContain('backend no-such-site-tls\n  mode tcp\n  tcp-request content reject\n');
  });

  test('200 servers to a ConfigMap (each far below kubectl apply\'s 256 KiB), all in one folder; every exact name looked up before any wildcard', () => {
    const { chart: c, entry: big } = entry();
    for (let i = 0; i < 401; i++) {
      big.addServer(c, `servers[${i}].entry`, server(`s${i}`, i === 0 ? ['*.wild.example'] : [`s${i}.example`], { sshPort: 10000 + i }));
    }
    const objects = synth(c);
    const maps = ofKind(objects, 'ConfigMap');
    expect(maps.map((m) => m.metadata.name)).toEqual(['entry', 'entry-servers-001', 'entry-servers-002', 'entry-servers-003']);
    expect(maps.map((m) => (m.data['servers-001.cfg'] ?? m.data['servers-002.cfg'] ?? m.data['servers-003.cfg'] ?? '').match(/^backend .*\.http$/gm)?.length ?? 0))
      .toEqual([0, 200, 200, 1]);
    for (const m of maps) expect(JSON.stringify(m).length).toBeLessThan(256 * 1024 / 2);
    expect(find(objects, 'Deployment', 'entry').spec.template.spec.volumes[0].projected.sources.map((p: any) => p.configMap.name))
      .toEqual(['entry', 'entry-servers-001', 'entry-servers-002', 'entry-servers-003']);
    expect(find(objects, 'Deployment', 'entry').spec.template.spec.containers[0].args).toEqual(['-W', '-db', '-f', '/etc/haproxy/']);
    const lookups = maps[0].data['haproxy.cfg'].split('\n').filter((l: string) => l.startsWith('  http-request set-var(txn.backend)'));
    expect(lookups.map((l: string) => l.match(/map_(?:str|reg)\(\/etc\/haproxy\/([^)]+)\)/)![1]))
      .toEqual(['http-001.map', 'http-002.map', 'http-003.map', 'http-wildcard-001.map']);
  });

  test('a new configuration rolls the pods out (its hash on the template), the same one does not', () => {
    const hash = deployment.spec.template.metadata.annotations['cdk8s-vserver.io/config-sha256'];
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    const again = entry();
    again.entry.addServer(again.chart, 'x', server('shop', ['shop.example', 'WWW.shop.example'], { sshPort: 2201 }));
    again.entry.addServer(again.chart, 'x', server('blog', ['*.blog.example'], { httpsProxyPort: undefined, clusterIp: '10.96.0.61' }));
    expect(find(synth(again.chart), 'Deployment', 'entry').spec.template.metadata.annotations['cdk8s-vserver.io/config-sha256']).toBe(hash);
    const more = entry();
    more.entry.addServer(more.chart, 'x', server('shop', ['shop.example']));
    expect(find(synth(more.chart), 'Deployment', 'entry').spec.template.metadata.annotations['cdk8s-vserver.io/config-sha256']).not.toBe(hash);
  });

  test('its NetworkPolicy: visitors in on its own ports; out to each server\'s PROXY listeners and sshd, and DNS for the names', () => {
    const policy = find(manifests, 'NetworkPolicy', 'entry');
    expect(policy.spec.ingress).toEqual([{ ports: [8080, 8443, 2201].map((port) => ({ protocol: 'TCP', port })) }]);
    expect(policy.spec.egress.map((rule: any) => rule.ports.map((p: any) => p.port))).toEqual([[53, 53], [8180, 8543, 2222], [8180]]);
    expect(policy.spec.egress[1].to).toEqual([{ namespaceSelector: {}, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'web-ssh-server', 'app.kubernetes.io/instance': 'shop' } } }]);
  });

  test('one replica warns: every site behind it is down while its pod moves', () => {
    const { entry: one } = entry({ replicas: 1 });
    expect(Warnings.collect(one).join('\n')).toContain("'replicas' is 1: every site behind the entry is down");
  });

  test('on the workers when asked', () => {
    const { chart: c } = entry({ nodeRole: NodeRole.WORKER });
    expect(find(synth(c), 'Deployment', 'entry').spec.template.spec.nodeSelector).toEqual({ role: 'worker' });
  });
});

describe('refused at synth, naming both declarations', () => {
  const two = (first: Partial<EntryServerOptions>, second: Partial<EntryServerOptions>) => () => {
    const { chart, entry: e } = entry();
    e.addServer(chart, 'servers[0].entry', server('shop', ['shop.example'], first));
    e.addServer(chart, 'servers[1].entry', server('blog', ['blog.example'], second));
  };
  test.each<[string, () => unknown, string]>([
    ['a hostname on two servers', two({}, { hostnames: ['Shop.example'] }),
      "[entry] 'servers[1].entry (hostnames[0])' must differ from every other server's behind the entry: servers[0].entry (entry) has \"shop.example\", "
      + 'and the entry cannot tell whose site a visitor asked for'],
    ['a wildcard that takes another server\'s name', two({}, { hostnames: ['*.example'] }),
      "'servers[1].entry (hostnames[0])' must differ from every other server's behind the entry: servers[0].entry (entry) has \"shop.example\", which this wildcard would take"],
    ['a name under another server\'s wildcard', two({ hostnames: ['*.example'] }, { hostnames: ['blog.example'] }),
      'servers[0].entry (entry) has "*.example", a wildcard that takes this name'],
    ['an SSH port used twice', two({ sshPort: 2201 }, { sshPort: 2201 }),
      "[entry] 'servers[1].entry.sshPort' must differ from every other server's: servers[0].entry (entry) has it"],
    ['the router\'s own SSH port', two({ sshPort: 22 }, {}), "'servers[0].entry.sshPort' must be an integer from 1024 to 65535"],
    ['one of the entry\'s own ports', two({ sshPort: 8443 }, {}), "'servers[0].entry.sshPort' must be none of the entry's own ports (8080, 8443, 8404)"],
    ['a server without hostnames', two({ hostnames: [] }, {}), "'servers[0].entry (hostnames)' must list the hostnames of a server behind the shared entry"],
    ['an image that moves', () => entry({ image: ImageReference.of('master.test:5000/myrepo/entry:latest') }), "[entry/Entry] 'image' must"],
    ['no pods', () => entry({ replicas: 0 }), "[entry/Entry] 'replicas' must be an integer from 1 to 20"],
    ['a cluster domain that is no name', () => entry({ clusterDomain: 'Cluster_Local' }), "[entry/Entry] 'clusterDomain' must be a DNS-1123 subdomain"],
  ])('%s', (_what, make, message) => {
    expect(make).toThrow(message);
  });

  test('negative control: two servers with names of their own, and a wildcard beside a deeper name, are accepted', () => {
    expect(two({ hostnames: ['*.example'] }, { hostnames: ['www.blog.example'] })).not.toThrow();
  });
});
