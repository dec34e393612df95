import { ApiVipHolder } from '@cdk8s-vserver/control-plane';
import { ImageReference, Ipv4Address, Ipv4Subnet, k8s, NodeFiles, podSpecOf, Pushgateway, Warnings } from '@cdk8s-vserver/core';
import { HostingSite, HostingSiteProps, Tenancy, VirtualServerSpec } from '@cdk8s-vserver/hosting';
import { NfsFolder } from '@cdk8s-vserver/storage';
import { VipBackend } from '@cdk8s-vserver/vip';
import { AuthorizedKeys, NodeSpread } from '@cdk8s-vserver/web-ssh-server';
import { Chart, Testing } from 'cdk8s';
import { parse } from 'yaml';
import { LAB } from '../../../apps/lab/site';

// The declaration checked as a whole, as an operator writes it: each realistic mistake stops the synth with the
// declaration's own path (servers[1].address, facts.backup.exportRoot), never a derived internal prop, or warns.
const ip = Ipv4Address.of;
function site(change: (lab: HostingSiteProps) => HostingSiteProps) {
  const app = Testing.app();
  return { app, site: new HostingSite(app, 'Site', change(LAB)) };
}
const withServers = (...servers: VirtualServerSpec[]) => (lab: HostingSiteProps) => ({ ...lab, servers: [...lab.servers, ...servers] });
const withFacts = (facts: Partial<HostingSiteProps['facts']>) => (lab: HostingSiteProps) => ({ ...lab, facts: { ...lab.facts, ...facts } });
const shop: VirtualServerSpec = { name: 'shop', address: ip('192.168.1.32'), version: 'v1' };

describe('one NAS folder is one customer\'s', () => {
  test('fails on two servers with one docroot folder', () => {
    expect(() => site(withServers({ ...shop, docroot: { exportPath: '/export/web/myweb' } }))).toThrow(
      "[Site] 'servers[1].docroot.exportPath' must not overlap another folder the site mounts: the docroot of shop is the same folder as the docroot "
      + "of myweb (facts.nas.exportRoot/<name>), nas.test:/export/web/myweb. One customer's uploads would overwrite another's site: give each server "
      + 'a folder of its own, got "nas.test:/export/web/myweb"');
  });

  test('fails on a docroot inside another server\'s (and a trailing slash changes nothing)', () => {
    expect(() => site(withServers({ ...shop, docroot: { exportPath: '/export/web/myweb/shop/' } })))
      .toThrow(/'servers\[1\]\.docroot\.exportPath' must not overlap .*the docroot of shop lies inside the docroot of myweb/);
  });

  test('negative control: the same path on another NAS, and sibling folders with a common prefix, are fine', () => {
    expect(() => site(withServers({ ...shop, docroot: { exportPath: '/export/web/mywebsite' } }))).not.toThrow();
    const other = (lab: HostingSiteProps) => ({ ...lab, facts: { ...lab.facts, backup: { ...lab.facts.backup!, host: 'backup.test', exportRoot: '/export/web' } } });
    expect(() => site(other)).not.toThrow();
  });

  test('fails on backups that would land in a served docroot: the backup export equal to the web export', () => {
    expect(() => site(withFacts({ backup: { exportRoot: '/export/web' } }))).toThrow(
      "[Site] 'facts.backup.exportRoot' must not overlap another folder the site mounts: the backups of myweb (facts.backup.exportRoot/<name>) is the "
      + 'same folder as the docroot of myweb (facts.nas.exportRoot/<name>), nas.test:/export/web/myweb. Archives inside a served docroot are '
      + 'downloadable from the site, each holding the ones before: put facts.backup.exportRoot beside facts.nas.exportRoot, never on or in it, '
      + 'got "nas.test:/export/web/myweb"');
  });

  test('fails on backups inside a server\'s docroot', () => {
    expect(() => site(withFacts({ backup: { exportRoot: '/export/web/myweb/.backups' } }))).toThrow(/the backups of myweb .* lies inside the docroot of myweb/);
  });
});

