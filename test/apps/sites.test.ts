import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Ipv4Address, Ipv4Subnet } from '@cdk8s-vserver/core';
import { DIAGRAM_FILE, entryNamespace, HostingSite, HostingSiteProps, serverCertificate, synthApp, Tenancy } from '@cdk8s-vserver/hosting';
import { VipBackend } from '@cdk8s-vserver/vip';
import parseDot, { Stmt } from 'dotparser';
import { parseAllDocuments } from 'yaml';
import { AGENCY } from '../../apps/agency/site';
import { LAB } from '../../apps/lab/site';
import { distOf, find, Manifest, objectsIn, readTree } from '../support';

// What every site must be, read from its declaration rather than restated: so a site with other facts passes
// all of these (the third case is the lab with every fact changed and a server added), and only the snapshots
// pin the literal YAML.
const OTHER_FACTS: HostingSiteProps = {
  ...LAB,
  name: 'other',
  facts: {
    ...LAB.facts,
    lanSubnet: Ipv4Subnet.of('10.1.0.0/16'),
    registry: 'registry.other.test/hosting',
    nas: { host: '10.1.0.5', exportRoot: '/srv/nfs/www' },
    namespace: 'customers',
    dashboard: { address: Ipv4Address.of('10.1.2.3') },
    // newshop's 4 replicas and a rollout's one more pod
    workers: ['w1', 'w2', 'w3', 'w4', 'w5'],
    // a site that keeps its control plane out of the declaration, and neither keeps logs nor is monitored
    controlPlane: undefined,
    logs: undefined,
    monitoring: undefined,
  },
  servers: [
    ...LAB.servers,
    { name: 'newshop', address: Ipv4Address.of('10.1.7.7'), version: 'v9', replicas: 4, sshServicePort: 2200 },
  ].map((s) => (s.name === 'myweb' ? { ...s, address: Ipv4Address.of('10.1.0.31') } : s)),
};

// The lab's one declaration on each of the other two VIP backends: one line of its facts differs.
const LAB_METALLB: HostingSiteProps = { ...LAB, facts: { ...LAB.facts, vipBackend: VipBackend.metalLb() } };
const LAB_KUBE_VIP: HostingSiteProps = { ...LAB, facts: { ...LAB.facts, vipBackend: VipBackend.kubeVip() } };

/** The backend's chart name: `keepalived`, `metallb` or `kube-vip`. */
function backendOf(declaration: HostingSiteProps): string {
  return (declaration.facts.vipBackend ?? VipBackend.keepalivedVip()).chartName;
}

/** Address -> `namespace/name` of every Service the site publishes (servers, Dashboard, Headlamp), from the declaration. */
function declaredVips(declaration: HostingSiteProps): Record<string, string> {
  const namespace = declaration.facts.namespace ?? 'default';
  return Object.fromEntries([
    ...declaration.servers.flatMap((s) => (s.address ? [[s.address.text, `${declaration.facts.tenancy === Tenancy.NAMESPACE_PER_SERVER ? s.name : namespace}/${s.name}`]] : [])),
    ...(declaration.facts.entry ? [[declaration.facts.entry.address.text, `${entryNamespace(declaration.name, declaration.facts.entry)}/entry`]] : []),
    ...(declaration.facts.dashboard ? [[declaration.facts.dashboard.address.text, 'kubernetes-dashboard/kubernetes-dashboard']] : []),
    ...(declaration.facts.headlamp ? [[declaration.facts.headlamp.address.text, 'headlamp/headlamp']] : []),
  ]);
}

const LB_ANNOTATION: Record<string, string> = { 'metallb': 'metallb.io/loadBalancerIPs', 'kube-vip': 'kube-vip.io/loadbalancerIPs' };

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sites-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const DECLARATIONS: Array<[string, HostingSiteProps]> = [
  ['lab', LAB], ['lab on MetalLB', LAB_METALLB], ['lab on kube-vip', LAB_KUBE_VIP], ['agency', AGENCY], ['other facts', OTHER_FACTS],
];

