import { ImageReference, Ipv4Address, OperatorContract, Warnings } from '@cdk8s-vserver/core';
import { DatabaseEngine, HostingSite, HostingSiteProps, SiteFacts, siteDiagram, VirtualServerSpec } from '@cdk8s-vserver/hosting';
import { DatabaseVolume, MariaDbOperatorDatabase, SiteDatabase } from '@cdk8s-vserver/storage';
import { KeepalivedVip, KubeVip, MetalLbVip, VipBackend } from '@cdk8s-vserver/vip';
import { Hsts, PhpVersion, ServerCertificate } from '@cdk8s-vserver/web-ssh-server';
import { Chart, Duration, Size, Testing } from 'cdk8s';
import { LAB } from '../../../apps/lab/site';
import { find, ofKind, synth } from '../../support';

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
    const { app } = site((lab) => ({ ...lab, facts: { ...lab.facts, routers: ['node0', 'node4'] } }));
    app.synth();
    expect(Warnings.collect(app).filter((w) => w.includes('routers'))).toEqual([]);
  });

  test('one router: a warning that the VIPs have no failover', () => {
    const { app } = site((lab) => ({ ...lab, facts: { ...lab.facts, routers: ['node0'] } }));
    expect(Warnings.collect(app).filter((w) => w.includes('routers'))).toEqual([
      "[Site] 'facts.routers' names one router node (node0): when it fails, every VIP goes with it. Label a second node role=router and "
      + 'add it to facts.routers (docs/vip.md, "Two routers").',
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

describe('HTTPS in the declaration', () => {
  const second: VirtualServerSpec = { name: 'shop', address: Ipv4Address.of('192.168.1.32'), version: 'v1', hostnames: ['shop.example.org'] };
  const acme = ServerCertificate.acme({ contactEmail: 'webmaster@master.test' });
  const withServer = (server: Partial<VirtualServerSpec>, facts: Partial<SiteFacts> = {}) => (lab: HostingSiteProps) => ({
    ...lab,
    facts: { ...lab.facts, certificate: acme, ...facts },
    servers: [...lab.servers.map((s) => ({ ...s, hostnames: ['www.myweb.test', 'myweb.test'] })), { ...second, ...server }],
  });

  test("a server with hostnames takes the site's certificate: an ACME store of its own beside the docroots, never inside one", () => {
    const { site: s } = site(withServer({}));
    expect(s.server('shop').certificate).toBe(acme);
    const docroots = synth(s.docrootChart!);
    expect(find(docroots, 'PersistentVolume', 'shop-acme-pv').spec.nfs).toEqual({ server: 'nas.test', path: '/export/web/.acme/shop' });
    expect(find(docroots, 'PersistentVolumeClaim', 'shop-acme').spec.accessModes).toEqual(['ReadWriteMany']);
  });

  test('its own certificate wins; a server without hostnames serves HTTP only, with a warning', () => {
    const { site: s, app } = site(withServer({ certificate: ServerCertificate.fromSecret('shop-bought') }));
    expect(s.server('shop').tlsSecret).toBe('shop-bought');
    expect(ofKind(synth(s.docrootChart!), 'PersistentVolume').map((pv) => pv.metadata.name)).not.toContain('shop-acme-pv');
    const plain = site(withServer({ hostnames: undefined }));
    expect(plain.site.server('shop').certificate).toBeUndefined();
    expect(Warnings.collect(plain.app)).toContainEqual(expect.stringMatching(/^\[web\/Shop\] serves no HTTPS:/));
    // (the lab's server, its HSTS taken away with the site's certificate)
    const named = site((lab) => {
      const props = withServer({ certificate: undefined }, { certificate: undefined })(lab);
      return { ...props, servers: [{ ...props.servers[0], hsts: undefined }, ...props.servers.slice(1)] };
    });
    expect(Warnings.collect(named.app)).toContainEqual(expect.stringMatching(/^\[web\/Shop\] serves no HTTPS for shop.example.org: .* Give it a 'certificate'/));
    expect(Warnings.collect(app).filter((w) => w.includes('serves no HTTPS'))).toEqual([]);
  });

  test.each([
    ['a hostname that is not a DNS name', withServer({ hostnames: ['shop_example.org'] }),
      "[Site] 'servers[1].hostnames[0]' must be a DNS name such as \"www.example.org\" (this one is not a DNS name"],
    ['an IP address as hostname', withServer({ hostnames: ['192.168.1.32'] }), "[Site] 'servers[1].hostnames[0]' must be a DNS name such as \"www.example.org\" (this one is an IP address"],
    ['one hostname on two servers', withServer({ hostnames: ['myweb.test'] }),
      "[Site] 'servers[1].hostnames[0]' must differ from servers[0].hostnames[1]: one name points at one address, and is served by one server"],
    ['a wildcard hostname with the site\'s ACME', withServer({ hostnames: ['*.shop.example.org'] }),
      "[Site] 'facts.certificate (for servers[1])' must not be ACME in the server for a wildcard hostname"],
    ['ACME without a contact email', withServer({ certificate: ServerCertificate.acme({ contactEmail: 'nobody' }) }),
      "[Site] 'servers[1].certificate contactEmail' must be an email address"],
    ['a directory URL that is not https', withServer({}, { certificate: ServerCertificate.acme({ contactEmail: 'a@b.org', directory: 'http://ca.test/dir' }) }),
      "[Site] 'facts.certificate (for servers[0]) directory' must be the https:// URL of an ACME directory"],
    ['a cert-manager issuer without a name', withServer({ certificate: ServerCertificate.certManager({ issuer: '' }) }),
      "[Site] 'servers[1].certificate issuer' must name the cert-manager Issuer or ClusterIssuer"],
    ['a Secret name that is not a DNS name', withServer({ certificate: ServerCertificate.fromSecret('Shop TLS') }),
      "[Site] 'servers[1].certificate' must be a DNS-1123 subdomain"],
    ['a certificate without hostnames', withServer({ hostnames: undefined, certificate: ServerCertificate.fromSecret('shop-tls') }),
      "[Site] 'servers[1].hostnames' must list the DNS names the Secret certificate of servers[1].certificate covers"],
    ['HSTS without HTTPS', withServer({ hostnames: undefined, hsts: Hsts.maxAge(Duration.days(1)) }),
      "[Site] 'servers[1].hsts' must be left out while servers[1] serves no HTTPS"],
    ['HSTS without HTTPS, in the deprecated overrides', withServer({ hostnames: undefined, overrides: { hsts: Hsts.maxAge(Duration.days(1)) } }),
      "[Site] 'servers[1].overrides.hsts' must be left out while servers[1] serves no HTTPS"],
    ['an ACME store root inside a docroot', withServer({}, { nas: { ...LAB.facts.nas, acmeStoreRoot: '/export/web/shop/.acme' } }),
      "[Site] 'facts.nas.acmeStoreRoot' must not overlap another folder the site mounts: the ACME store of myweb"],
  ])('refuses %s, naming the declaration\'s path', (_what, change, message) => {
    expect(() => site(change)).toThrow(message);
  });
});

describe('placement', () => {
  test('in a Chart, as cdk8s\'s app template puts constructs: the site\'s charts are still the App\'s own, and the output the same', () => {
    const inApp = Testing.app();
    new HostingSite(inApp, 'Site', LAB);
    const inChart = Testing.app();
    const main = new Chart(inChart, 'main');
    new HostingSite(main, 'Site', LAB);
    expect(inChart.charts.map((c) => c.node.id)).toEqual(['main', ...inApp.charts.map((c) => c.node.id)]);
    expect(inChart.synthYaml()).toBe(inApp.synthYaml());
  });
});

describe('a server entry is WebSshServer\'s props less what the site supplies', () => {
  const hsts = Hsts.maxAge(Duration.days(30));
  const headerOf = (props: HostingSiteProps) => {
    const { site: built } = site(() => props);
    return built.server('myweb').httpd.env?.find((e) => e.name === 'HSTS')?.value;
  };

  test('a prop on the entry reaches the server; 0.9.0\'s overrides still do, with a warning naming the entry (negative control: none without)', () => {
    const flat = { ...LAB, servers: [{ ...LAB.servers[0], hsts }] };
    const old = { ...LAB, servers: [{ ...LAB.servers[0], hsts: undefined, overrides: { hsts } }] };
    expect(headerOf(flat)).toBe('max-age=2592000');
    expect(headerOf(old)).toBe('max-age=2592000');
    const warned = (props: HostingSiteProps) => Warnings.collect(site(() => props).app).filter((w) => w.includes('is deprecated'));
    expect(warned(old)).toEqual(["[Site] 'servers[0].overrides' is deprecated: write its props on the entry itself (hsts: ...), as the CHANGELOG of 0.10.0 shows."]);
    expect(warned(flat)).toEqual([]);
  });
});

describe('PHP and cron jobs on a server entry', () => {
  const withPhp = (server: Partial<VirtualServerSpec>) => (lab: HostingSiteProps) =>
    ({ ...lab, servers: [{ ...lab.servers[0], ...server }, ...lab.servers.slice(1)] });

  test("php takes its image from the site's registry, named after the release, tagged with the server's version", () => {
    const { site: s } = site(withPhp({ php: { version: PhpVersion.V8_4, frontController: true }, cron: [{ schedule: '*/15 * * * *', command: 'php wp-cron.php', name: 'wp-cron' }] }));
    const server = s.server('myweb');
    expect(server.php?.image).toBe('master.test:5000/myrepo/php8.4-fpm:v1');
    expect(server.cronJobs.map((c) => c.name)).toEqual(['myweb-wp-cron']);
    expect(server.httpd.env).toContainEqual({ name: 'PHP_FRONT_CONTROLLER', value: 'true' });
  });

  test('a static server entry has no php container (negative control)', () => {
    expect(site().site.server('myweb').php).toBeUndefined();
  });

  test.each<[string, Partial<VirtualServerSpec>, string]>([
    ['a cron job on a server without php', { cron: [{ schedule: '@hourly', command: 'php wp-cron.php' }] },
      "[Site] 'servers[0].cron[0].command' must run on a server with PHP: the cron jobs run in the server's PHP image."],
    ['a schedule Kubernetes refuses', { php: { version: PhpVersion.V8_4 }, cron: [{ schedule: 'every 5 minutes', command: 'php wp-cron.php' }] },
      "[Site] 'servers[0].cron[0].schedule' must be a schedule Kubernetes' CronJob accepts"],
    ['an unknown time zone', { php: { version: PhpVersion.V8_4, timezone: 'Tokio' } }, "[Site] 'servers[0].php.timezone' must be an IANA time zone"],
    ['no release', { php: {} as any }, "[Site] 'servers[0].php.version' must be a PhpVersion the project builds an image of: PhpVersion.V8_4, got undefined"],
  ])('refused with the entry\'s path: %s', (_what, server, message) => {
    expect(() => site(withPhp(server))).toThrow(message);
  });
});

describe('facts.database and a server entry\'s database', () => {
  const volume = DatabaseVolume.local({ node: 'node1', path: '/srv/mariadb', size: Size.gibibytes(20) });
  const claim = DatabaseVolume.claim({ storageClassName: 'longhorn', size: Size.gibibytes(20) });
  const withDb = (server: Partial<VirtualServerSpec>, facts: Partial<SiteFacts> = { database: { volume, version: 'v1' } }) => (lab: HostingSiteProps) => ({
    ...lab, facts: { ...lab.facts, ...facts }, servers: [{ ...lab.servers[0], ...server }, ...lab.servers.slice(1)],
  });
  const php = { version: PhpVersion.V8_4 };

  test("the site's MariaDB in a namespace of its own, before the servers; the server's PHP gets its database", () => {
    const { site: s } = site(withDb({ php, database: true }));
    expect(s.database?.namespace).toBe('lab-database');
    expect((s.database as SiteDatabase).statefulSet.name).toBe('mariadb');
    const env = s.server('myweb').php?.env ?? [];
    expect(env).toContainEqual({ name: 'DB_NAME', value: 'myweb' });
    expect(env).toContainEqual({ name: 'DB_HOST', value: 'mariadb.lab-database.svc' });
    expect(env).toContainEqual({ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'myweb-database', key: 'password' } } });
    expect((s.database as SiteDatabase).jobs.has('myweb')).toBe(true);
  });

  test('with DatabaseEngine.mariaDbOperator(): its MariaDB, and the customer\'s Database, User and Grant, in the database\'s chart; the same binding', () => {
    const { site: s } = site(withDb({ php, database: true }, { database: { volume: claim, engine: DatabaseEngine.mariaDbOperator() } }));
    expect(s.database).toBeInstanceOf(MariaDbOperatorDatabase);
    const objects = synth(s.databaseChart!);
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['MariaDB/mariadb', 'NetworkPolicy/mariadb', 'Database/myweb', 'User/myweb', 'Grant/myweb']);
    expect(s.server('myweb').php?.env).toContainEqual({ name: 'DB_HOST', value: 'mariadb.lab-database.svc' });
    expect(s.server('myweb').php?.env).toContainEqual({ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'myweb-database', key: 'password' } } });
    // the picture draws it on the workers, on its class's claims (the built-in's StatefulSet is drawn as any workload)
    expect(siteDiagram(objects)).toContain('"MariaDB:lab-database:mariadb" [label="MariaDB lab-database/mariadb (1 pod, run by mariadb-operator)"');
    expect(siteDiagram(objects)).toContain('"MariaDB:lab-database:mariadb" -> "StorageClass:longhorn"');
  });

  test('a site without facts.database has no database (negative control)', () => {
    expect(site(withDb({ php }, {})).site.database).toBeUndefined();
  });

  test.each<[string, Partial<VirtualServerSpec>, Partial<SiteFacts>, string]>([
    ['a database on a site without one', { php, database: true }, {},
      "[Site] 'servers[0].database' must be left out on a site without a database: declare facts.database"],
    ['a database without php', { database: true }, { database: { volume, version: 'v1' } },
      "[Site] 'servers[0].database' must be given with 'php' (PHP is what connects to it)"],
    ['an image tag that moves', { php, database: true }, { database: { volume, version: 'latest' } },
      "[Site] 'facts.database.version' must be a pinned tag of the database's image"],
    ['the servers\' namespace for the database', { php, database: true }, { database: { volume, version: 'v1', namespace: 'default' } },
      "[Site] 'facts.database.namespace' must be a namespace of the database's own"],
    ['a database name MariaDB would need quoted', { php, database: { name: 'my-web' } }, { database: { volume, version: 'v1' } },
      "[Site] 'servers[0].database.name' must be a database name of 1-64 lowercase letters, digits or '_'"],
    ['no image tag for the site\'s own database', { php, database: true }, { database: { volume } },
      "[Site] 'facts.database.version' must be a pinned tag of the database's image, such as \"v1\" (this one is missing), got undefined"],
    ['an engine that is none', { php, database: true }, { database: { volume, version: 'v1', engine: 'mariadb-operator' as any } },
      "[Site] 'facts.database.engine' must be DatabaseEngine.SITE or DatabaseEngine.mariaDbOperator(), got \"mariadb-operator\""],
    ['mariadb-operator with a tag of this project\'s image', { php, database: true }, { database: { volume: claim, engine: DatabaseEngine.mariaDbOperator(), version: 'v1' } },
      "[Site] 'facts.database.version' must be left out with DatabaseEngine.mariaDbOperator(): it runs upstream's MariaDB image"],
    ['mariadb-operator with a fixed cluster IP', { php, database: true },
      { database: { volume: claim, engine: DatabaseEngine.mariaDbOperator(), clusterIp: Ipv4Address.of('10.96.0.53') } },
      "[Site] 'facts.database.clusterIp' must be left out with DatabaseEngine.mariaDbOperator(): the Service mariadb-operator makes takes no fixed cluster IP"],
    ['mariadb-operator on a local volume', { php, database: true }, { database: { volume, engine: DatabaseEngine.mariaDbOperator() } },
      "[Site] 'facts.database.volume' must be DatabaseVolume.claim({ storageClassName, size }): mariadb-operator makes its volume from a storage class"],
  ])('refused with the path: %s', (_what, server, facts, message) => {
    expect(() => site(withDb(server, facts))).toThrow(message);
  });

  test('two customers asking for one database name: the second is refused, naming the first', () => {
    const second: VirtualServerSpec = { ...LAB.servers[0], name: 'blog', address: Ipv4Address.of('192.168.1.35'), docroot: undefined, hostnames: undefined, hsts: undefined, php, database: { name: 'myweb' } };
    expect(() => site((lab) => ({ ...withDb({ php, database: true })(lab), servers: [{ ...lab.servers[0], php, database: true }, second] })))
      .toThrow("[Site] 'servers[1].database.name' must differ from every other customer's: servers[0].database (Site) has database \"myweb\" on mariadb");
  });
});

