import {
  containerResources, ImageReference, Ipv4Address, Ipv4Subnet, isDnsLabel, isDnsSubdomain, isHostname, kebabCase, NodeRole,
  requireAbsolutePath, requireDistinctPorts, requireDnsSubdomain, requireEnum, requireHost, requireInteger, requireIpv4Address,
  requireIpv4Subnet, requireNodeRole, requirePinnedImage, requireWholeSeconds, resourceName, SiteError, Warnings,
} from '@cdk8s-vserver/core';
import { Chart, Duration, Testing } from 'cdk8s';
import { Construct } from 'constructs';

describe('Ipv4Address', () => {
  test('parses dotted quads and prints them back', () => {
    expect(Ipv4Address.of('192.168.1.31').toString()).toBe('192.168.1.31');
    expect(Ipv4Address.of('192.168.1.31').problem).toBeUndefined();
    expect(Ipv4Address.of('0.0.0.0').value).toBe(0);
    expect(Ipv4Address.of('255.255.255.255').value).toBe(2 ** 32 - 1);
    expect(Ipv4Address.of('10.0.0.1').equals(Ipv4Address.of('10.0.0.1'))).toBe(true);
  });

  test.each(['', '192.168.1', '192.168.1.256', '192.168.01.1', '1.2.3.4.5', 'nas.test', ' 1.2.3.4', '1.2.3.-4'])(
    'of(%j) never throws and says what is wrong', (text) => {
      const address = Ipv4Address.of(text);
      expect(address.problem).toMatch(/^is not a dotted-quad IPv4 address/);
      expect(address.text).toBe(text);
    });

  test('requireIpv4Address names the construct, prop and value', () => {
    const scope = new Construct(Testing.chart(), 'Vip');
    expect(requireIpv4Address(scope, 'address', Ipv4Address.of('10.0.0.1')).text).toBe('10.0.0.1');
    expect(() => requireIpv4Address(scope, 'address', Ipv4Address.of('10.0.0.256'))).toThrow(
      "[test/Vip] 'address' must be an IPv4 address such as Ipv4Address.of(\"192.168.1.31\"), got \"10.0.0.256\"");
  });
});

describe('Ipv4Subnet', () => {
  const lan = Ipv4Subnet.of('192.168.1.0/24');

  test('contains its addresses and knows network and broadcast', () => {
    expect(lan.problem).toBeUndefined();
    expect(lan.toString()).toBe('192.168.1.0/24');
    expect(lan.size).toBe(256);
    expect(lan.contains(Ipv4Address.of('192.168.1.31'))).toBe(true);
    expect(lan.contains(Ipv4Address.of('192.168.2.31'))).toBe(false);
    expect(lan.isNetworkOrBroadcast(Ipv4Address.of('192.168.1.0'))).toBe(true);
    expect(lan.isNetworkOrBroadcast(Ipv4Address.of('192.168.1.255'))).toBe(true);
    expect(lan.isNetworkOrBroadcast(Ipv4Address.of('192.168.1.1'))).toBe(false);
  });

  test.each([
    ['192.168.1.7/24', 'has host bits set'],
    ['192.168.1.0/33', 'is not CIDR notation'],
    ['192.168.1.0', 'is not CIDR notation'],
    ['192.168.1.0/x', 'is not CIDR notation'],
    ['192.168.1.300/24', 'is not CIDR notation'],
  ])('of(%j) never throws and says what is wrong', (cidr, problem) => {
    expect(Ipv4Subnet.of(cidr).problem).toContain(problem);
  });

  test('requireIpv4Subnet names the construct, prop, value and problem', () => {
    const scope = new Construct(Testing.chart(), 'Vip');
    expect(() => requireIpv4Subnet(scope, 'lanSubnet', Ipv4Subnet.of('192.168.1.7/24'))).toThrow(
      "[test/Vip] 'lanSubnet' must be an IPv4 subnet in CIDR form with no host bits set, such as Ipv4Subnet.of(\"192.168.1.0/24\"); "
      + 'this one has host bits set (the network of /24 would end in zeros), got "192.168.1.7/24"');
  });
});