describe('the schedule and retention of backups', () => {
  test.each(['@daily', '@every 6h', '15 2 * * sun', '0 */4 * * *'])('takes %s, as Kubernetes does', (schedule) => {
    expect(() => site(withFacts({ backup: { exportRoot: '/export/backup', schedule } }))).not.toThrow();
  });

  test.each([
    ['60 3 * * *', 'has minute "60": 60 is outside 0-59'],
    ['0 3 * *', 'has 4 fields, not 5'],
    ['TZ=Asia/Tokyo 0 3 * * *', 'names a time zone'],
  ])('fails on %s, naming facts.backup.schedule', (schedule, problem) => {
    expect(() => site(withFacts({ backup: { exportRoot: '/export/backup', schedule } })))
      .toThrow(`[Site] 'facts.backup.schedule' must be a schedule Kubernetes' CronJob accepts, such as "0 3 * * *" or "@daily" (this one ${problem}`);
  });

  test('fails on keeping no snapshot, and on the tar backup\'s number of archives (a declaration of 0.12), naming the path', () => {
    expect(() => site(withFacts({ backup: { exportRoot: '/export/backup', keep: { daily: 0, weekly: 0, monthly: 0 } } })))
      .toThrow("[Site] 'facts.backup.keep' must keep at least one snapshot ({ daily: 1 } or more)");
    expect(() => site(withFacts({ backup: { exportRoot: '/export/backup', keep: 7 as any } })))
      .toThrow("[Site] 'facts.backup.keep' must be { daily, weekly, monthly }, how many snapshots of each to keep");
    expect(() => site(withFacts({ backup: { exportRoot: '/export/backup', drillSchedule: 'weekly' } })))
      .toThrow("[Site] 'facts.backup.drillSchedule' must be a schedule Kubernetes' CronJob accepts");
  });

  test("an S3 bucket holds the repositories under the site's name (the export the customers' copies), and its errors name facts.backup.s3", () => {
    const s3 = { endpoint: 'https://s3.eu-central-1.amazonaws.com', bucket: 'hosting-backups', credentialsSecret: 'backup-s3' };
    const objects = site(withFacts({ backup: { exportRoot: '/export/backup', s3 } })).app.synthYaml().split('\n---\n').map((d) => parse(d)).filter(Boolean);
    const backup = objects.find((o: any) => o.kind === 'CronJob' && o.metadata.name === 'myweb-backup');
    const env = backup.spec.jobTemplate.spec.template.spec.containers[0].env;
    expect(env.find((e: any) => e.name === 'RESTIC_REPOSITORY').value).toBe('s3:https://s3.eu-central-1.amazonaws.com/hosting-backups/lab/myweb');
    expect(env.find((e: any) => e.name === 'CUSTOMER_COPY').value).toBe('/backup');
    expect(() => site(withFacts({ backup: { exportRoot: '/export/backup', s3: { ...s3, bucket: 'Hosting' } } })))
      .toThrow("[Site] 'facts.backup.s3.bucket' must be an S3 bucket name");
  });

  test("a Pushgateway's errors name facts.monitoring.pushgateway", () => {
    expect(() => site(withFacts({ backup: { exportRoot: '/export/backup' }, monitoring: { ...LAB.facts.monitoring, pushgateway: Pushgateway.at('http://metrics.lan:9091') } })))
      .toThrow("[Site] 'facts.monitoring.pushgateway.url' must have an IPv4 address for its host");
  });
});

