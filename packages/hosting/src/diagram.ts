import { KUBE_VIP_ADDRESS_ANNOTATION, METALLB_ADVERTISEMENT_KIND, METALLB_POOL_KIND, VIP_ADDRESS_ANNOTATIONS } from '@cdk8s-vserver/vip';

const PART_OF = 'app.kubernetes.io/part-of';

/** An object as synthesized: the fields the diagram reads. */
interface Obj {
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string | undefined;
    readonly annotations?: Record<string, string> | undefined;
    readonly labels?: Record<string, string> | undefined;
  };
  readonly spec?: any | undefined;
  /** A ConfigMap's entries (kube-keepalived-vip's: VIP -> Service). */
  readonly data?: Record<string, string> | undefined;
}


/** A redundant control plane, as the picture draws it. */
export interface ControlPlanePicture {
  /** `<API VIP>:<port>`. */
  readonly endpoint: string;
  /** `keepalived-haproxy` or `kube-vip`. */
  readonly holder: string;
  /** The control-plane nodes, in declared order. */
  readonly nodes: ReadonlyArray<{ readonly name: string; readonly address: string }>;
}

/**
 * A picture of a synthesized site, as Graphviz DOT source: each VIP -> the Service that holds it -> the workloads
 * it selects -> their claims -> the volumes bound to them -> the NFS exports behind those; the VIP controller (or
 * MetalLB's advertisement) -> the VIPs it holds, dashed; the backup jobs -> the claims they read and write;
 * workloads grouped by the node role they run on (their `role` nodeSelector); every server -> the log collector that
 * keeps its logs, dotted (the collector -> its claim -> the NAS folder of the logs); with a redundant control plane, its
 * masters and the API VIP they hold; a title and a legend. Render it with any Graphviz (`dot -Tsvg site.dot > site.svg`).
 *
 * @param objects every object of the app, in apply order
 * @param title the picture's title
 * @default - the app's name (the objects' `app.kubernetes.io/part-of` label), when they carry one
 * @param controlPlane the site's redundant control plane, when it has one
 */