describe('names', () => {
  test('accepts DNS-1123 labels only', () => {
    expect(isDnsLabel('myweb')).toBe(true);
    expect(isDnsLabel('my-web-2')).toBe(true);
    expect(isDnsLabel('MyWeb')).toBe(false);
    expect(isDnsLabel('')).toBe(false);
    expect(isDnsLabel('-web')).toBe(false);
    expect(isDnsLabel('a'.repeat(63))).toBe(true);
    expect(isDnsLabel('a'.repeat(64))).toBe(false);
  });

  test('accepts DNS-1123 subdomains (Secret names)', () => {
    expect(isDnsSubdomain('myweb-ssh-host-keys')).toBe(true);
    expect(isDnsSubdomain('shared.host-keys')).toBe(true);
    expect(isDnsSubdomain('keys/web')).toBe(false);
    expect(isDnsSubdomain(`${'a'.repeat(64)}.b`)).toBe(false);
  });

  test('tells hostnames from addresses', () => {
    expect(isHostname('nas.test')).toBe(true);
    expect(isHostname('nas')).toBe(true);
    expect(isHostname('192.168.1.10')).toBe(false);
    expect(isHostname('NAS.test')).toBe(false);
    expect(isHostname('nas_1.test')).toBe(false);
  });

  test('kebab-cases construct ids', () => {
    expect(kebabCase('MyWeb')).toBe('my-web');
    expect(kebabCase('HTTPServer2')).toBe('http-server2');
    expect(kebabCase('docroot')).toBe('docroot');
  });

  test('defaults a resource name to the kebab-cased id', () => {
    const scope = new Construct(Testing.chart(), 'MyWeb');
    expect(resourceName(scope, 'name', undefined)).toBe('my-web');
    expect(resourceName(scope, 'name', 'web1')).toBe('web1');
  });

  test('throws naming the construct, prop, value and rule for a bad name', () => {
    const scope = new Construct(Testing.chart(), 'MyWeb');
    expect(() => resourceName(scope, 'name', 'My_Web')).toThrow(
      /^\[test\/MyWeb\] 'name' must be a DNS-1123 label: 1-63 lowercase letters, digits or '-', .* got "My_Web"$/);
    expect(() => resourceName(scope, 'name', 'a'.repeat(64))).toThrow(/\(it has 64 characters\), got "a{64}"/);
  });
});

describe('ImageReference', () => {
  test('splits repository, tag and digest', () => {
    const image = ImageReference.of('master.test:5000/myrepo/httpd:v1');
    expect(image.repository).toBe('master.test:5000/myrepo/httpd');
    expect(image.tag).toBe('v1');
    expect(image.problem).toBeUndefined();
    expect(image.withTag('v2').reference).toBe('master.test:5000/myrepo/httpd:v2');
    const pinned = ImageReference.of(`httpd@sha256:${'a'.repeat(64)}`);
    expect(pinned.digest).toBe(`sha256:${'a'.repeat(64)}`);
    expect(pinned.problem).toBeUndefined();
  });

  test('names the registry it is pulled from: a host with a dot or a port, localhost, else Docker Hub', () => {
    expect(['master.test:5000/myrepo/httpd:v1', 'ghcr.io/headlamp-k8s/headlamp:v0.45.0', 'localhost/vserver/pause:v1', 'registry:5000/httpd:v1',
      'kubernetesui/dashboard:v2.7.0', 'httpd:2.4', `httpd@sha256:${'a'.repeat(64)}`].map((r) => ImageReference.of(r).registry))
      .toEqual(['master.test:5000', 'ghcr.io', 'localhost', 'registry:5000', 'docker.io', 'docker.io', 'docker.io']);
  });

  test.each([
    ['master.test:5000/myrepo/httpd', 'has no tag'],
    ['master.test:5000/myrepo/httpd:latest', "uses the floating tag 'latest'"],
    ['', 'is empty'],
    ['Httpd:v1', 'has an invalid repository name'],
    ['httpd:v 1', 'contains white space'],
    ['httpd@sha256:abc', 'has a malformed digest'],
  ])('says what is wrong with %j', (reference, problem) => {
    expect(ImageReference.of(reference).problem).toContain(problem);
  });

  test('throws naming the construct and prop for an unpinned image', () => {
    const scope = new Construct(Testing.chart(), 'Web');
    expect(() => requirePinnedImage(scope, 'httpdImage', ImageReference.of('httpd:latest'))).toThrow(
      "[test/Web] 'httpdImage' must be an ImageReference with a pinned tag or digest, e.g. "
      + 'ImageReference.of("master.test:5000/myrepo/httpd:v1"); this one uses the floating tag \'latest\', got "httpd:latest"');
  });
});

describe('NodeRole', () => {
  test('renders the role label as a node selector', () => {
    expect(NodeRole.WORKER.nodeSelector).toEqual({ role: 'worker' });
    expect(NodeRole.ROUTER.nodeSelector).toEqual({ role: 'router' });
    expect(NodeRole.ROUTER.toString()).toBe('role=router');
  });

  test('knows only the site roles', () => {
    expect(NodeRole.of('worker')).toBe(NodeRole.WORKER);
    expect(NodeRole.of('worker').problem).toBeUndefined();
    expect(NodeRole.of('storage').problem).toBe("is not a role the site's nodes carry (router, worker)");
    expect(NodeRole.isNodeRole(NodeRole.of('storage'))).toBe(false);
    expect(NodeRole.isNodeRole(NodeRole.ROUTER)).toBe(true);
    expect(NodeRole.isNodeRole({ name: 'worker', nodeSelector: { type: 'worker' } })).toBe(false);
  });
});