describe.each(DECLARATIONS)('the %s site', (label, declaration) => {
  const result = synthApp(path.join(tmp, label.replace(/ /g, '-')), (app) => new HostingSite(app, 'Site', declaration), { diagram: true });
  const objects = objectsIn(result.outdir);
  const facts = declaration.facts;
  const perServer = facts.tenancy === Tenancy.NAMESPACE_PER_SERVER;
  const namespace = facts.namespace ?? 'default';
  /** Where a server's objects are: its own namespace, or the site's. */
  const nsOf = (server: string) => (perServer ? server : namespace);
  const backend = backendOf(declaration);
  const services = objects.filter((m) => m.kind === 'Service');

  test('one file per chart, in apply order: the servers\' namespace (when the site creates it), the VIP backend\'s, the entry, the database, docroots, servers, UIs', () => {
    const charts = [
      ...(!perServer && ['default', 'kube-system', 'kube-public'].includes(namespace) && !facts.logs && !facts.database && !facts.entry ? [] : ['namespace']), backend,
      ...(facts.entry ? ['entry'] : []),
      ...(facts.database ? ['database'] : []),
      ...(perServer ? declaration.servers.map((s) => `server-${s.name}`) : ['docroot', 'web']),
      ...(facts.logs ? ['logs'] : []), ...(facts.monitoring?.prometheusOperator ? ['monitoring'] : []),
      ...['dashboard', 'headlamp'].filter((ui) => facts[ui as 'dashboard' | 'headlamp'] !== undefined),
    ];
    expect(result.files.map((f) => f.file)).toEqual(charts.map((chart, i) => `000${i}-${chart}.k8s.yaml`));
    if (charts[0] === 'namespace') {
      for (const ns of [...perServer ? declaration.servers.map((s) => s.name) : [namespace].filter((n) => n !== 'default'),
        ...facts.logs ? [facts.logs.namespace ?? `${declaration.name}-logs`] : [],
        ...facts.database ? [facts.database.namespace ?? `${declaration.name}-database`] : [],
        ...facts.entry ? [entryNamespace(declaration.name, facts.entry)] : []]) {
        expect(objectsIn(result.outdir).filter((o) => o.kind === 'Namespace' && o.metadata.name === ns)).toHaveLength(1);
      }
      expect(fs.readFileSync(path.join(result.outdir, result.files[0].file), 'utf-8')).toMatch(/^kind: Namespace$/m);
    }
  });

  if (backend === 'keepalived') {
    const vipConfigMap = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.namespace === 'kube-system')!;

    test('the VIP ConfigMap maps each server\'s VIP (and the Dashboard\'s) to its Service, and to nothing else', () => {
      expect(vipConfigMap.data).toEqual(declaredVips(declaration));
    });

    test('each VIP in the ConfigMap is the externalIP of the Service it names, and of no other', () => {
      for (const [address, ref] of Object.entries(vipConfigMap.data as Record<string, string>)) {
        const [ns, name] = ref.split('/');
        expect(find(services.filter((s) => s.metadata.namespace === ns), 'Service', name).spec.externalIPs).toEqual([address]);
        expect(services.filter((s) => (s.spec.externalIPs ?? []).includes(address))).toHaveLength(1);
      }
    });

    test('the VIP controller runs privileged with hostNetwork on the router only, reading that ConfigMap', () => {
      const pod = objects.find((o) => o.kind === 'DaemonSet')!.spec.template.spec;
      expect(pod.nodeSelector).toEqual({ role: 'router' });
      expect(pod.hostNetwork).toBe(true);
      expect(pod.containers[0].securityContext.privileged).toBe(true);
      expect(pod.containers[0].args).toContain(`--services-configmap=kube-system/${vipConfigMap.metadata.name}`);
      expect(pod.containers[0].image).toBe(`${facts.registry}/kube-keepalived-vip:0.35`);
    });
  } else {
    test(`each VIP is asked for by exactly the Service it belongs to, of type LoadBalancer without node ports (${LB_ANNOTATION[backend]})`, () => {
      const asked = services.filter((s) => s.metadata.annotations?.[LB_ANNOTATION[backend]] !== undefined);
      expect(Object.fromEntries(asked.map((s) => [s.metadata.annotations?.[LB_ANNOTATION[backend]], `${s.metadata.namespace}/${s.metadata.name}`])))
        .toEqual(declaredVips(declaration));
      for (const s of asked) expect(s.spec).toMatchObject({ type: 'LoadBalancer', allocateLoadBalancerNodePorts: false });
    });

    test('nothing in the output sets externalIPs, and no ConfigMap maps VIPs', () => {
      expect(services.filter((s) => s.spec.externalIPs !== undefined).map((s) => s.metadata.name)).toEqual([]);
      expect(objects.filter((o) => o.kind === 'ConfigMap' && o.metadata.namespace === 'kube-system')).toEqual([]);
    });
  }

  if (backend === 'metallb') {
    test('the MetalLB pool is exactly the VIPs (/32, never auto-assigned, only to the site\'s namespaces), announced from the routers', () => {
      const pool = objects.find((o) => o.kind === 'IPAddressPool')!;
      const vips = declaredVips(declaration);
      expect(pool.metadata.namespace).toBe('metallb-system');
      expect([...pool.spec.addresses].sort()).toEqual(Object.keys(vips).map((a) => `${a}/32`).sort());
      expect(pool.spec.autoAssign).toBe(false);
      expect(pool.spec.serviceAllocation.namespaces).toEqual([...new Set(Object.values(vips).map((r) => r.split('/')[0]))].sort());
      const ad = objects.find((o) => o.kind === 'L2Advertisement')!;
      expect(ad.spec).toMatchObject({ ipAddressPools: [pool.metadata.name], nodeSelectors: [{ matchLabels: { role: 'router' } }] });
      // MetalLB itself comes from upstream's manifest: the backend's file holds only its configuration
      const file = result.files.find((f) => f.file.endsWith(`-${backend}.k8s.yaml`))!.file;
      expect(parseAllDocuments(fs.readFileSync(path.join(result.outdir, file), 'utf-8')).map((d) => d.toJSON().kind)).toEqual(['IPAddressPool', 'L2Advertisement']);
    });
  }

  if (backend === 'kube-vip') {
    test('kube-vip runs on the router role in the node\'s network with NET_ADMIN and NET_RAW only, in ARP services mode', () => {
      const ds = objects.find((o) => o.kind === 'DaemonSet')!;
      const pod = ds.spec.template.spec;
      expect(ds.metadata).toMatchObject({ name: 'kube-vip-ds', namespace: 'kube-system' });
      expect(pod).toMatchObject({ nodeSelector: { role: 'router' }, hostNetwork: true, serviceAccountName: 'kube-vip' });
      expect(pod.containers[0].securityContext).toEqual({ capabilities: { add: ['NET_ADMIN', 'NET_RAW'], drop: ['ALL'] } });
      expect(pod.containers[0].image).toBe(`${facts.registry}/kube-vip:v1.2.3`);
      const env = Object.fromEntries(pod.containers[0].env.filter((e: any) => e.value !== undefined).map((e: any) => [e.name, e.value]));
      expect(env).toMatchObject({ vip_arp: 'true', svc_enable: 'true', vip_leaderelection: 'true' });
      const binding = find(objects, 'ClusterRoleBinding', 'system:kube-vip-binding');
      expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'kube-vip', namespace: 'kube-system' }]);
    });
  }

  describe.each(declaration.servers.map((s) => [s.name, s] as const))('server %s', (name, server) => {
    const deployment = find(objects, 'Deployment', name);
    const pod = deployment.spec.template.spec;
    const service = find(objects, 'Service', name);
    const claimName = pod.volumes.find((v: any) => v.persistentVolumeClaim).persistentVolumeClaim.claimName;
    const pvc = find(objects, 'PersistentVolumeClaim', claimName);
    const pv = find(objects, 'PersistentVolume', pvc.spec.volumeName);

    test('runs its replicas of the registry\'s images at its version, on workers, in the site\'s namespace', () => {
      expect(deployment.spec.replicas).toBe(server.replicas ?? 2);
      expect(pod.containers.map((c: any) => c.image)).toEqual([`${facts.registry}/httpd:${server.version}`, `${facts.registry}/sshd:${server.version}`,
        // with PHP, php-fpm of its release at the same version
        ...(server.php ? [`${facts.registry}/${server.php.version.imageName}:${server.version}`] : []),
        // with monitoring, Apache's exporter at the same version
        ...(facts.monitoring ? [`${facts.registry}/apache-exporter:${server.version}`] : [])]);
      expect(pod.nodeSelector).toEqual({ role: 'worker' });
      expect([deployment, service, pvc].map((o) => o.metadata.namespace)).toEqual([nsOf(name), nsOf(name), nsOf(name)]);
    });

    test('its Service selects its pods, with SSH on its port', () => {
      const podLabels = deployment.spec.template.metadata.labels;
      expect(Object.entries(service.spec.selector).every(([k, v]) => podLabels[k] === v)).toBe(true);
      const https = serverCertificate(server, facts.certificate) ? [['https', 443]] : [];
      // behind the entry: the PROXY protocol listeners too (HTTPS's with a certificate)
      const proxy = server.entry ? [['http-proxy', 8180], ...(https.length ? [['https-proxy', 8543]] : [])] : [];
      expect(service.spec.ports.map((p: any) => [p.name, p.port])).toEqual([['http', 80], ...https, ['ssh', server.sshServicePort ?? 22], ...proxy]);
    });

    test('its claim binds to its own volume, its folder on the NAS', () => {
      expect(pv.spec.claimRef).toEqual({ name: claimName, namespace: nsOf(name) });
      expect(pv.spec.nfs).toEqual({ server: facts.nas.host, path: server.docroot?.exportPath ?? `${facts.nas.exportRoot}/${name}` });
      expect(pv.spec.mountOptions).toEqual(facts.nas.mountOptions);
      expect(pvc.spec.accessModes).toEqual(pv.spec.accessModes);
      for (const c of pod.containers.filter((container: any) => container.name !== 'exporter')) expect(c.volumeMounts.map((m: any) => m.name)).toContain('docroot');
    });
  });

  test('its picture (site.dot, parsed by a Graphviz DOT parser) runs VIP -> Service -> Deployment -> PVC -> PV -> NFS for each server (through the entry\'s pods when it is behind it)', () => {
    const { edges, roles } = readDiagram(fs.readFileSync(path.join(result.outdir, DIAGRAM_FILE), 'utf-8'));
    const entry = facts.entry ? `${entryNamespace(declaration.name, facts.entry)}:entry` : undefined;
    for (const server of declaration.servers) {
      const pvc = find(objects, 'PersistentVolumeClaim', server.docroot?.claimName ?? `${server.name}-docroot`);
      const ns = nsOf(server.name);
      const front = server.address ? [`VIP:${server.address.text}`] : [`VIP:${facts.entry!.address.text}`, `Service:${entry}`, `Deployment:${entry}`];
      const path_ = [...front, `Service:${ns}:${server.name}`, `Deployment:${ns}:${server.name}`,
        `PersistentVolumeClaim:${ns}:${pvc.metadata.name}`, `PersistentVolume:${pvc.spec.volumeName}`,
        `NFS:${facts.nas.host}:${server.docroot?.exportPath ?? `${facts.nas.exportRoot}/${server.name}`}`];
      for (let i = 1; i < path_.length; i++) expect(edges).toContainEqual([path_[i - 1], path_[i]]);
      expect(roles.get(`Deployment:${nsOf(server.name)}:${server.name}`)).toBe('worker');
    }
    expect([...roles].filter(([, role]) => role === 'router').map(([node]) => node.split(':')[0]).sort())
      .toEqual([backend === 'metallb' ? 'L2Advertisement' : 'DaemonSet', ...(entry ? ['Deployment'] : [])].sort());
  });

  test('its picture links the routers to every VIP they hold, draws the backups, and has a title and a legend', () => {
    const dot = fs.readFileSync(path.join(result.outdir, DIAGRAM_FILE), 'utf-8');
    const { edges, roles } = readDiagram(dot);
    // the VIP holder on the routers (the shared entry's pods run there too, and hold no VIP)
    const holder = [...roles].find(([node, role]) => role === 'router' && !node.startsWith('Deployment:'))![0];
    for (const address of Object.keys(declaredVips(declaration))) expect(edges).toContainEqual([holder, `VIP:${address}`]);
    // the holder's edges are exactly the site's VIPs (negative control: nothing else hangs off it)
    expect(edges.filter(([from]) => from === holder).map(([, to]) => to).sort()).toEqual(Object.keys(declaredVips(declaration)).map((a) => `VIP:${a}`).sort());
    for (const server of facts.backup ? declaration.servers : []) {
      const ns = nsOf(server.name);
      expect(edges).toContainEqual([`CronJob:${ns}:${server.name}-backup`, `PersistentVolumeClaim:${ns}:${server.docroot?.claimName ?? `${server.name}-docroot`}`]);
      expect(edges).toContainEqual([`CronJob:${ns}:${server.name}-backup`, `PersistentVolumeClaim:${ns}:${server.name}-backup`]);
      expect(roles.get(`CronJob:${ns}:${server.name}-backup`)).toBe('worker');
    }
    expect(dot).toContain(`label="${declaration.name}: VIP -> Service -> pods -> claim -> volume -> NAS";`);
    expect([...roles].filter(([, role]) => role === 'legend').map(([node]) => node)).toEqual([
      'legend:vip', 'legend:service', 'legend:workload', 'legend:job', 'legend:volume', 'legend:nfs', 'legend:holder',
      ...(facts.controlPlane ? ['legend:master'] : []), ...(facts.logs ? ['legend:logs'] : []),
    ]);
  });

  test('its picture sends every server\'s logs to the collector on the workers (dotted), which keeps them in its claim on the NAS', () => {
    const { edges, roles } = readDiagram(fs.readFileSync(path.join(result.outdir, DIAGRAM_FILE), 'utf-8'));
    const logsNs = facts.logs?.namespace ?? `${declaration.name}-logs`;
    const collector = `DaemonSet:${logsNs}:log-collector`;
    if (!facts.logs) {
      // negative control: a site without logs draws no collector
      expect(roles.has(collector)).toBe(false);
      return;
    }
    expect(roles.get(collector)).toBe('worker');
    for (const server of declaration.servers) expect(edges).toContainEqual([`Deployment:${nsOf(server.name)}:${server.name}`, collector]);
    expect(edges).toContainEqual([collector, `PersistentVolumeClaim:${logsNs}:logs`]);
    expect(edges).toContainEqual([`PersistentVolume:${declaration.name}-logs`, `NFS:${facts.logs.host ?? facts.nas.host}:${facts.logs.exportPath}`]);
  });

  test('its picture draws the control plane when the site declares one: each master holds the API VIP (dashed), the VIP reaches each', () => {
    const { edges, roles } = readDiagram(fs.readFileSync(path.join(result.outdir, DIAGRAM_FILE), 'utf-8'));
    const masters = [...roles].filter(([, role]) => role === 'control-plane').map(([node]) => node);
    if (!facts.controlPlane) {
      // negative control: a site without one draws none
      expect(masters).toEqual([]);
      return;
    }
    const port = facts.controlPlane.apiVipHolder.endpointPort;
    const api = `API VIP:${facts.controlPlane.apiAddress.text}:${port}`;
    expect(masters.sort()).toEqual([api, ...facts.controlPlane.nodes.map((n) => `master:${n.name}`)].sort());
    for (const n of facts.controlPlane.nodes) {
      expect(edges).toContainEqual([`master:${n.name}`, api]);
      expect(edges).toContainEqual([api, `master:${n.name}`]);
    }
  });

  test('every object carries the app\'s ownership labels', () => {
    expect(objects.filter((o) => o.metadata.labels?.['app.kubernetes.io/part-of'] !== declaration.name).map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([]);
  });
});