export function siteDiagram(objects: readonly Obj[], title = objects.find((o) => o.metadata.labels?.[PART_OF])?.metadata.labels?.[PART_OF],
  controlPlane?: ControlPlanePicture): string {
  const nodes = new Map<string, { label: string; shape: string; role?: string | undefined }>();
  const edges: string[] = [];
  const id = (...parts: string[]) => JSON.stringify(parts.join(':'));
  const add = (key: string, label: string, shape: string, role?: string) => {
    if (!nodes.has(key)) nodes.set(key, { label, shape, role });
    return key;
  };
  const ns = (o: Obj) => o.metadata.namespace ?? 'default';
  const workloads = objects.filter((o) => ['Deployment', 'DaemonSet', 'StatefulSet'].includes(o.kind));
  const podOf = (o: Obj) => (o.kind === 'CronJob' ? o.spec?.jobTemplate?.spec?.template?.spec : o.spec?.template?.spec) ?? {};
  const volumes = new Map(objects.filter((o) => o.kind === 'PersistentVolume').map((pv) => [pv.metadata.name, pv]));
  const claims = new Map(objects.filter((o) => o.kind === 'PersistentVolumeClaim').map((c) => [`${ns(c)}/${c.metadata.name}`, c]));

  for (const w of [...workloads, ...objects.filter((o) => o.kind === 'CronJob')]) {
    const pod = podOf(w);
    const what = w.kind === 'CronJob' ? ` (${w.spec?.suspend ? 'run by hand' : w.spec?.schedule})` : w.spec?.replicas ? ` (${w.spec.replicas} pod${w.spec.replicas === 1 ? '' : 's'})` : '';
    const wid = add(id(w.kind, ns(w), w.metadata.name), `${w.kind} ${ns(w)}/${w.metadata.name}${what}`, w.kind === 'CronJob' ? 'component' : 'box', pod.nodeSelector?.role);
    for (const v of pod.volumes ?? []) {
      const claimName = v.persistentVolumeClaim?.claimName;
      if (!claimName) continue;
      const claim = claims.get(`${ns(w)}/${claimName}`);
      const cid = add(id('PersistentVolumeClaim', ns(w), claimName), `PVC ${ns(w)}/${claimName}`, 'cylinder');
      edges.push(`${wid} -> ${cid}`);
      const pv = claim?.spec?.volumeName ? volumes.get(claim.spec.volumeName) : undefined;
      if (!pv) continue;
      const pid = add(id('PersistentVolume', pv.metadata.name), `PV ${pv.metadata.name}`, 'cylinder');
      edges.push(`${cid} -> ${pid}`);
      if (pv.spec?.nfs) {
        const nas = add(id('NFS', pv.spec.nfs.server, pv.spec.nfs.path), `NFS ${pv.spec.nfs.server}:${pv.spec.nfs.path}`, 'folder');
        edges.push(`${pid} -> ${nas}`);
      }
    }
  }
  // a shared entry: its pods lead to each server's Service by the names in its maps (dashed: by name, not by selector);
  // the maps are in its ConfigMaps of servers, 200 servers each
  for (const entry of workloads.filter((w) => w.kind === 'Deployment' && w.metadata.labels?.['app.kubernetes.io/name'] === 'shared-entry')) {
    const instance = entry.metadata.labels?.['app.kubernetes.io/instance'];
    const configs = objects.filter((o) => o.kind === 'ConfigMap' && ns(o) === ns(entry) && o.metadata.labels?.['app.kubernetes.io/name'] === 'shared-entry'
      && o.metadata.labels?.['app.kubernetes.io/instance'] === instance);
    const routes = new Map<string, string[]>();
    for (const [file, text] of configs.flatMap((c) => Object.entries<string>(c.data ?? {}))) {
      if (!/^http(-wildcard)?-\d+\.map$/.test(file)) continue;
      for (const line of String(text).split('\n').filter(Boolean)) {
        const [hostname, backend] = line.split(' ');
        const [namespace, name] = backend.split('.');
        const key = `${namespace}/${name}`;
        routes.set(key, [...routes.get(key) ?? [], hostname.replace(/^\^\[\^\.\]\+/, '*').replace(/\\/g, '').replace(/\$$/, '')]);
      }
    }
    for (const [key, hostnames] of routes) {
      const [namespace, name] = key.split('/');
      edges.push(`${id(entry.kind, ns(entry), entry.metadata.name)} -> ${id('Service', namespace, name)} [style=dashed, label=${JSON.stringify(hostnames.join('\n'))}]`);
    }
  }
  // a shared entry as a Gateway: its VIP -> the Gateway (its implementation's proxy) -> each server's Service, by the
  // hostnames of the server's routes (dashed: by name)
  for (const g of objects.filter((o) => o.kind === 'Gateway')) {
    const gid = add(id('Gateway', ns(g), g.metadata.name), `Gateway ${ns(g)}/${g.metadata.name} (class ${g.spec?.gatewayClassName}, run by its implementation)`, 'box');
    for (const a of g.spec?.addresses ?? []) edges.push(`${add(id('VIP', a.value), `VIP ${a.value}`, 'doublecircle')} -> ${gid}`);
    const sets = objects.filter((o) => o.kind === 'ListenerSet' && ns(o) === ns(g) && o.spec?.parentRef?.name === g.metadata.name).map((o) => o.metadata.name);
    for (const r of objects.filter((o) => o.kind === 'HTTPRoute')) {
      const parents = (r.spec?.parentRefs ?? []).filter((p: any) => p.namespace === ns(g)
        && ((p.kind === 'Gateway' && p.name === g.metadata.name) || (p.kind === 'ListenerSet' && sets.includes(p.name))));
      if (parents.length === 0) continue;
      for (const backend of r.spec?.rules?.[0]?.backendRefs ?? []) {
        edges.push(`${gid} -> ${id('Service', ns(r), backend.name)} [style=dashed, label=${JSON.stringify((r.spec.hostnames ?? []).join('\n'))}]`);
      }
    }
  }
  // a database mariadb-operator runs: its MariaDB, on the claim of a storage class the operator makes
  for (const m of objects.filter((o) => o.kind === 'MariaDB')) {
    const replicas = m.spec?.replicas ?? 1;
    const mid = add(id('MariaDB', ns(m), m.metadata.name), `MariaDB ${ns(m)}/${m.metadata.name} (${replicas} pod${replicas === 1 ? '' : 's'}, run by mariadb-operator)`,
      'box', m.spec?.nodeSelector?.role);
    const storage = m.spec?.storage;
    if (storage?.storageClassName) {
      edges.push(`${mid} -> ${add(id('StorageClass', storage.storageClassName), `claims of class ${storage.storageClassName}`, 'cylinder')}`);
    }
  }
  for (const s of objects.filter((o) => o.kind === 'Service')) {
    const selector: Record<string, string> = s.spec?.selector ?? {};
    const targets = workloads.filter((w) => ns(w) === ns(s) && Object.keys(selector).length > 0
      && Object.entries(selector).every(([k, v]) => w.spec?.template?.metadata?.labels?.[k] === v));
    const ports = (s.spec?.ports ?? []).map((p: { port: number }) => `:${p.port}`).join(' ');
    const sid = add(id('Service', ns(s), s.metadata.name), `Service ${ns(s)}/${s.metadata.name} ${ports}`.trim(), 'ellipse');
    for (const t of targets) edges.push(`${sid} -> ${id(t.kind, ns(t), t.metadata.name)}`);
    // kube-keepalived-vip sets externalIPs; MetalLB and kube-vip read the address from an annotation
    const requested = Object.entries(s.metadata.annotations ?? {})
      .filter(([key]) => VIP_ADDRESS_ANNOTATIONS.includes(key)).flatMap(([, value]) => value.split(',').map((a) => a.trim()));
    for (const address of [...(s.spec?.externalIPs ?? []), ...requested]) {
      edges.push(`${add(id('VIP', address), `VIP ${address}`, 'doublecircle')} -> ${sid}`);
    }
  }

  // MetalLB's announcer: the VIPs of its pools are answered from the nodes of its role
  for (const ad of objects.filter((o) => o.kind === METALLB_ADVERTISEMENT_KIND)) {
    const role = ad.spec?.nodeSelectors?.[0]?.matchLabels?.role;
    const label = `MetalLB ${METALLB_ADVERTISEMENT_KIND} ${ns(ad)}/${ad.metadata.name}`;
    const aid = add(id(METALLB_ADVERTISEMENT_KIND, ns(ad), ad.metadata.name), label, 'box', role);
    const named: string[] = ad.spec?.ipAddressPools ?? [];
    const pools = objects.filter((o) => o.kind === METALLB_POOL_KIND && ns(o) === ns(ad) && named.includes(o.metadata.name));
    for (const pool of pools) {
      for (const cidr of pool.spec?.addresses ?? []) {
        const address = String(cidr).replace(/\/32$/, '');
        edges.push(`${aid} -> ${add(id('VIP', address), `VIP ${address}`, 'doublecircle')} [style=dashed]`);
      }
    }
  }

  // The VIP controllers on the routers: kube-keepalived-vip holds the VIPs of its ConfigMap, kube-vip those Services
  // ask of it by annotation.
  const vipsAsked = (annotation: string) => objects.filter((o) => o.kind === 'Service')
    .flatMap((s) => (s.metadata.annotations?.[annotation] ?? '').split(',').map((a: string) => a.trim()).filter(Boolean));
  for (const ds of workloads.filter((w) => w.kind === 'DaemonSet')) {
    const args: string[] = (podOf(ds).containers ?? []).flatMap((c: any) => c.args ?? []);
    const env: Array<{ name: string; value?: string }> = (podOf(ds).containers ?? []).flatMap((c: any) => c.env ?? []);
    const configMap = args.find((a) => a.startsWith('--services-configmap='))?.split('=')[1];
    const held = configMap
      ? Object.keys(objects.find((o) => o.kind === 'ConfigMap' && `${ns(o)}/${o.metadata.name}` === configMap)?.data ?? {})
      : env.some((e) => e.name === 'svc_enable' && e.value === 'true') ? vipsAsked(KUBE_VIP_ADDRESS_ANNOTATION) : [];
    for (const address of held) edges.push(`${id(ds.kind, ns(ds), ds.metadata.name)} -> ${add(id('VIP', address), `VIP ${address}`, 'doublecircle')} [style=dashed]`);
  }

  // The log collector on the workers: every server's logs (its pods' httpd and sshd output) go to it, dotted, and it
  // keeps them in its claim on the NAS (drawn above)
  const collectors = workloads.filter((w) => w.kind === 'DaemonSet' && w.metadata.labels?.['app.kubernetes.io/component'] === 'log-collector');
  for (const collector of collectors) {
    for (const server of workloads.filter((w) => w.kind === 'Deployment' && w.spec?.template?.metadata?.labels?.['app.kubernetes.io/name'] === 'web-ssh-server')) {
      edges.push(`${id(server.kind, ns(server), server.metadata.name)} -> ${id(collector.kind, ns(collector), collector.metadata.name)} [style=dotted, label="logs"]`);
    }
  }

  // The control plane: the API VIP, held (dashed) by one master at a time, in front of every master's API server
  if (controlPlane) {
    const balanced = controlPlane.holder === 'keepalived-haproxy';
    const api = add(id('API VIP', controlPlane.endpoint), `API VIP ${controlPlane.endpoint}`, 'doublecircle', 'control-plane');
    for (const node of controlPlane.nodes) {
      const parts = balanced ? 'etcd, kube-apiserver :6443, keepalived, haproxy' : 'etcd, kube-apiserver :6443, kube-vip';
      const mid = add(id('master', node.name), `${node.name} ${node.address}\n${parts}`, 'box3d', 'control-plane');
      edges.push(`${mid} -> ${api} [style=dashed]`);
      // haproxy on the holder balances over every API server; with kube-vip the holder's own API server answers
      edges.push(`${api} -> ${mid}${balanced ? '' : ' [style=dotted]'}`);
    }
  }

  const line = (key: string, n: { label: string; shape: string }) => `    ${key} [label=${JSON.stringify(n.label)}, shape=${n.shape}];`;
  const roles = [...new Set([...nodes.values()].map((n) => n.role).filter((r): r is string => r !== undefined))].sort();
  return [
    'digraph site {',
    '  rankdir=LR;',
    ...(title ? [`  label=${JSON.stringify(`${title}: VIP -> Service -> pods -> claim -> volume -> NAS`)};`, '  labelloc=t;'] : []),
    '  subgraph "cluster_legend" {',
    '    label="legend";',
    '    "legend:vip" [label="VIP", shape=doublecircle];',
    '    "legend:service" [label="Service", shape=ellipse];',
    '    "legend:workload" [label="Deployment, DaemonSet", shape=box];',
    '    "legend:job" [label="CronJob", shape=component];',
    '    "legend:volume" [label="claim, volume", shape=cylinder];',
    '    "legend:nfs" [label="NFS export", shape=folder];',
    '    "legend:holder" [label="holds the VIP", shape=plaintext];',
    '    "legend:holder" -> "legend:vip" [style=dashed];',
    ...(controlPlane ? ['    "legend:master" [label="control-plane node", shape=box3d];'] : []),
    ...(collectors.length ? ['    "legend:logs" [label="its logs, kept by", shape=plaintext];', '    "legend:logs" -> "legend:workload" [style=dotted];'] : []),
    '  }',
    ...roles.flatMap((role) => [
      `  subgraph ${JSON.stringify(`cluster_${role}`)} {`,
      `    label=${JSON.stringify(role === 'control-plane' ? 'control plane (kubeadm, stacked etcd)' : `nodes role=${role}`)};`,
      ...[...nodes].filter(([, n]) => n.role === role).map(([key, n]) => line(key, n)),
      '  }',
    ]),
    ...[...nodes].filter(([, n]) => n.role === undefined).map(([key, n]) => line(key, n).slice(2)),
    ...edges.map((e) => `  ${e};`),
    '}',
    '',
  ].join('\n');
}