describe('checks', () => {
  const scope = () => new Construct(Testing.chart(), 'Web');

  test('throws for a non-integer or too small number', () => {
    expect(() => requireInteger(scope(), 'replicas', 0, 1)).toThrow("[test/Web] 'replicas' must be an integer of at least 1, got 0");
    expect(() => requireInteger(scope(), 'replicas', 1.5, 1)).toThrow("'replicas' must be an integer of at least 1, got 1.5");
    expect(() => requireInteger(scope(), 'vrid', 256, 0, 255)).toThrow("'vrid' must be an integer from 0 to 255, got 256");
    expect(requireInteger(scope(), 'replicas', 3, 1)).toBe(3);
  });

  test('throws for duplicate and out-of-range ports', () => {
    expect(() => requireDistinctPorts(scope(), { httpPort: 80, sshPort: 80 }))
      .toThrow("[test/Web] 'sshPort' must differ from 'httpPort' (80): each port may be used once, got 80");
    expect(() => requireDistinctPorts(scope(), { httpPort: 70000 })).toThrow("'httpPort' must be an integer from 1 to 65535, got 70000");
    expect(() => requireDistinctPorts(scope(), { httpPort: 0 })).toThrow("'httpPort' must be an integer from 1 to 65535, got 0");
  });

  test('requireEnum lists the names a user writes', () => {
    const modes = { 'Mode.A': 'a', 'Mode.B': 'b' } as const;
    expect(requireEnum(scope(), 'mode', 'a', modes)).toBe('a');
    expect(() => requireEnum(scope(), 'mode', 'c' as 'a', modes)).toThrow("[test/Web] 'mode' must be one of Mode.A (\"a\"), Mode.B (\"b\"), got \"c\"");
  });

  test('requireAbsolutePath refuses relative paths, white space and dot segments', () => {
    expect(requireAbsolutePath(scope(), 'path', '/srv/www', '/srv')).toBe('/srv/www');
    for (const bad of ['srv', '/srv/../etc', '/srv/./x', '/my docs', '']) {
      expect(() => requireAbsolutePath(scope(), 'path', bad, '/srv')).toThrow(
        `[test/Web] 'path' must be an absolute path without white space, "." or ".." segments, such as "/srv", got ${JSON.stringify(bad)}`);
    }
  });

  test('requireWholeSeconds takes whole seconds only', () => {
    expect(requireWholeSeconds(scope(), 'delay', Duration.minutes(1))).toBe(60);
    expect(() => requireWholeSeconds(scope(), 'delay', Duration.millis(1500))).toThrow(
      "[test/Web] 'delay' must be a Duration of whole seconds, at least 0, such as Duration.seconds(30), got \"1.5 s\"");
  });

  test('requireDnsSubdomain and requireHost', () => {
    expect(requireDnsSubdomain(scope(), 'secret', 'a.b-c', 'x')).toBe('a.b-c');
    expect(() => requireDnsSubdomain(scope(), 'secret', 'A_b', 'my-secret')).toThrow(
      "[test/Web] 'secret' must be a DNS-1123 subdomain of lowercase letters, digits, '-' and '.', such as \"my-secret\", got \"A_b\"");
    expect(requireHost(scope(), 'server', 'nas.test')).toBe('nas.test');
    expect(requireHost(scope(), 'server', '192.168.1.10')).toBe('192.168.1.10');
    expect(() => requireHost(scope(), 'server', '192.168.1.300')).toThrow(/'server' must be a hostname \(such as "nas.test"\) or an IPv4 address/);
  });

  test('requireNodeRole takes the site roles only', () => {
    expect(requireNodeRole(scope(), 'nodeRole', NodeRole.WORKER)).toBe(NodeRole.WORKER);
    const lookalike = { name: 'worker', nodeSelector: { type: 'worker' } } as unknown as NodeRole;
    expect(() => requireNodeRole(scope(), 'nodeRole', lookalike)).toThrow(
      /^\[test\/Web\] 'nodeRole' must be one of the site's node roles: NodeRole.ROUTER \(role=router\), NodeRole.WORKER \(role=worker\), got/);
  });

  test('errors are SiteErrors', () => {
    expect(() => requireInteger(scope(), 'replicas', 0, 1)).toThrow(SiteError);
  });
});

describe('containerResources', () => {
  test('always sets both requests and limits of CPU and memory', () => {
    const r = containerResources('50m', '64Mi', '500m', '256Mi');
    const values = (q?: Record<string, { value: unknown }>) => Object.fromEntries(Object.entries(q ?? {}).map(([k, v]) => [k, v.value]));
    expect({ requests: values(r.requests), limits: values(r.limits) })
      .toEqual({ requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } });
  });
});

describe('Warnings', () => {
  test('collects warnings with their construct path', () => {
    const chart = Testing.chart();
    const a = new Construct(chart, 'A');
    Warnings.of(a).add('port 22 clashes');
    expect(Warnings.collect(chart)).toEqual(['[test/A] port 22 clashes']);
  });
});

describe('Warnings', () => {
  test('records a message once per construct, however often a check adds it (negative control: another message is kept)', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'c');
    Warnings.of(chart).add('one');
    Warnings.of(chart).add('one');
    Warnings.of(chart).add('two');
    expect(Warnings.collect(app)).toEqual(['[c] one', '[c] two']);
  });
});