describe('each server entry, by its path in the declaration', () => {
  test.each([
    ['an empty name', { name: '' }, "'servers[1].name' must be 1-43 lowercase letters"],
    ['a capitalized name', { name: 'Shop' }, "'servers[1].name' must be 1-43 lowercase letters"],
    ['a name starting with a digit (not a Service name)', { name: '1shop' }, "'servers[1].name' must be 1-43 lowercase letters"],
    ['a name too long for its Secret', { name: 's'.repeat(44) }, 'and its Secret <name>-ssh-authorized-keys, at most 63 characters), such as "shop", got'],
    ['an address outside the LAN', { address: ip('10.0.0.5') }, "[Site] 'servers[1].address' must lie in the site's LAN 192.168.1.0/24, got \"10.0.0.5\""],
    ['the LAN\'s broadcast address', { address: ip('192.168.1.255') }, "'servers[1].address' must be a host address of 192.168.1.0/24"],
    ['an address that is not one', { address: ip('192.168.1.300') }, "'servers[1].address' must be an IPv4 address such as Ipv4Address.of(\"192.168.1.31\"), got \"192.168.1.300\""],
    ['the address of another server', { address: ip('192.168.1.31') }, "[Site] 'servers[1].address' must differ from servers[0].address: one address publishes one Service"],
    ['the Dashboard\'s address', { address: ip('192.168.1.33') }, "[Site] 'facts.dashboard.address' must differ from servers[1].address"],
    ['the floating tag', { version: 'latest' }, "'servers[1].version' must be the pinned tag of the server's httpd and sshd images, such as \"v1\" (this one uses the floating tag 'latest')"],
    ['a version that is no tag', { version: 'v1 beta' }, "'servers[1].version' must be the pinned tag of the server's httpd and sshd images, such as \"v1\" (this one contains white space)"],
    // WebSshServer's own rule, named by the declaration's path (0.9.0's declaration restated it as 1-100)
    ['negative replicas', { replicas: -1 }, "[Site] 'servers[1].replicas' must be an integer from 1 to 2147483647, got -1"],
    ['no replica', { replicas: 0 }, "[Site] 'servers[1].replicas' must be an integer from 1 to 2147483647, got 0"],
    ['an SSH port of 0', { sshServicePort: 0 }, "'servers[1].sshServicePort' must be an integer from 1 to 65535, got 0"],
    ['a relative export path', { docroot: { exportPath: 'web/shop' } }, "'servers[1].docroot.exportPath' must be an absolute path without white space, \".\" or \"..\" segments, such as \"/export/web\", got \"web/shop\""],
  ] as Array<[string, Partial<VirtualServerSpec>, string]>)('fails on %s', (_what, change, message) => {
    expect(() => site(withServers({ ...shop, ...change }))).toThrow(message);
  });

  test('negative control: a name of 43 characters synthesizes', () => {
    expect(() => site(withServers({ ...shop, name: 's'.repeat(43) }))).not.toThrow();
  });

  test('fails on authorized keys read from a host keys Secret (a private key where every login reads)', () => {
    expect(() => site(withServers({ ...shop, authorizedKeys: AuthorizedKeys.fromSecret('myweb-ssh-host-keys') }))).toThrow(
      "[Site] 'servers[1].authorizedKeys' must not be the host keys Secret of myweb: it holds sshd's private host key, which would be mounted where "
      + "every login reads the authorized keys. Use a Secret of public keys only, such as AuthorizedKeys.fromSecret('shop-ssh-authorized-keys'), got \"myweb-ssh-host-keys\"");
  });

  test('warns on authorized keys of another server (negative control: its own Secret, named as the default)', () => {
    const shared = site(withServers({ ...shop, authorizedKeys: AuthorizedKeys.fromSecret('myweb-ssh-authorized-keys') }));
    expect(Warnings.collect(shared.app)).toContainEqual(expect.stringContaining("'servers[1].authorizedKeys' reads myweb's Secret myweb-ssh-authorized-keys"));
    const own = site(withServers({ ...shop, authorizedKeys: AuthorizedKeys.fromSecret('shop-ssh-authorized-keys') }));
    expect(Warnings.collect(own.app).filter((w) => w.includes('authorizedKeys'))).toEqual([]);
  });
});

