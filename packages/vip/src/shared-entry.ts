import { createHash } from 'crypto';
import {
  AppChecks, clusterDnsEgressRule, containerResources, FieldPath, ImageReference, ImageSource, k8s, MANAGED_BY, namespaceOf, NodeRole,
  OperatorContract, requireDnsLabel, requireDnsSubdomain, requireImagePullSecrets, requireInteger, requireNodeRole, requirePinnedImage,
  requireResources, resourceName, restrictedContainerContext, restrictedPodContext, SiteError, Warnings,
} from '@cdk8s-vserver/core';
import { Lazy } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { EntryHostnames } from './entry-hostnames';

/** The Dockerfile folder of the entry's image, in this project: the operator builds and pushes it to the site's registry. */
export const ENTRY_IMAGE_FOLDER = 'packages/vip/images/entry';
/** The entry's listeners in its pods (unprivileged: it runs as nobody); the Service maps 80 and 443 to them. */
export const ENTRY_HTTP_PORT = 8080;
export const ENTRY_HTTPS_PORT = 8443;
/** The entry's health port: `GET /healthz` answers 200 while haproxy runs (readiness and liveness). */
export const ENTRY_HEALTH_PORT = 8404;
/** The uid haproxy runs as: nobody of the image. */
const ENTRY_UID = 65534;
/** Where the configuration is mounted. */
const CONFIG_DIR = '/etc/haproxy';
/** The longest a stopping pod lets its connections finish (haproxy's hard-stop-after), in seconds. */
const HARD_STOP_SECONDS = 30;
/** How long a stopping pod keeps accepting, so every node's kube-proxy has taken it out of the Service first. */
const PRE_STOP_SECONDS = 5;
/**
 * How many servers one ConfigMap of the entry holds: `kubectl apply` keeps a copy of each object in an annotation of
 * at most 256 KiB, and a server takes up to about 600 bytes of configuration (its backends, SSH frontend and map lines),
 * so 200 of them stay far below it (and below a ConfigMap's 1 MiB), whatever the site's size.
 */
export const ENTRY_SERVERS_PER_CONFIG_MAP = 200;

/** Props of {@link SharedEntry}. */
export interface SharedEntryProps {
  /** Name of the Deployment, Service, ConfigMap and NetworkPolicy. @default - the construct id in kebab case */
  readonly name?: string | undefined;
  /** The entry's image, pinned (`master.test:5000/myrepo/entry:v1`, from `packages/vip/images/entry/`: Debian 13's haproxy 3.0). */
  readonly image: ImageReference;
  /** How many haproxy pods: 2 or more, so a rollout or a lost node leaves one serving. @default 2 */
  readonly replicas?: number | undefined;
  /**
   * The node role the pods run on. The routers, by default: the VIP arrives there, and with the client's address kept
   * (externalTrafficPolicy Local) MetalLB and kube-vip answer for it only from a node with one of these pods.
   * @default NodeRole.ROUTER
   */
  readonly nodeRole?: NodeRole | undefined;
  /** The cluster's DNS domain: a server's Service is `<name>.<namespace>.svc.<clusterDomain>`. @default 'cluster.local' */
  readonly clusterDomain?: string | undefined;
  /** Resources of haproxy. @default - requests 50m CPU / 64Mi memory, limits 1 CPU / 256Mi memory */
  readonly resources?: k8s.ResourceRequirements | undefined;
  /** Secrets with the registry's credentials. @default - none */
  readonly imagePullSecrets?: string[] | undefined;
}