describe('dist/agency', () => {
  const result = synthApp(path.join(tmp, 'agency-dist'), (app) => new HostingSite(app, 'Site', AGENCY), { diagram: true });

  test.each([...result.files.map((f) => f.file), ...result.nodeFiles])('%s matches its snapshot', (file) => {
    expect(fs.readFileSync(path.join(result.outdir, file), 'utf-8')).toMatchSnapshot();
  });

  test('dist/agency, as `npx projen synth` wrote it, is the snapshotted site', () => {
    expect(distOf('agency')).toEqual(readTree(result.outdir));
  });

  test('creates a namespace per customer in its first file, before anything lives in them, each enforcing Pod Security "restricted"', () => {
    // (the entry's and the database's first: they are made before the servers they lead to or serve)
    const first = objectsIn(path.join(result.outdir)).filter((o) => o.kind === 'Namespace').slice(0, 5);
    expect(first.map((o) => o.metadata.name)).toEqual(['agency-entry', 'agency-database', 'acme', 'bakery', 'shop']);
    for (const ns of first) expect(ns.metadata.labels).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'restricted' });
    expect(objectsIn(result.outdir)[0]).toMatchObject({ kind: 'Namespace', metadata: { name: 'agency-entry' } });
  });

  test('runs MetalLB and Headlamp, with no externalIPs anywhere in its output', () => {
    const text = Object.values(readTree(result.outdir)).join('\n');
    expect(text).not.toMatch(/externalIPs/);
    expect(text).not.toMatch(/kubernetes-dashboard|keepalived/);
    const kinds = objectsIn(result.outdir).map((o) => o.kind);
    expect(kinds).toEqual(expect.arrayContaining(['IPAddressPool', 'L2Advertisement']));
    expect(find(objectsIn(result.outdir), 'Deployment', 'headlamp').spec.template.spec.containers[0].image).toBe('ghcr.io/headlamp-k8s/headlamp:v0.45.0');
  });
});