describe('the site\'s facts', () => {
  test.each([
    ['metallb-system', "MetalLB's own install creates and owns it"],
    ['kubernetes-dashboard', 'the Kubernetes Dashboard creates and owns it'],
    ['headlamp', 'Headlamp creates and owns it'],
    ['kube-system', "Kubernetes' own components run there"],
  ])('fails on servers in namespace %s, which the site would own or share: %s', (namespace, why) => {
    expect(() => site(withFacts({ namespace, vipBackend: VipBackend.metalLb() })))
      .toThrow(`[Site] 'facts.namespace' must not be ${namespace}: ${why}. Give the servers a namespace of their own, such as "sites", got "${namespace}"`);
  });

  test.each([
    ['with a scheme', 'http://master.test:5000/myrepo'],
    ['with a trailing slash', 'master.test:5000/myrepo/'],
    ['in capitals', 'Master.test:5000/MyRepo'],
  ])('fails on a registry %s, naming facts.registry', (_what, registry) => {
    expect(() => site(withFacts({ registry }))).toThrow('[Site] \'facts.registry\' must be a registry host and path without a scheme or a trailing slash');
  });

  test.each([
    ['http://master.test:5000/myrepo', 'this one has a scheme'],
    ['master.test:5000/myrepo/', 'this one ends with a slash'],
    ['Master.test:5000/MyRepo', 'this one has an invalid repository name'],
  ])('says what is wrong with the registry %s', (registry, why) => {
    expect(() => site(withFacts({ registry }))).toThrow(why);
  });

  test('fails on a LAN that is not one', () => {
    expect(() => site(withFacts({ lanSubnet: Ipv4Subnet.of('192.168.1.0/33') }))).toThrow("[Site] 'facts.lanSubnet' must be an IPv4 subnet in CIDR form with no host bits set");
  });

  test('fails on Headlamp on the Dashboard\'s address', () => {
    expect(() => site(withFacts({ headlamp: { address: ip('192.168.1.33') } })))
      .toThrow("[Site] 'facts.headlamp.address' must differ from facts.dashboard.address: one address publishes one Service");
  });
});

describe('addServer(), after the declaration', () => {
  test('adds a server exactly as one more entry would: its Deployment and its VIP', () => {
    const { site: s } = site((lab) => lab);
    s.addServer(shop);
    expect([...s.servers.keys()]).toEqual(['myweb', 'shop']);
    expect(s.vipController.vips.map((e) => e.service)).toContain('default/shop');
  });

  test('its second run of the checks repeats no warning of the declaration\'s (one router, another server\'s keys)', () => {
    const { app, site: s } = site((lab) => ({
      ...withServers({ ...shop, authorizedKeys: AuthorizedKeys.fromSecret('myweb-ssh-authorized-keys') })(lab),
      facts: { ...lab.facts, routers: ['node0'] },
    }));
    s.addServer({ ...shop, name: 'blog', address: ip('192.168.1.35') });
    const warnings = Warnings.collect(app);
    expect(warnings.filter((w) => w.includes("'facts.routers' names one router node"))).toHaveLength(1);
    expect(warnings.filter((w) => w.includes("'servers[1].authorizedKeys' reads myweb's Secret"))).toHaveLength(1);
  });

  test.each([
    ['a name the declaration has', { ...shop, name: 'myweb', address: ip('192.168.1.40') }, "[Site] 'servers[1].name' must differ from servers[0].name"],
    ['an address the declaration has', { ...shop, address: ip('192.168.1.31') }, "[Site] 'servers[1].address' must differ from servers[0].address"],
    ['a folder of another server', { ...shop, docroot: { exportPath: '/export/web/myweb' } }, "[Site] 'servers[1].docroot.exportPath' must not overlap"],
  ])('fails on %s, checked with every server before it', (_what, spec, message) => {
    const { site: s } = site((lab) => lab);
    expect(() => s.addServer(spec as VirtualServerSpec)).toThrow(message);
  });
});