/** A server behind the entry: where its Service is and which names and port lead to it. */
export interface EntryServerOptions {
  /** The server's name (its Service's). */
  readonly name: string;
  /** The server's namespace. */
  readonly namespace: string;
  /**
   * The hostnames routed to it: by the TLS ClientHello's server name on 443, by the Host header on 80. At least one;
   * `*.example.org` takes every name one label under `example.org` that no other server names exactly.
   */
  readonly hostnames: string[];
  /** Its Service's PROXY protocol listener for HTTP (`http-proxy`, 8180 with `WebSshServer`). */
  readonly httpProxyPort: number;
  /** Its Service's PROXY protocol listener for HTTPS (`https-proxy`, 8543), when it serves HTTPS. */
  readonly httpsProxyPort?: number | undefined;
  /** The entry's port that leads to the server's SSH (1024-65535, one per server): customers connect with `ssh -p <port>`. @default - no SSH through the entry */
  readonly sshPort?: number | undefined;
  /** Its Service's SSH port (`WebSshServer`'s `sshServicePort`, 22 by default). */
  readonly sshServicePort: number;
  /** Its sshd's port in the pods (2222 with `WebSshServer`), for the entry's way out. */
  readonly sshTargetPort: number;
  /** The labels of its pods, for the entry's way out. */
  readonly podLabels: Record<string, string>;
  /**
   * Its Service's fixed cluster IP, when it has one: the entry then connects to that address without a DNS lookup.
   * @default - its Service's DNS name, resolved by haproxy through the cluster's DNS
   */
  readonly clusterIp?: string | undefined;
}

/** What the entry gives a server (`WebSshServer`'s `entry`). */
export interface EntryServerBinding {
  /** The entry's pods, the only peers the server lets in to its PROXY protocol listeners. */
  readonly peer: k8s.NetworkPolicyPeer;
  /** The port of the entry's VIP that leads to the server's SSH, when it has one. */
  readonly sshPort?: number | undefined;
}

/** A server's route, as the entry's configuration writes it. */
export interface EntryRoute {
  readonly name: string;
  readonly namespace: string;
  /** Lowercase. */
  readonly hostnames: string[];
  /** `host:port` of the server's Service for HTTP, HTTPS and SSH. */
  readonly http: string;
  readonly https?: string | undefined;
  readonly sshPort?: number | undefined;
  readonly ssh?: string | undefined;
  /** Whether the addresses are DNS names (haproxy resolves them through the cluster's DNS). */
  readonly byName: boolean;
}

/**
 * One address for many servers: haproxy (Debian 13's 3.0, this package's image) on the site's VIP for ports 80 and
 * 443, and one port per server for SSH. HTTPS is routed by the TLS ClientHello's server name and passed through
 * untouched (each server ends its own TLS with its own certificate); HTTP by the Host header (ACME's HTTP-01 challenges
 * reach the right server; the redirect to HTTPS still comes from the server); SSH by port. Every connection reaches the
 * server with a PROXY protocol v2 header, so its logs and limits see the visitor. A name no server has is refused: a
 * closed connection on 443, a 404 "no such site" on 80, never another customer's site.
 *
 * Its configuration is written at synth from the servers added (`addServer()`); a new server is a new configuration
 * and a rollout of the entry, which drops nothing: two or more pods, one new before one old goes, and an old one stops
 * softly (its connections finish). Restricted pods, readiness on a health port, a PodDisruptionBudget, a NetworkPolicy.
 */
export class SharedEntry extends Construct {
  public readonly name: string;
  public readonly namespace: string;
  /** The ConfigMap of `haproxy.cfg`: the global settings, the frontends and the lookups. */
  public readonly configMap: k8s.KubeConfigMap;
  public readonly deployment: k8s.KubeDeployment;
  /** The Service to publish on the entry's VIP (`IVipController.expose`): 80, 443 and each server's SSH port. */
  public readonly service: k8s.KubeService;
  public readonly podDisruptionBudget: k8s.KubePodDisruptionBudget;
  public readonly networkPolicy: k8s.KubeNetworkPolicy;
  /** The labels of the entry's pods. */
  public readonly podLabels: Record<string, string>;
  private readonly clusterDomain: string;
  private readonly routes: EntryRoute[] = [];
  /** The ConfigMaps of the servers' backends and map lines, `<name>-servers-001`, ..., 200 servers each. */
  private readonly serverConfigMaps: k8s.KubeConfigMap[] = [];
  private readonly labels: Record<string, string>;
  /** The configuration of the routes so far, rendered at synth. */
  private readonly config: () => EntryConfig;
  private readonly egressPeers: Array<{ labels: Record<string, string>; ports: number[] }> = [];
  /** Who took each hostname and SSH port, for the errors. */
  private readonly hostnames = new EntryHostnames();
  private readonly sshPortOwners = new Map<number, string>();