describe('facts.entry: many servers behind one address', () => {
  const entryFacts = { address: Ipv4Address.of('192.168.1.40'), version: 'v1' };
  const shop: VirtualServerSpec = { name: 'shop', version: 'v1', entry: { sshPort: 2201 }, hostnames: ['www.shop.test'] };
  const behind = (servers: VirtualServerSpec[], facts: Partial<SiteFacts> = { entry: entryFacts }) => (lab: HostingSiteProps) => ({
    ...lab, facts: { ...lab.facts, ...facts }, servers: [...lab.servers, ...servers],
  });

  test('the entry in its own namespace, published on its VIP; a server behind it has no VIP of its own, and PROXY listeners only the entry reaches', () => {
    const { site: s } = site(behind([shop, { ...shop, name: 'blog', entry: true, hostnames: ['blog.test'], docroot: undefined, clusterIp: Ipv4Address.of('10.96.0.62') }]));
    expect([s.entryChart?.namespace, s.entryVip?.address, s.entryVip?.service]).toEqual(['lab-entry', '192.168.1.40', 'lab-entry/entry']);
    expect(s.vipController.vips.map((v) => v.address)).toEqual(['192.168.1.31', '192.168.1.33', '192.168.1.40']);
    expect(s.entry?.servers.map((r) => [r.name, r.hostnames, r.https, r.sshPort])).toEqual([
      ['shop', ['www.shop.test'], 'shop.default.svc.cluster.local:8543', 2201],
      // blog: the lab's ACME certificate, no SSH through the entry, its fixed cluster IP
      ['blog', ['blog.test'], '10.96.0.62:8543', undefined],
    ]);
    const service = find(synth(s.webChart!), 'Service', 'shop');
    expect(service.spec.externalIPs).toBeUndefined();
    expect(service.spec.ports.map((p: any) => p.name)).toEqual(['http', 'https', 'ssh', 'http-proxy', 'https-proxy']);
    expect(find(synth(s.webChart!), 'Service', 'blog').spec.clusterIP).toBe('10.96.0.62');
    expect(s.server('shop').httpd.env).toContainEqual({ name: 'PROXY_HTTPS_PORT', value: '8543' });
    // myweb, on its own VIP, is unchanged (negative control)
    expect(s.server('myweb').httpd.env?.map((e) => e.name)).not.toContain('PROXY_HTTP_PORT');
    // kube-keepalived-vip: the entry's Service gets its externalIPs as any other
    expect(find(synth(s.entryChart!), 'Service', 'entry').spec.externalIPs).toEqual(['192.168.1.40']);
  });

  test('on MetalLB, the entry\'s Service keeps the clients\' addresses (externalTrafficPolicy Local); the servers\' do not change', () => {
    const { site: s } = site((lab) => behind([shop])({ ...lab, facts: { ...lab.facts, vipBackend: VipBackend.metalLb() } }));
    expect(find(synth(s.entryChart!), 'Service', 'entry').spec).toMatchObject({ type: 'LoadBalancer', externalTrafficPolicy: 'Local' });
    expect(find(synth(s.webChart!), 'Service', 'myweb').spec.externalTrafficPolicy).toBeUndefined();
  });

  test.each<[string, VirtualServerSpec[], Partial<SiteFacts>, string]>([
    ['a server with neither an address nor the entry', [{ ...shop, entry: undefined }], { entry: entryFacts },
      "[Site] 'servers[1].address' must be given, or the server put behind the shared entry"],
    ['the entry on a site without one', [shop], {}, "[Site] 'servers[1].entry' must be left out on a site without a shared entry: declare facts.entry"],
    ['a server behind the entry without hostnames', [{ ...shop, hostnames: undefined }], { entry: entryFacts },
      "[Site] 'servers[1].entry' must be given with hostnames: the entry routes by name"],
    ['the entry on a server\'s address', [shop], { entry: { ...entryFacts, address: Ipv4Address.of('192.168.1.31') } },
      "[Site] 'facts.entry.address' must differ from servers[0].address: one address publishes one Service"],
    ['an image tag that moves', [shop], { entry: { ...entryFacts, version: 'latest' } }, "[Site] 'facts.entry.version' must be a pinned tag of the entry's image"],
    ['the servers\' namespace for the entry', [shop], { entry: { ...entryFacts, namespace: 'default' } }, "[Site] 'facts.entry.namespace' must be a namespace of the entry's own"],
    ['a hostname on two servers behind it (the site\'s own check)', [shop, { ...shop, name: 'blog', entry: true }], { entry: entryFacts },
      "[Site] 'servers[2].hostnames[0]' must differ from servers[1].hostnames[0]: one name points at one address"],
    ['a wildcard that takes another server\'s name behind it', [shop, { ...shop, name: 'blog', entry: true, hostnames: ['*.shop.test'], certificate: ServerCertificate.certManager({ issuer: 'dns01' }) }],
      { entry: entryFacts },
      "[Site] 'servers[2].entry (hostnames[0])' must differ from every other server's behind the entry: servers[1].entry (Site) has \"www.shop.test\", which this wildcard would take"],
    ['one SSH port for two servers', [shop, { ...shop, name: 'blog', hostnames: ['blog.test'] }], { entry: entryFacts },
      "[Site] 'servers[2].entry.sshPort' must differ from every other server's: servers[1].entry (Site) has it"],
  ])('refused with the path: %s', (_what, servers, facts, message) => {
    expect(() => site(behind(servers, facts))).toThrow(message);
  });
});