describe('a namespace per customer (facts.tenancy)', () => {
  const perServer = (lab: HostingSiteProps): HostingSiteProps => ({
    ...lab, facts: { ...lab.facts, namespace: undefined, tenancy: Tenancy.NAMESPACE_PER_SERVER }, servers: [...lab.servers, shop],
  });
  const objects = (app: ReturnType<typeof Testing.app>) => app.synthYaml().split('\n---\n').map((d) => parse(d)).filter(Boolean);

  test('each server gets its namespace (restricted), default-deny, quota and limits; its objects live there', () => {
    const { app } = site(perServer);
    const all = objects(app);
    const inShop = all.filter((o: any) => o.metadata.namespace === 'shop').map((o: any) => `${o.kind}/${o.metadata.name}`).sort();
    expect(inShop).toEqual(expect.arrayContaining(['Deployment/shop', 'Service/shop', 'NetworkPolicy/shop', 'NetworkPolicy/default-deny',
      'ResourceQuota/shop', 'LimitRange/shop', 'PersistentVolumeClaim/shop-docroot', 'CronJob/shop-backup', 'NetworkPolicy/shop-backup']));
    const ns = all.find((o: any) => o.kind === 'Namespace' && o.metadata.name === 'shop');
    expect(ns.metadata.labels).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/warn': 'restricted' });
    // by default exactly what the server needs at once: 2 replicas + 1 for a rollout (httpd 50m/64Mi + sshd 20m/32Mi
    // + the metrics exporter 5m/16Mi each, limits 500m/256Mi, 500m/256Mi and 100m/64Mi) and two backup jobs at once (restic: 50m/64Mi, limits 1/512Mi each)
    const quota = all.find((o: any) => o.kind === 'ResourceQuota' && o.metadata.namespace === 'shop');
    expect(quota.spec.hard).toEqual({ 'pods': '5', 'requests.cpu': '325m', 'requests.memory': '464Mi', 'limits.cpu': '5300m', 'limits.memory': '2752Mi' });
  });

  test('a quota of its own is used as given', () => {
    const { app } = site((lab) => {
      const p = perServer(lab);
      return { ...p, servers: [p.servers[0], { ...shop, quota: { pods: 6, requestsCpu: '1', limitsMemory: '4Gi' } }] };
    });
    const quota = objects(app).find((o: any) => o.kind === 'ResourceQuota' && o.metadata.namespace === 'shop');
    expect(quota.spec.hard).toMatchObject({ 'pods': '6', 'requests.cpu': '1', 'limits.memory': '4Gi' });
  });

  test('the synth refuses a pod that breaks "restricted" in a namespace that enforces it (negative control: the servers pass)', () => {
    const app = Testing.app();
    new HostingSite(app, 'Site', perServer(LAB));
    const chart = new Chart(app, 'debug', { namespace: 'shop' });
    new k8s.KubeDeployment(chart, 'Debug', {
      metadata: { name: 'debug' },
      spec: { selector: { matchLabels: { app: 'debug' } }, template: { metadata: { labels: { app: 'debug' } }, spec: { containers: [{ name: 'sh', image: 'debian:13.8' }] } } },
    });
    expect(() => app.synth()).toThrow(/runs pods that Pod Security "restricted" refuses, in namespace "shop", which enforces it .*privilege escalation: container "sh" must set/);
  });

  test.each([
    ['facts.namespace beside it', (lab: HostingSiteProps) => ({ ...perServer(lab), facts: { ...perServer(lab).facts, namespace: 'sites' } }),
      "[Site] 'facts.namespace' must be left out with facts.tenancy Tenancy.NAMESPACE_PER_SERVER: each server's namespace is its name, got \"sites\""],
    ['a server named like a namespace Kubernetes owns', (lab: HostingSiteProps) => ({ ...perServer(lab), servers: [lab.servers[0], { ...shop, name: 'default' }] }),
      "[Site] 'servers[1].name' must not be default with facts.tenancy Tenancy.NAMESPACE_PER_SERVER: the name is the server's namespace, and Kubernetes owns it"],
    ['a server named like a component\'s namespace', (lab: HostingSiteProps) => ({ ...perServer(lab), servers: [lab.servers[0], { ...shop, name: 'headlamp' }] }),
      "'servers[1].name' must not be headlamp with facts.tenancy Tenancy.NAMESPACE_PER_SERVER: the name is the server's namespace, and Headlamp creates and owns it"],
    ['a quota with a shared namespace', withServers({ ...shop, quota: { pods: 4 } }),
      "[Site] 'servers[1].quota' must be left out with facts.tenancy Tenancy.SHARED_NAMESPACE: a quota holds a namespace"],
    ['a quota that is not a quantity', (lab: HostingSiteProps) => ({ ...perServer(lab), servers: [lab.servers[0], { ...shop, quota: { limitsMemory: '4 GB' } }] }),
      "[Site] 'servers[1].quota.limitsMemory' must be a quantity above zero, such as '1Gi', got \"4 GB\""],
    ['a quota of no pods', (lab: HostingSiteProps) => ({ ...perServer(lab), servers: [lab.servers[0], { ...shop, quota: { pods: 0 } }] }),
      "[Site] 'servers[1].quota.pods' must be an integer from 1 to 1000, got 0"],
    ['a quota smaller than one replica\'s requests', (lab: HostingSiteProps) => ({ ...perServer(lab), servers: [lab.servers[0], { ...shop, quota: { requestsCpu: '50m' } }] }),
      "[Site] 'servers[1].quota.requestsCpu' must be at least what one of the server's pods asks (75m, all its containers together): no pod of the server could start. "
      + 'Leave it out for what the server needs (325m), got "50m"'],
    ['an unknown tenancy', (lab: HostingSiteProps) => ({ ...lab, facts: { ...lab.facts, tenancy: 'one-per-customer' as Tenancy } }),
      "[Site] 'facts.tenancy' must be one of Tenancy.SHARED_NAMESPACE (\"shared-namespace\"), Tenancy.NAMESPACE_PER_SERVER (\"namespace-per-server\"), got \"one-per-customer\""],
  ])('fails on %s', (_what, change, message) => {
    expect(() => site(change)).toThrow(message);
  });

  test('warns on a quota that fits a pod but not a rolling update', () => {
    const { site: s } = site((lab) => ({ ...perServer(lab), servers: [lab.servers[0], { ...shop, quota: { pods: 2, requestsCpu: '100m' } }] }));
    expect(Warnings.collect(s).join('\n')).toMatch(/'servers\[1\]\.quota' holds fewer than the 2 replicas and the pod a rolling update adds: pods 2 \(a rolling update needs 3\), requestsCpu 100m \(a rolling update needs 225m\)/);
  });
});