test('adding a server is one entry: the site grows by exactly its objects', () => {
  const count = (d: HostingSiteProps) => objectsIn(synthApp(path.join(tmp, `count-${d.servers.length}`), (app) => new HostingSite(app, 'Site', d)).outdir)
    .map((o: Manifest) => o.kind).sort();
  const one = count(LAB);
  const two = count({ ...LAB, servers: [...LAB.servers, { name: 'shop', address: Ipv4Address.of('192.168.1.32'), version: 'v1' }] });
  const added = [...two];
  for (const kind of one) added.splice(added.indexOf(kind), 1);
  // its docroot and Deployment, Service, disruption budget, network policy; with the lab's backups, its archive volume
  // and claim, its backup, prune, drill and restore CronJobs and their network policies (none in or out; out to the
  // lab's Pushgateway)
  expect(added).toEqual(['CronJob', 'CronJob', 'CronJob', 'CronJob', 'Deployment', 'NetworkPolicy', 'NetworkPolicy', 'NetworkPolicy', 'PersistentVolume', 'PersistentVolume',
    'PersistentVolumeClaim', 'PersistentVolumeClaim', 'PodDisruptionBudget', 'Service']);
});

/** The edges and the node roles (cluster subgraphs) of a DOT picture, from the parser's tree. */
function readDiagram(dot: string): { edges: Array<[string, string]>; roles: Map<string, string> } {
  const edges: Array<[string, string]> = [];
  const roles = new Map<string, string>();
  const walk = (stmts: Stmt[], role?: string) => {
    for (const st of stmts) {
      if (st.type === 'subgraph') {walk(st.children, String(st.id).replace(/^cluster_/, ''));} else if (st.type === 'node_stmt' && role) {roles.set(String(st.node_id.id), role);} else if (st.type === 'edge_stmt') {
        const [from, to] = st.edge_list.map((e) => String((e as { id: string | number }).id));
        edges.push([from, to]);
      }
    }
  };
  const graphs = parseDot(dot);
  expect(graphs).toHaveLength(1);
  walk(graphs[0].children);
  return { edges, roles };
}

test('the DOT parser the picture tests rely on refuses a broken picture (negative control)', () => {
  expect(() => parseDot('digraph site { "a" -> ; }')).toThrow();
  expect(readDiagram('digraph site { subgraph "cluster_worker" { "x" [label="x"]; } "v" -> "x"; }')).toEqual({
    edges: [['v', 'x']], roles: new Map([['x', 'worker']]),
  });
});