describe('facts.entry.gatewayClassName: the entry as a Gateway of the cluster\'s implementation', () => {
  const gatewayFacts = { address: Ipv4Address.of('192.168.1.40'), gatewayClassName: 'eg' };
  const shop: VirtualServerSpec = { name: 'shop', version: 'v1', entry: true, hostnames: ['www.shop.test', 'shop.test'] };
  const behind = (servers: VirtualServerSpec[], facts: Partial<SiteFacts> = {}) => (lab: HostingSiteProps) => ({
    ...lab, facts: { ...lab.facts, vipBackend: VipBackend.metalLb(), entry: gatewayFacts, ...facts }, servers: [...lab.servers, ...servers],
  });

  test('a Gateway asking for the VIP, listeners per hostname for the server\'s namespace only, an HTTPRoute and a TLSRoute to its Service', () => {
    const { site: s } = site(behind([shop]));
    expect(s.entry).toBeUndefined();
    expect([s.entryVip?.address, s.entryVip?.kind, s.gatewayEntry?.servers.map((r) => r.name)]).toEqual(['192.168.1.40', 'Gateway', ['shop']]);
    const entry = synth(s.entryChart!);
    // no haproxy of ours: the implementation runs the proxy
    expect(ofKind(entry, 'Deployment')).toEqual([]);
    const gateway = find(entry, 'Gateway', 'entry');
    expect(gateway.spec.gatewayClassName).toBe('eg');
    expect(gateway.spec.addresses).toEqual([{ type: 'IPAddress', value: '192.168.1.40' }]);
    expect(gateway.spec.listeners.map((l: any) => [l.name, l.hostname, l.port, l.protocol, l.tls?.mode])).toEqual([
      ['shop-http-1', 'www.shop.test', 80, 'HTTP', undefined],
      ['shop-http-2', 'shop.test', 80, 'HTTP', undefined],
      ['shop-tls-1', 'www.shop.test', 443, 'TLS', 'Passthrough'],
      ['shop-tls-2', 'shop.test', 443, 'TLS', 'Passthrough'],
    ]);
    expect(gateway.spec.listeners[2].allowedRoutes).toEqual({
      namespaces: { from: 'Selector', selector: { matchLabels: { 'kubernetes.io/metadata.name': 'default' } } },
      kinds: [{ group: 'gateway.networking.k8s.io', kind: 'TLSRoute' }],
    });
    const web = synth(s.webChart!);
    const tls = find(web, 'TLSRoute', 'shop');
    expect(tls.metadata.namespace).toBe('default');
    expect(tls.spec).toEqual({
      hostnames: ['www.shop.test', 'shop.test'],
      parentRefs: ['shop-tls-1', 'shop-tls-2'].map((sectionName) => ({ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'entry', namespace: 'lab-entry', sectionName })),
      rules: [{ backendRefs: [{ name: 'shop', port: 443 }] }],
    });
    expect(find(web, 'HTTPRoute', 'shop').spec.rules).toEqual([{ backendRefs: [{ name: 'shop', port: 80 }] }]);
    // the server keeps its plain ports only: the Gateway sends no PROXY protocol
    expect(find(web, 'Service', 'shop').spec.ports.map((p: any) => p.name)).toEqual(['http', 'https', 'ssh']);
    // MetalLB: the Gateway's VIP in a pool of its own for the implementation's Service, wherever it is; the servers' pool without it
    const pools = ofKind(synth(s.vipChart), 'IPAddressPool');
    expect(pools.map((p: any) => [p.metadata.name, p.spec.addresses, p.spec.serviceAllocation?.namespaces])).toEqual([
      ['vserver-vips', ['192.168.1.31/32', '192.168.1.33/32'], ['default', 'kubernetes-dashboard']],
      ['vserver-vips-gateways', ['192.168.1.40/32'], undefined],
    ]);
    expect(find(synth(s.vipChart), 'L2Advertisement', 'vserver-vips').spec.ipAddressPools).toEqual(['vserver-vips', 'vserver-vips-gateways']);
    // the operator's preflight: where DNS points, no SSH port; how to install Gateway API's CRDs when the cluster lacks them
    const contract = OperatorContract.of(s).render([], 'lab');
    expect(contract.entry).toEqual({ address: '192.168.1.40', hostnames: ['shop.test', 'www.shop.test'], ssh: [] });
    expect(contract.installs).toContainEqual(expect.objectContaining({ apiGroup: 'gateway.networking.k8s.io', install: expect.stringContaining('v1.5.1/standard-install.yaml') }));
    // the picture: the VIP to the Gateway, the Gateway to the server's Service by its names
    const picture = siteDiagram([...entry, ...web]);
    expect(picture).toContain('"VIP:192.168.1.40" -> "Gateway:lab-entry:entry"');
    expect(picture).toContain('"Gateway:lab-entry:entry" -> "Service:default:shop" [style=dashed, label="www.shop.test\\nshop.test"]');
  });

  test('past 64 listeners the next servers\' go to ListenerSets of the Gateway, each server\'s listeners together; their routes name the set', () => {
    // 20 servers of 2 hostnames: 4 listeners each, 16 servers on the Gateway, 4 in the first ListenerSet
    const many = Array.from({ length: 20 }, (_, i): VirtualServerSpec => ({
      name: `s${i}`, version: 'v1', entry: true, hostnames: [`s${i}.test`, `www.s${i}.test`], docroot: undefined,
    }));
    const { site: s } = site(behind(many));
    const entry = synth(s.entryChart!);
    expect(find(entry, 'Gateway', 'entry').spec.listeners).toHaveLength(64);
    expect(find(entry, 'Gateway', 'entry').spec.allowedListeners).toEqual({ namespaces: { from: 'Same' } });
    const set = find(entry, 'ListenerSet', 'entry-1');
    expect(set.spec.parentRef).toEqual({ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'entry' });
    expect(set.spec.listeners.map((l: any) => l.name)).toEqual(['s16', 's17', 's18', 's19'].flatMap((n) => [`${n}-http-1`, `${n}-http-2`, `${n}-tls-1`, `${n}-tls-2`]));
    expect(find(synth(s.webChart!), 'HTTPRoute', 's16').spec.parentRefs[0]).toMatchObject({ kind: 'ListenerSet', name: 'entry-1', sectionName: 's16-http-1' });
    expect(find(synth(s.webChart!), 'HTTPRoute', 's15').spec.parentRefs[0]).toMatchObject({ kind: 'Gateway', name: 'entry', sectionName: 's15-http-1' });
    // what the CRDs' CEL rules ask and no server here evaluates (1.20 has no CEL): names unique, port/protocol/hostname
    // unique, a TLS listener with its mode, an HTTP one without tls
    const listeners = [...find(entry, 'Gateway', 'entry').spec.listeners, ...set.spec.listeners];
    expect(new Set(listeners.map((l: any) => l.name)).size).toBe(80);
    expect(new Set(listeners.map((l: any) => `${l.port}/${l.protocol}/${l.hostname}`)).size).toBe(80);
    expect(listeners.every((l: any) => (l.protocol === 'TLS' ? l.tls?.mode === 'Passthrough' : l.tls === undefined))).toBe(true);
  });

  test.each<[string, VirtualServerSpec[], Partial<SiteFacts>, string]>([
    ['an SSH port behind a Gateway', [{ ...shop, entry: { sshPort: 2201 } }], {},
      "[Site] 'servers[1].entry.sshPort' must be left out behind a Gateway (facts.entry.gatewayClassName): Gateway API's standard channel routes no TCP"],
    ['an image tag with a Gateway', [shop], { entry: { ...gatewayFacts, version: 'v1' } },
      "[Site] 'facts.entry.version' must be left out with facts.entry.gatewayClassName: the Gateway's implementation runs its own proxy"],
    ['replicas with a Gateway', [shop], { entry: { ...gatewayFacts, replicas: 3 } }, "[Site] 'facts.entry.replicas' must be left out with facts.entry.gatewayClassName"],
    ['kube-keepalived-vip for a Gateway', [shop], { vipBackend: VipBackend.keepalivedVip() },
      "[Site] 'facts.entry.gatewayClassName' must be left out with kube-keepalived-vip (facts.vipBackend)"],
    ['a class name that is no name', [shop], { entry: { ...gatewayFacts, gatewayClassName: 'Envoy Gateway' } }, "'facts.entry.gatewayClassName'"],
    ['no image tag for the built-in entry', [shop], { entry: { address: Ipv4Address.of('192.168.1.40') } },
      "[Site] 'facts.entry.version' must be a pinned tag of the entry's image, such as \"v1\" (this one is missing)"],
    ['more than 16 hostnames on one server', [{ ...shop, hostnames: Array.from({ length: 17 }, (_, i) => `h${i}.shop.test`) }], {},
      "[Site] 'servers[1].entry (hostnames)' must be 16 at most behind a Gateway"],
    ['a hostname on two servers behind the Gateway', [shop, { ...shop, name: 'blog', hostnames: ['blog.test', '*.shop.test'], certificate: ServerCertificate.certManager({ issuer: 'dns01' }) }], {},
      "[Site] 'servers[2].entry (hostnames[1])' must differ from every other server's behind the entry: servers[1].entry (Site) has \"www.shop.test\", which this wildcard would take"],
  ])('refused with the path: %s', (_what, servers, facts, message) => {
    expect(() => site(behind(servers, facts))).toThrow(message);
  });
});