describe('facts.workers', () => {
  const workers = (names: string[]) => withFacts({ workers: names });
  test('takes a site whose servers each have replicas + 1 workers (the lab: 2 replicas, 3 workers)', () => {
    expect(LAB.facts.workers).toEqual(['node1', 'node2', 'node3']);
    expect(() => site((lab) => lab)).not.toThrow();
  });

  test.each([
    ['replicas that leave no room for a rollout', workers(['node1', 'node2']),
      "[Site] 'servers[0].replicas' must be at most 1 with the 2 workers of facts.workers: each pod runs on a worker of its own, and a rolling update "
      + 'adds one more pod first, so 2 replicas need 3 workers (a rollout would never finish). Add a worker, lower \'replicas\', or let pods share a '
      + 'worker with spread: NodeSpread.PREFERRED, got 2'],
    ['more replicas than workers', (lab: HostingSiteProps) => workers(['node1', 'node2', 'node3'])({ ...lab, servers: [{ ...lab.servers[0], replicas: 4 }] }),
      "'servers[0].replicas' must be at most 2 with the 3 workers of facts.workers: each pod runs on a worker of its own, and a rolling update adds one "
      + 'more pod first, so 4 replicas need 5 workers (the pods beyond them would never start)'],
    ['a worker named twice', workers(['node1', 'node2', 'node1']), "[Site] 'facts.workers[2]' must name each worker node once, got \"node1\""],
    ['a worker that is a router', (lab: HostingSiteProps) => ({ ...lab, facts: { ...lab.facts, routers: ['node0'], workers: ['node0', 'node1', 'node2'] } }),
      "[Site] 'facts.workers[0]' must not be a router too (facts.routers): a node has one role label, role=router or role=worker, got \"node0\""],
    ['no worker', workers([]), "[Site] 'facts.workers' must name at least one node labeled role=worker, or be left out"],
    ['a node name that is not one', workers(['Node 1', 'node2', 'node3']), "[Site] 'facts.workers[0]' must be"],
  ])('fails on %s', (_what, change, message) => {
    expect(() => site(change)).toThrow(message);
  });

  test('negative control: pods that may share a worker need no more workers than one', () => {
    const sharing = (lab: HostingSiteProps) => ({ ...workers(['node1'])(lab), servers: [{ ...lab.servers[0], spread: NodeSpread.PREFERRED }] });
    expect(() => site(sharing)).not.toThrow();
  });
});