  constructor(scope: Construct, id: string, props: SharedEntryProps) {
    super(scope, id);
    AppChecks.of(this).trust(this);
    const name = this.name = resourceName(this, 'name', props.name);
    this.namespace = namespaceOf(this);
    const image = requirePinnedImage(this, 'image', props.image);
    const replicas = requireInteger(this, 'replicas', props.replicas ?? 2, 1, 20);
    if (replicas < 2) {
      Warnings.of(this).add("'replicas' is 1: every site behind the entry is down while its only pod restarts or moves, and the "
        + 'PodDisruptionBudget blocks a drain of its node; use 2 or more.');
    }
    const nodeRole = requireNodeRole(this, 'nodeRole', props.nodeRole ?? NodeRole.ROUTER);
    this.clusterDomain = requireDnsSubdomain(this, 'clusterDomain', props.clusterDomain ?? 'cluster.local', 'cluster.local');
    const resources = requireResources(this, 'resources', props.resources ?? containerResources('50m', '64Mi', '1', '256Mi'));
    OperatorContract.of(this).pullsImage(image, ImageSource.build(ENTRY_IMAGE_FOLDER));

    this.podLabels = { 'app.kubernetes.io/name': 'shared-entry', 'app.kubernetes.io/instance': name };
    const labels = this.labels = { ...this.podLabels, ...MANAGED_BY };
    // rendered at synth: servers added after the construct are in it (routes are only ever added: their count says
    // whether the last rendering is still the configuration)
    let rendered: { routes: number; config: EntryConfig } | undefined;
    const config = this.config = () => {
      if (rendered?.routes !== this.routes.length) rendered = { routes: this.routes.length, config: entryConfig(this.routes) };
      return rendered.config;
    };
    this.configMap = new k8s.KubeConfigMap(this, 'Config', {
      metadata: { name, labels },
      data: Lazy.any({ produce: () => config().main }) as unknown as Record<string, string>,
    });
    const health = { httpGet: { path: '/healthz', port: k8s.IntOrString.fromNumber(ENTRY_HEALTH_PORT), scheme: 'HTTP' } };
    const sshPorts = () => this.routes.flatMap((r) => (r.sshPort === undefined ? [] : [r.sshPort]));
    this.deployment = new k8s.KubeDeployment(this, 'Deployment', {
      metadata: { name, labels },
      spec: {
        replicas,
        selector: { matchLabels: this.podLabels },
        // one new pod ready before an old one goes: the entry never has fewer than `replicas` serving
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: k8s.IntOrString.fromNumber(0), maxSurge: k8s.IntOrString.fromNumber(1) } },
        minReadySeconds: 5,
        template: {
          metadata: {
            labels,
            // a new configuration (a server added or changed) rolls the pods out
            annotations: { 'cdk8s-vserver.io/config-sha256': Lazy.any({ produce: () => sha256(JSON.stringify(config())) }) as unknown as string },
          },
          spec: {
            containers: [{
              name: 'haproxy',
              image: image.reference,
              imagePullPolicy: 'IfNotPresent',
              // every .cfg of the folder, in order: haproxy.cfg, then servers-001.cfg, ...
              args: ['-W', '-db', '-f', `${CONFIG_DIR}/`],
              ports: Lazy.any({
                produce: () => [
                  { name: 'http', containerPort: ENTRY_HTTP_PORT },
                  { name: 'https', containerPort: ENTRY_HTTPS_PORT },
                  { name: 'health', containerPort: ENTRY_HEALTH_PORT },
                  ...sshPorts().map((port) => ({ name: `ssh-${port}`, containerPort: port })),
                ],
              }) as unknown as k8s.ContainerPort[],
              securityContext: restrictedContainerContext(ENTRY_UID),
              resources,
              readinessProbe: { ...health, periodSeconds: 2, failureThreshold: 2, timeoutSeconds: 2 },
              livenessProbe: { ...health, initialDelaySeconds: 5, periodSeconds: 10, failureThreshold: 3, timeoutSeconds: 2 },
              // keep accepting until every kube-proxy has taken the pod out of the Service; then the image's stop signal
              // (SIGUSR1) closes the listeners and lets the connections finish
              lifecycle: { preStop: { exec: { command: ['sleep', String(PRE_STOP_SECONDS)] } } },
              volumeMounts: [{ name: 'config', mountPath: CONFIG_DIR, readOnly: true }],
            }],
            volumes: [{
              name: 'config',
              projected: {
                sources: Lazy.any({
                  produce: () => [this.configMap, ...this.serverConfigMaps].map((c) => ({ configMap: { name: c.name } })),
                }) as unknown as k8s.VolumeProjection[],
              },
            }],
            terminationGracePeriodSeconds: PRE_STOP_SECONDS + HARD_STOP_SECONDS + 5,
            nodeSelector: nodeRole.nodeSelector,
            // on different nodes when there are enough
            affinity: {
              podAntiAffinity: {
                preferredDuringSchedulingIgnoredDuringExecution: [{
                  weight: 100,
                  podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: this.podLabels } },
                }],
              },
            },
            securityContext: restrictedPodContext(ENTRY_UID),
            automountServiceAccountToken: false,
            imagePullSecrets: requireImagePullSecrets(this, 'imagePullSecrets', props.imagePullSecrets),
          },
        },
      },
    });
    const tcp = (port: number) => ({ protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) });
    this.service = new k8s.KubeService(this, 'Service', {
      metadata: { name, labels },
      spec: {
        type: 'ClusterIP',
        selector: this.podLabels,
        ports: Lazy.any({
          produce: () => [
            { name: 'http', port: 80, targetPort: k8s.IntOrString.fromNumber(ENTRY_HTTP_PORT) },
            { name: 'https', port: 443, targetPort: k8s.IntOrString.fromNumber(ENTRY_HTTPS_PORT) },
            ...sshPorts().map((port) => ({ name: `ssh-${port}`, port, targetPort: k8s.IntOrString.fromNumber(port) })),
          ],
        }) as unknown as k8s.ServicePort[],
      },
    });
    this.podDisruptionBudget = new k8s.KubePodDisruptionBudget(this, 'PodDisruptionBudget', {
      metadata: { name, labels },
      spec: { minAvailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: this.podLabels } },
    });
    this.networkPolicy = new k8s.KubeNetworkPolicy(this, 'NetworkPolicy', {
      metadata: { name, labels },
      spec: {
        podSelector: { matchLabels: this.podLabels },
        policyTypes: ['Ingress', 'Egress'],
        ingress: Lazy.any({
          // visitors from anywhere, to the entry's own ports only (the health port is the kubelet's, which policies do not filter)
          produce: () => [{ ports: [ENTRY_HTTP_PORT, ENTRY_HTTPS_PORT, ...sshPorts()].map(tcp) }],
        }) as unknown as k8s.NetworkPolicyIngressRule[],
        egress: Lazy.any({
          produce: () => [
            ...(this.routes.some((r) => r.byName) ? [clusterDnsEgressRule()] : []),
            // each server's pods, on their PROXY protocol listeners and sshd only
            ...this.egressPeers.map((p) => ({ to: [{ namespaceSelector: {}, podSelector: { matchLabels: p.labels } }], ports: p.ports.map(tcp) })),
          ],
        }) as unknown as k8s.NetworkPolicyEgressRule[],
      },
    });
  }

  /** The servers behind the entry, in the order added. */
  public get servers(): readonly EntryRoute[] {
    return this.routes;
  }

  /** The ConfigMaps of the servers' backends and map lines, 200 servers each, in order. */
  public get serverConfigs(): readonly k8s.KubeConfigMap[] {
    return this.serverConfigMaps;
  }

  /**
   * Routes the server's hostnames (and SSH port) to it. A hostname another server behind the entry has, a wildcard
   * that takes another server's name, or an SSH port taken is an error naming both declarations.
   *
   * @param scope the construct whose prop declared the server (errors name it and `prop`)
   * @param prop the declaration's path of the server's entry (`servers[2].entry`)
   */
  public addServer(scope: IConstruct, prop: string, options: EntryServerOptions): EntryServerBinding {
    const hostnames = this.hostnames.claim(scope, prop, options.hostnames);
    const where = FieldPath.locate(scope, prop);
    const who = `${where.prop} (${where.scope.node.path})`;
    const name = requireDnsLabel(scope, `${prop} (name)`, options.name);
    const namespace = requireDnsLabel(scope, `${prop} (namespace)`, options.namespace);
    let sshPort: number | undefined;
    if (options.sshPort !== undefined) {
      sshPort = requireInteger(scope, `${prop}.sshPort`, options.sshPort, 1024, 65535);
      if ([ENTRY_HTTP_PORT, ENTRY_HTTPS_PORT, ENTRY_HEALTH_PORT].includes(sshPort)) {
        throw SiteError.invalidProp(scope, `${prop}.sshPort`, sshPort, `be none of the entry's own ports (${ENTRY_HTTP_PORT}, ${ENTRY_HTTPS_PORT}, `
          + `${ENTRY_HEALTH_PORT}): choose another, such as 2201`);
      }
      const taken = this.sshPortOwners.get(sshPort);
      if (taken) throw SiteError.invalidProp(scope, `${prop}.sshPort`, sshPort, `differ from every other server's: ${taken} has it. Give each server a port of its own`);
      this.sshPortOwners.set(sshPort, who);
    }
    const byName = options.clusterIp === undefined;
    const host = options.clusterIp ?? `${name}.${namespace}.svc.${this.clusterDomain}`;
    if (this.routes.length % ENTRY_SERVERS_PER_CONFIG_MAP === 0) {
      const i = this.serverConfigMaps.length;
      this.serverConfigMaps.push(new k8s.KubeConfigMap(this, `Servers${chunkNumber(i)}`, {
        metadata: { name: `${this.name}-servers-${chunkNumber(i)}`, labels: this.labels },
        data: Lazy.any({ produce: () => this.config().chunks[i] }) as unknown as Record<string, string>,
      }));
    }
    this.routes.push({
      name,
      namespace,
      hostnames,
      http: `${host}:${options.httpProxyPort}`,
      https: options.httpsProxyPort === undefined ? undefined : `${host}:${options.httpsProxyPort}`,
      sshPort,
      ssh: sshPort === undefined ? undefined : `${host}:${options.sshServicePort}`,
      byName,
    });
    this.egressPeers.push({
      labels: options.podLabels,
      ports: [options.httpProxyPort, ...(options.httpsProxyPort === undefined ? [] : [options.httpsProxyPort]),
        ...(sshPort === undefined ? [] : [options.sshTargetPort])],
    });
    return { peer: { namespaceSelector: {}, podSelector: { matchLabels: this.podLabels } }, sshPort };
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** A backend's name in the configuration: `<namespace>.<name>.<protocol>`. */
function backendName(route: EntryRoute, protocol: 'http' | 'https' | 'ssh'): string {
  return `${route.namespace}.${route.name}.${protocol}`;
}

/**
 * The entry's configuration, as the ConfigMaps hold it: `main` is `haproxy.cfg` (the global settings, the frontends
 * and the lookups); each of `chunks` holds 200 servers' backends (`servers-001.cfg`) and their map lines
 * (`http-001.map`, `https-001.map`, `http-wildcard-001.map`, `https-wildcard-001.map`, each when it has a line).
 */
export interface EntryConfig {
  readonly main: Record<string, string>;
  readonly chunks: Array<Record<string, string>>;
}

/** Every file of an entry's configuration, by name in `/etc/haproxy/`: `haproxy -f <folder>/` reads the .cfg ones in order. */
export function entryConfigFiles(config: EntryConfig): Record<string, string> {
  return Object.assign({}, config.main, ...config.chunks);
}

/**
 * The entry's configuration for these routes (haproxy 3.0): `haproxy.cfg`, and per 200 servers their backends and the
 * maps from a name to its server's backend (exact names looked up in a tree, `map_str`, in every chunk first; then
 * wildcards by regular expression, so an exact name always wins), one line per name: a thousand servers are a
 * thousand lines, not a thousand rules.
 *
 * @param dir where the maps are read from (the pod's `/etc/haproxy`; another folder to check the files elsewhere)
 */
export function entryConfig(routes: readonly EntryRoute[], dir = CONFIG_DIR): EntryConfig {
  const chunks = Array.from({ length: Math.ceil(routes.length / ENTRY_SERVERS_PER_CONFIG_MAP) },
    (_, i) => routes.slice(i * ENTRY_SERVERS_PER_CONFIG_MAP, (i + 1) * ENTRY_SERVERS_PER_CONFIG_MAP));
  // each chunk's map lines by protocol, worked out once: the lookups below and the map files read them
  const maps = chunks.map((chunk) => {
    const lines = (protocol: 'http' | 'https') => {
      const served = chunk.filter((r) => protocol === 'http' || r.https);
      const exact = served.flatMap((r) => r.hostnames.filter((h) => !h.startsWith('*.')).map((h) => `${h} ${backendName(r, protocol)}`));
      const wildcard = served.flatMap((r) => r.hostnames.filter((h) => h.startsWith('*.'))
        .map((h) => `^[^.]+${h.slice(1).replace(/\./g, '\\.')}$ ${backendName(r, protocol)}`));
      return { exact, wildcard };
    };
    return { http: lines('http'), https: lines('https') };
  });
  const mapFile = (protocol: 'http' | 'https', kind: 'exact' | 'wildcard', i: number) =>
    `${protocol}${kind === 'wildcard' ? '-wildcard' : ''}-${chunkNumber(i)}.map`;
  const lookup = (rule: string, fetch: string, protocol: 'http' | 'https') => [
    ...maps.flatMap((m, i) => (m[protocol].exact.length
      ? [`  ${rule} set-var(txn.backend) ${fetch},map_str(${dir}/${mapFile(protocol, 'exact', i)}) unless { var(txn.backend) -m found }`] : [])),
    ...maps.flatMap((m, i) => (m[protocol].wildcard.length
      ? [`  ${rule} set-var(txn.backend) ${fetch},map_reg(${dir}/${mapFile(protocol, 'wildcard', i)}) unless { var(txn.backend) -m found }`] : [])),
    '  use_backend %[var(txn.backend)] if { var(txn.backend) -m found }',
  ];
  const resolve = (r: EntryRoute) => (r.byName ? ' resolvers cluster init-addr last,libc,none' : '');
  const out: string[] = [
    '# The shared entry, written at synth by SharedEntry from the site\'s declaration: do not edit.',
    // (no maxconn: haproxy takes as many connections as the pod's file limit allows, raising it to the hard limit itself;
    // a fixed number above that limit would stop it at start as the non-root user it is)
    'global',
    '  log stderr format raw local0 notice',
    // a stopping pod (SIGUSR1) lets its connections finish for this long at most
    `  hard-stop-after ${HARD_STOP_SECONDS}s`,
    '',
    'defaults',
    '  log global',
    '  timeout connect 5s',
    '  timeout client 60s',
    '  timeout server 60s',
    '  timeout client-fin 10s',
    '  timeout tunnel 1h',
    '',
  ];
  if (routes.some((r) => r.byName)) {
    out.push(
      '# the servers\' Services by name, through the cluster\'s DNS (the pod\'s resolv.conf); a name that does not resolve yet',
      '# leaves its server down, not the entry',
      'resolvers cluster',
      '  parse-resolv-conf',
      '  hold valid 10s',
      '  hold nx 5s',
      '  hold timeout 5s',
      '',
    );
  }
  out.push(
    'frontend health',
    '  mode http',
    `  bind :${ENTRY_HEALTH_PORT}`,
    '  monitor-uri /healthz',
    '',
    '# HTTP by the Host header (its port left out); ACME\'s HTTP-01 challenges reach the server that asked',
    'frontend http',
    '  mode http',
    `  bind :${ENTRY_HTTP_PORT}`,
    '  timeout http-request 10s',
    '  http-request set-var(txn.host) req.hdr(host),field(1,:),lower',
    ...lookup('http-request', 'var(txn.host)', 'http'),
    '  default_backend no-such-site',
    '',
    '# HTTPS by the TLS ClientHello\'s server name, passed through untouched: each server ends its own TLS',
    'frontend https',
    '  mode tcp',
    `  bind :${ENTRY_HTTPS_PORT}`,
    // wait (up to 5 s) for the whole ClientHello; not `accept`, which would end the rules before the lookup below
    '  tcp-request inspect-delay 5s',
    '  tcp-request content reject unless { req.ssl_hello_type 1 }',
    '  tcp-request content set-var(txn.sni) req.ssl_sni,lower',
    ...lookup('tcp-request content', 'var(txn.sni)', 'https'),
    '  default_backend no-such-site-tls',
    '',
    'backend no-such-site',
    '  mode http',
    '  http-request return status 404 content-type "text/plain; charset=utf-8" string "no such site"',
    '',
    '# a name no server has (or none at all): the connection is closed before any certificate is shown',
    'backend no-such-site-tls',
    '  mode tcp',
    '  tcp-request content reject',
    '',
  );
  const servers = (chunk: readonly EntryRoute[]) => {
    const lines: string[] = [`# The shared entry's servers ${chunk[0].namespace}/${chunk[0].name} to ${chunk[chunk.length - 1].namespace}/${chunk[chunk.length - 1].name}, written at synth: do not edit.`, ''];
    for (const r of chunk) {
      lines.push(`backend ${backendName(r, 'http')}`, '  mode http', `  server ${r.name} ${r.http}${resolve(r)} send-proxy-v2`, '');
      if (r.https) lines.push(`backend ${backendName(r, 'https')}`, '  mode tcp', `  server ${r.name} ${r.https}${resolve(r)} send-proxy-v2`, '');
      if (r.ssh && r.sshPort !== undefined) {
        lines.push(
          `frontend ssh-${r.sshPort}`,
          '  mode tcp',
          `  bind :${r.sshPort}`,
          `  default_backend ${backendName(r, 'ssh')}`,
          '',
          `backend ${backendName(r, 'ssh')}`,
          '  mode tcp',
          `  server ${r.name} ${r.ssh}${resolve(r)}`,
          '',
        );
      }
    }
    return lines.join('\n');
  };
  const file = (lines: string[]) => `${lines.join('\n')}\n`;
  return {
    main: { 'haproxy.cfg': out.join('\n') },
    chunks: chunks.map((chunk, i) => {
      const files: Record<string, string> = { [`servers-${chunkNumber(i)}.cfg`]: servers(chunk) };
      for (const protocol of ['http', 'https'] as const) {
        for (const kind of ['exact', 'wildcard'] as const) {
          if (maps[i][protocol][kind].length) files[mapFile(protocol, kind, i)] = file(maps[i][protocol][kind]);
        }
      }
      return files;
    }),
  };
}

/** A chunk's number in its files' and ConfigMap's names: `001`. */
function chunkNumber(i: number): string {
  return String(i + 1).padStart(3, '0');
}