describe('facts.imagePullSecrets: a registry that asks for credentials', () => {
  const podsOf = (app: ReturnType<typeof Testing.app>) => app.synthYaml().split('\n---\n').map((d) => parse(d)).filter(Boolean)
    .map((o: any) => ({ id: `${o.kind}/${o.metadata.name}`, pod: podSpecOf(o) })).filter((p: any) => p.pod);

  test('every pod with an image from the site\'s registry gets them: the servers, their backups, the VIP controller; not the Dashboard', () => {
    const { app } = site(withFacts({ imagePullSecrets: ['registry-credentials'] }));
    const pulling = podsOf(app).filter((p: any) => p.pod.imagePullSecrets).map((p: any) => [p.id, p.pod.imagePullSecrets]);
    expect(pulling).toEqual([
      ['DaemonSet/kube-keepalived-vip', [{ name: 'registry-credentials' }]],
      ['Deployment/myweb', [{ name: 'registry-credentials' }]],
      ['CronJob/myweb-backup', [{ name: 'registry-credentials' }]],
      ['CronJob/myweb-prune', [{ name: 'registry-credentials' }]],
      ['CronJob/myweb-drill', [{ name: 'registry-credentials' }]],
      ['CronJob/myweb-restore', [{ name: 'registry-credentials' }]],
      ['DaemonSet/log-collector', [{ name: 'registry-credentials' }]],
    ]);
    // negative control: without them, no pod names any
    expect(podsOf(site((lab) => lab).app).filter((p: any) => p.pod.imagePullSecrets)).toEqual([]);
  });

  test('the Dashboard gets them once its image is mirrored into the site\'s registry', () => {
    const mirrored = (lab: HostingSiteProps) => withFacts({
      imagePullSecrets: ['registry-credentials'],
      dashboard: { ...lab.facts.dashboard!, image: ImageReference.of('master.test:5000/myrepo/dashboard:v2.7.0') },
    })(lab);
    const pulling = podsOf(site(mirrored).app).filter((p: any) => p.pod.imagePullSecrets).map((p: any) => p.id);
    expect(pulling).toEqual(expect.arrayContaining(['Deployment/kubernetes-dashboard', 'Deployment/dashboard-metrics-scraper']));
  });

  test.each([
    [['Registry_Credentials'], "[Site] 'facts.imagePullSecrets[0]' must be a DNS-1123 subdomain"],
    [['a', 'a'], "[Site] 'facts.imagePullSecrets[1]' must be listed once, got \"a\""],
  ])('fails on %j', (names, message) => {
    expect(() => site(withFacts({ imagePullSecrets: names }))).toThrow(message);
  });
});

describe('a redundant control plane in the declaration', () => {
  const cp = LAB.facts.controlPlane!;
  const withControlPlane = (change: Partial<NonNullable<HostingSiteProps['facts']['controlPlane']>>) => withFacts({ controlPlane: { ...cp, ...change } });

  test('fails on an API VIP that a server or the Dashboard publishes, naming both paths', () => {
    expect(() => site(withControlPlane({ apiAddress: ip('192.168.1.31') })))
      .toThrow("[Site] 'facts.controlPlane.apiAddress' must differ from servers[0].address: one address publishes one Service, got \"192.168.1.31\"");
    expect(() => site(withControlPlane({ apiAddress: ip('192.168.1.33') }))).toThrow(/'facts\.controlPlane\.apiAddress' must differ from facts\.dashboard\.address/);
  });

  test('fails on a control-plane node whose address is a VIP of the site', () => {
    const nodes = [cp.nodes[0], { name: 'master2', address: ip('192.168.1.31') }, cp.nodes[2]];
    expect(() => site(withControlPlane({ nodes }))).toThrow(
      /'facts\.controlPlane\.nodes\[1\]\.address' must differ from servers\[0\]\.address: a node keeps its own address, while a VIP moves between nodes/);
  });

  test('fails on a control-plane node that is also a worker or a router, unless the declaration opts in', () => {
    const nodes = [cp.nodes[0], { name: 'node1', address: ip('192.168.1.11') }, cp.nodes[2]];
    expect(() => site(withControlPlane({ nodes }))).toThrow(
      /'facts\.controlPlane\.nodes\[1\]\.name' must not be one of facts\.workers too: the site's pods would compete with etcd and the API server/);
    const routers = (lab: HostingSiteProps) => withControlPlane({})({ ...lab, facts: { ...lab.facts, routers: ['master1', 'node0'] } });
    expect(() => site(routers)).toThrow(/'facts\.controlPlane\.nodes\[0\]\.name' must not be one of facts\.routers too: the site's VIPs would compete/);
    expect(() => site(withControlPlane({ nodes, sharedWithWorkloads: true }))).not.toThrow();
  });

  test('fails on the virtual router id of the site\'s kube-keepalived-vip (one VRRP group on the LAN); negative control: another id', () => {
    const same = withControlPlane({ apiVipHolder: ApiVipHolder.keepalivedHaproxy({ interface: 'eth0', virtualRouterId: 50 }) });
    expect(() => site(same)).toThrow(/\[Site\] 'facts\.controlPlane\.apiVipHolder virtualRouterId' must differ from the vrid 50 of facts\.vipBackend/);
    expect(() => site(withControlPlane({ apiVipHolder: ApiVipHolder.keepalivedHaproxy({ interface: 'eth0', virtualRouterId: 52 }) }))).not.toThrow();
  });

  test('its own checks name the declaration\'s path', () => {
    expect(() => site(withControlPlane({ kubernetesVersion: 'v1.29.4' }))).toThrow(/\[Site\] 'facts\.controlPlane\.kubernetesVersion' must be v1\.31\.0/);
  });

  test('a site without one writes no node files; the lab\'s control plane writes 16', () => {
    const { control } = { control: site(withFacts({ controlPlane: undefined, monitoring: undefined })) };
    expect(NodeFiles.of(control.app).list()).toEqual([]);
    expect(NodeFiles.of(site((lab) => lab).app).list().filter((f) => f.path.startsWith('control-plane/'))).toHaveLength(16);
  });
});

describe('every error of a declared site names the path the user wrote, whichever construct checks it (FieldPath)', () => {
  test.each([
    // checked by NfsFolder, the one owner of the rule: 0.9.0 named [server-bakery/BakeryDocroot] 'server'
    ['the NAS host', withFacts({ nas: { ...LAB.facts.nas, host: 'nas_test' } }), "[Site] 'facts.nas.host' must be a hostname"],
    // by ResticBackup
    ['a backup schedule', withFacts({ backup: { exportRoot: '/export/backup', schedule: '0 3 * *' } }), "[Site] 'facts.backup.schedule' must be a schedule"],
    // by WebSshServer, for a prop the entry calls otherwise (overrides) and one the site gave it (the server's certificate)
    ['an override', withServers({ ...shop, overrides: { hostKeysSecret: 'Shop_Keys' } }), "[Site] 'servers[1].overrides.hostKeysSecret' must be a DNS-1123 subdomain"],
    ['a docroot volume name', withServers({ ...shop, docroot: { volumeName: 'Shop_Volume' } }), "[Site] 'servers[1].docroot.volumeName' must be"],
  ])('%s', (_what, change, message) => {
    expect(() => site(change)).toThrow(message);
  });

  test('a server on the NAS\'s address is refused, naming the fact (the VIP would take the NAS\'s address)', () => {
    const onNas = (lab: HostingSiteProps) => withServers({ ...shop, address: ip('192.168.1.20') })(withFacts({ nas: { ...lab.facts.nas, host: '192.168.1.20' } })(lab));
    expect(() => site(onNas))
      .toThrow("[Site] 'servers[1].address' must differ from facts.nas.host: that is the NAS, and the VIP would take its address from it");
  });

  test('negative control: the same constructs built by hand name themselves', () => {
    const chart = Testing.chart();
    expect(() => new NfsFolder(chart, 'Docroot', { host: 'nas_test', path: '/export/web/x' })).toThrow(/^\[test\/Docroot\] 'host' must be a hostname/);
  });
});
