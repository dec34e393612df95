import { ControlPlaneProps } from '@cdk8s-vserver/control-plane';
import {
  ImageReference, Ipv4Address, Ipv4Subnet, KUBERNETES_NAMESPACES, requireAbsolutePath,
  requireDnsLabel, requireDnsSubdomain, requireEnum, requireIpv4Subnet,
  requireLanAddress, SiteError, Warnings,
} from '@cdk8s-vserver/core';
import { HeadlampProps, KubernetesDashboardProps } from '@cdk8s-vserver/dashboard';
import { LogCollectorProps, SiteMonitoringProps } from '@cdk8s-vserver/monitoring';
import { DatabaseVolume, ResticBackupProps, S3Repository, SiteDatabaseProps } from '@cdk8s-vserver/storage';
import { METALLB_NAMESPACE, SharedEntryProps, VipBackend } from '@cdk8s-vserver/vip';
import {
  MetricsScraper, NodeSpread, requireHostnames, SecretKeys, ServerCertificate, ServerPhp, ServerQuota, WebSshServerProps,
} from '@cdk8s-vserver/web-ssh-server';
import { Size } from 'cdk8s';
import { IConstruct } from 'constructs';

/** The facts of the cluster a hosting site runs on: one declaration, read by every construct of the site. */
export interface SiteFacts {
  /** The LAN the nodes, the NAS and the VIPs are on. */
  readonly lanSubnet: Ipv4Subnet;
  /** The private registry every image comes from (`master.test:5000/myrepo`): `<registry>/httpd:<version>`, `<registry>/sshd:<version>`. */
  readonly registry: string;
  /**
   * Secrets with the credentials of `registry`, when it asks for them (Harbor, a registry with basic auth, a cloud
   * registry): every pod with an image from it gets them as `imagePullSecrets` (the servers, their backups, the VIP
   * controller, and the Dashboard or Headlamp when their image is given, mirrored there). Create one in each namespace those pods run in: `kubectl create secret docker-registry <name> -n <ns>
   * --docker-server=<registry host> --docker-username=... --docker-password=...`; the operator's preflight names each
   * one missing.
   * @default - none: the nodes pull from the registry without credentials
   */
  readonly imagePullSecrets?: string[] | undefined;
  /** The NAS: each server's docroot is `<exportRoot>/<server name>` on it. */
  readonly nas: NasFacts;
  /**
   * Where the HTTPS certificate of every server with `hostnames` comes from, unless the server names its own:
   * `ServerCertificate.acme({ contactEmail })` (Let's Encrypt by default), `.certManager({ issuer })` or `.fromSecret(name)`.
   * @default - none: servers serve HTTP only unless they name a certificate (a synth-time warning says so)
   */
  readonly certificate?: ServerCertificate | undefined;
  /**
   * Namespace of the virtual servers and their docroots. One that Kubernetes does not have is created by the
   * site's first file, with Pod Security "restricted" enforced and a NetworkPolicy that denies what no server's own
   * allows. Leave it out with `Tenancy.NAMESPACE_PER_SERVER`.
   * @default 'default'
   */
  readonly namespace?: string | undefined;
  /**
   * How the servers share the cluster: all in `namespace` (the report's site), or each in a namespace of its own,
   * named after it, with Pod Security "restricted" enforced, a ResourceQuota and a LimitRange (`quota` per server)
   * and a default-deny NetworkPolicy.
   * @default Tenancy.SHARED_NAMESPACE
   */
  readonly tenancy?: Tenancy | undefined;
  /**
   * What holds the VIPs, in one line: `VipBackend.keepalivedVip()`, `VipBackend.metalLb()` or `VipBackend.kubeVip()`,
   * each with its controller's own props. Every server keeps its address whichever backend holds it.
   * @default VipBackend.keepalivedVip() - the report's kube-keepalived-vip 0.35, mirrored as `<registry>/kube-keepalived-vip:0.35`
   */
  readonly vipBackend?: VipBackend | undefined;
  /**
   * The nodes labeled `role=router` (`kubectl label node <name> role=router`), which hold the VIPs. With two or more,
   * a VIP moves to another router when its holder fails (docs/vip.md, "Two routers"); with one, the site warns that the
   * VIPs have no failover.
   * @default - not declared: nothing is checked
   */
  readonly routers?: string[] | undefined;
  /**
   * The nodes labeled `role=worker` (`kubectl label node <name> role=worker`), which run the servers. Each server's
   * pods go on different workers (required anti-affinity, unless its `spread` is `NodeSpread.PREFERRED`),
   * and a rolling update adds one pod first: a server needs `replicas + 1` workers, which the synth checks.
   * @default - not declared: nothing is checked
   */
  readonly workers?: string[] | undefined;
  /**
   * Nightly backups of every docroot with restic into a repository per server on a second export
   * (`<exportRoot>/<server name>/.restic`, beside the customer's copy of the newest snapshot), each checked, with retention, a weekly prune and restore drill, and a
   * restore template per server (`ResticBackup`); leave out for a site without backups.
   */
  readonly backup?: BackupFacts | undefined;
  /**
   * The Kubernetes Dashboard and its VIP; leave out for a site without it. Its images default to upstream's on
   * Docker Hub; a cluster without internet access takes mirrored ones (README, "Your first site").
   */
  readonly dashboard?: DashboardFacts | undefined;
  /**
   * Headlamp, the Dashboard's maintained successor, and its VIP; leave out for a site without it. Its image defaults
   * to upstream's on ghcr.io (`Headlamp`).
   */
  readonly headlamp?: HeadlampFacts | undefined;
  /**
   * A redundant control plane: three control-plane nodes behind an API VIP (docs/control-plane.md).
   * The synth writes what each node needs in `dist/<app>/control-plane/`: kubeadm's configuration and the API VIP's
   * holder as static Pods with their configuration files.
   * @default - not declared: the synth writes no control-plane files
   */
  readonly controlPlane?: ControlPlaneFacts | undefined;
  /**
   * Every server's logs kept on the NAS (docs/logs.md): a collector on each worker (`LogCollector`: rsyslog and
   * mtail, image `<registry>/log-collector:<version>` from `packages/monitoring/images/log-collector/`) writes each
   * server's httpd access log, error log and sshd log as daily files in `<exportPath>/<server name>/`, compressed the
   * day after and deleted after `retentionDays`.
   * @default - not declared: logs stay in `kubectl logs` only, and vanish with the pods
   */
  readonly logs?: LogFacts | undefined;
  /**
   * Metrics and alerts (docs/monitoring.md): an Apache exporter beside every server's httpd (image
   * `<registry>/apache-exporter:<the server's version>` from `packages/web-ssh-server/images/apache-exporter/`), and
   * the synth writes `dist/<app>/monitoring/`: a plain Prometheus scrape configuration and rules file. With
   * `prometheusOperator`, the same as PodMonitors and a PrometheusRule in the app's manifests.
   * @default - not declared: no exporter, no scrape targets, no alerts
   */
  readonly monitoring?: MonitoringFacts | undefined;
  /**
   * The site's MariaDB (docs/php.md, "The database"), for the servers with `database`: one StatefulSet pod in its own
   * namespace, its data on a volume of local or block storage, image `<registry>/mariadb:<version>` from
   * `packages/storage/images/mariadb/`.
   * @default - none: no server may have a database
   */
  readonly database?: DatabaseFacts | undefined;
  /**
   * One address for many servers (docs/entry.md): haproxy on this VIP for ports 80 and 443 of every server with
   * `entry`, routing HTTPS by the TLS server name (passed through: each server ends its own TLS) and HTTP by the Host
   * header, SSH by a port per server; the servers see each visitor's address (PROXY protocol v2). Image
   * `<registry>/entry:<version>` from `packages/vip/images/entry/`. With `gatewayClassName`, a Gateway of the
   * cluster's Gateway API implementation instead (HTTP and HTTPS only).
   * @default - none: each server is published on its own `address`
   */
  readonly entry?: EntryFacts | undefined;
}

/** The site's shared entry (`facts.entry`). */
export interface EntryFacts extends Pick<SharedEntryProps, 'replicas' | 'nodeRole' | 'clusterDomain' | 'resources'> {
  /** The VIP of the LAN it is published on: the address every server behind it has in DNS. */
  readonly address: Ipv4Address;
  /** The tag of the built-in entry's image, `<registry>/entry:<version>` (`v1`). Left out with `gatewayClassName`. */
  readonly version?: string | undefined;
  /**
   * The entry is a Gateway of this GatewayClass (Gateway API v1.5, on clusters that run an implementation with TLS
   * passthrough: Envoy Gateway `eg`, NGINX Gateway Fabric `nginx`, Cilium `cilium`, Istio `istio`) instead of the
   * built-in haproxy: listeners per hostname, an HTTPRoute and a TLSRoute per server (`GatewayEntry`, docs/entry.md).
   * Its implementation runs the proxy: `version`, `replicas`, `nodeRole` and `resources` are left out; SSH through the
   * entry is not routed (Gateway API's standard channel has no TCP route); the servers see the proxy's address, not
   * the visitor's. Needs MetalLB or kube-vip for its VIP, and Kubernetes 1.26 or newer.
   * @default - the built-in entry (haproxy)
   */
  readonly gatewayClassName?: string | undefined;
  /** Its namespace, created by the site's first file. @default '<site name>-entry' */
  readonly namespace?: string | undefined;
}

/** How a server is reached through the site's shared entry (a server entry's `entry`). */
export interface ServerEntrySpec {
  /** The port of the entry's VIP that leads to the server's SSH (1024-65535, one per server). @default - no SSH through the entry */
  readonly sshPort?: number | undefined;
}

/**
 * Who runs the site's database (`facts.database.engine`): the site itself, from this project's image (the default),
 * or mariadb-operator, on a cluster that has it.
 */
export class DatabaseEngine {
  /** The site runs it: `SiteDatabase`, a StatefulSet of `<registry>/mariadb:<version>` (`packages/storage/images/mariadb/`). */
  public static readonly SITE = new DatabaseEngine('site');

  /**
   * mariadb-operator v26.6 runs it (installed on the cluster first; Kubernetes 1.26+): the site emits its `MariaDB`,
   * and per customer a `Database`, a `User` and a `Grant` (`MariaDbOperatorDatabase`). The volume must be a claim.
   */
  public static mariaDbOperator(options: {
    /** MariaDB's image: upstream's, or its copy in the site's registry. @default `docker.io/library/mariadb:11.8.8` */
    readonly image?: ImageReference | undefined;
  } = {}): DatabaseEngine {
    return new DatabaseEngine('mariadb-operator', options.image);
  }

  private constructor(
    /** `site` or `mariadb-operator`. */
    public readonly kind: 'site' | 'mariadb-operator',
    /** The image mariadb-operator runs, when given. */
    public readonly image?: ImageReference,
  ) {}

  public toString(): string {
    return this.kind === 'site' ? 'DatabaseEngine.SITE' : 'DatabaseEngine.mariaDbOperator()';
  }
}

/** The site's database (`facts.database`): `SiteDatabase`'s props but its name and image, which the site gives it. */
export interface DatabaseFacts extends Pick<SiteDatabaseProps, 'clusterIp' | 'resources'> {
  /** Where its data lives: `DatabaseVolume.local({ node, path, size })` or `DatabaseVolume.claim({ storageClassName, size })`. */
  readonly volume: DatabaseVolume;
  /**
   * Who runs it: `DatabaseEngine.SITE` (this project's image) or `DatabaseEngine.mariaDbOperator()` (docs/php.md,
   * "mariadb-operator").
   * @default DatabaseEngine.SITE
   */
  readonly engine?: DatabaseEngine | undefined;
  /** The tag of its image, `<registry>/mariadb:<version>` (`v1`): given with `DatabaseEngine.SITE`, left out with mariadb-operator. */
  readonly version?: string | undefined;
  /** Its namespace, created by the site's first file (Pod Security "restricted"). @default '<site name>-database' */
  readonly namespace?: string | undefined;
}

/** The NAS of the docroots (`facts.nas`). */
export interface NasFacts {
  /** Its host: a hostname (`nas.test`) or an IPv4 address. */
  readonly host: string;
  /** The export every server's folder lives under (`/export/web`): a server's docroot is `<exportRoot>/<name>`. */
  readonly exportRoot: string;
  /** NFS mount options (`nfsvers=4.1`, `hard`), for every folder the site mounts from it. @default - none: the kubelet's defaults */
  readonly mountOptions?: string[] | undefined;
  /**
   * Where the ACME stores of the servers whose certificate is `ServerCertificate.acme()` live: `<acmeStoreRoot>/<server
   * name>`, each shared by the server's replicas, outside every docroot (it holds private keys).
   * @default '<exportRoot>/.acme'
   */
  readonly acmeStoreRoot?: string | undefined;
}

/**
 * Backups of every docroot (`facts.backup`): `ResticBackup`'s schedules, retention and checks, and where the
 * repositories go. Each server's backup runs the site's restic image, `<registry>/restic:<the server's version>`.
 */
export interface BackupFacts extends Pick<ResticBackupProps, 'schedule' | 'keep' | 'checkShare' | 'pruneSchedule' | 'drillSchedule' | 'drillScratch' | 'customerCopy'> {
  /**
   * The repositories in an S3-compatible bucket instead of the backup export (`ResticBackup`'s `s3`): each server's
   * is `<prefix>/<server>` in it; the export then holds the customers' copies only.
   * @default - none: the repositories are on the backup export, `<exportRoot>/<server>/.restic`
   */
  readonly s3?: S3Repository | undefined;
  /** The host of the NAS that holds the repositories. @default - the docroots' NAS (`facts.nas.host`) */
  readonly host?: string | undefined;
  /** The export the repositories go under (`/export/backup`): a server's is `<exportRoot>/<name>/.restic`, and its customer copy `<exportRoot>/<name>/<date>/`. */
  readonly exportRoot: string;
}

/** The Kubernetes Dashboard (`facts.dashboard`): `KubernetesDashboard`'s images, and the VIP it is published on. */
export interface DashboardFacts extends Pick<KubernetesDashboardProps, 'image' | 'metricsScraperImage'> {
  /** The VIP of the LAN it is published on (port 443). */
  readonly address: Ipv4Address;
}

/** Headlamp (`facts.headlamp`): `Headlamp`'s image and viewer account, and the VIP it is published on. */
export interface HeadlampFacts extends Pick<HeadlampProps, 'image' | 'viewerAccount'> {
  /** The VIP of the LAN it is published on. */
  readonly address: Ipv4Address;
}

/**
 * Where and how long the servers' logs are kept: the folder on the NAS and the collector's image tag, and
 * `LogCollector`'s own `retentionDays` and `forward` (`@cdk8s-vserver/monitoring`).
 */
export interface LogFacts extends Pick<LogCollectorProps, 'retentionDays' | 'forward'> {
  /** The NAS folder the logs go under (`/export/logs`): one folder per server in it. */
  readonly exportPath: string;
  /** The host of the NAS that holds the logs. @default - the docroots' NAS (`facts.nas.host`) */
  readonly host?: string | undefined;
  /** The tag of the collector's image, `<registry>/log-collector:<version>` (`v1`). */
  readonly version: string;
  /** The size the NAS folder is declared with (its claim's). @default Size.gibibytes(10) */
  readonly capacity?: Size | undefined;
  /** The collector's namespace, created by the site's first file (Pod Security "privileged": it reads the nodes' pod logs). @default '<site name>-logs' */
  readonly namespace?: string | undefined;
}

/**
 * How Prometheus watches the site: `SiteMonitoring`'s props (`@cdk8s-vserver/monitoring`) but those the site gives it
 * (its name, its servers, the collector, the VIP controller, the NAS folders). `errorPercent` needs `logs` (the
 * collector counts the responses).
 */
export type MonitoringFacts = Pick<SiteMonitoringProps, 'prometheusOperator' | 'operatorLabels' | 'blackboxExporter' | 'errorPercent' | 'serverDownSeconds' | 'pushgateway'> & {
  /**
   * Who scrapes the servers' metrics exporters: the only peers their NetworkPolicy lets reach the exporter's port.
   * A Prometheus outside the cluster: `[MetricsScraper.from(Ipv4Subnet.of('192.168.1.10/32'))]`.
   * @default - Prometheus pods of the Prometheus Operator, in any namespace (`app.kubernetes.io/name: prometheus`)
   */
  readonly scrapers?: MetricsScraper[] | undefined;
};

/**
 * The control plane of the site's cluster, made redundant: `ControlPlane`'s props (`@cdk8s-vserver/control-plane`)
 * but those the site gives it (the LAN, the registry, the site's name as the cluster's).
 */
export interface ControlPlaneFacts extends Omit<ControlPlaneProps, 'lanSubnet' | 'clusterName' | 'registry'> {
  /**
   * Whether a control-plane node may also be one of `routers` or `workers`. Off, such a node is an error: the site's
   * pods and VIPs would compete with etcd and the API server on it, and kubeadm taints control-plane nodes so they
   * run no pod (remove the taint, `kubectl taint node <name> node-role.kubernetes.io/control-plane-`, when you opt in).
   * @default false
   */
  readonly sharedWithWorkloads?: boolean | undefined;
}

/** How a site's servers share the cluster. */
export enum Tenancy {
  /** Every server in `facts.namespace`. */
  SHARED_NAMESPACE = 'shared-namespace',
  /**
   * Each server in a namespace of its own, named after it (`kubectl get pods -n shop`): Pod Security "restricted"
   * enforced, a ResourceQuota and a LimitRange, and a NetworkPolicy that denies what the server's own does not allow.
   */
  NAMESPACE_PER_SERVER = 'namespace-per-server',
}

/** What one server's namespace may hold at once (`Tenancy.NAMESPACE_PER_SERVER`): `ServerNamespace`'s, from web-ssh-server. */
export type { ServerQuota } from '@cdk8s-vserver/web-ssh-server';

/** A server's docroot when it differs from the default folder `<exportRoot>/<name>`, PV `<name>-docroot-pv`, PVC `<name>-docroot`. */
export interface DocrootSpec {
  /** The NAS folder (`/export/web/shop`). @default '<facts.nas.exportRoot>/<name>' */
  readonly exportPath?: string | undefined;
  /** The PersistentVolume's name. @default '<name>-docroot-pv' */
  readonly volumeName?: string | undefined;
  /** The PersistentVolumeClaim's name. @default '<name>-docroot' */
  readonly claimName?: string | undefined;
  /** The size the folder is declared with. @default Size.gibibytes(10) */
  readonly capacity?: Size | undefined;
}

/** What a server entry writes of `WebSshServer`'s props: all but what the site supplies (its images, its volumes, its name's folder). */
type ServerProps = Omit<WebSshServerProps, 'name' | 'version' | 'httpdImage' | 'sshdImage' | 'docroot' | 'acmeStore' | 'php' | 'database' | 'entry'>;

/**
 * A server's PHP (`servers[].php`): `ServerPhp`'s props (`@cdk8s-vserver/web-ssh-server`) but the image, which is the
 * site's `<registry>/<version's image name>:<the server's version>` (`<registry>/php8.4-fpm:v1`, built from
 * `packages/web-ssh-server/images/php8.4-fpm/`).
 */
export type SitePhp = Omit<ServerPhp, 'image'>;

/**
 * One virtual server of the site: a line of the declaration. Besides its address, version and the site's own
 * fields (`docroot`, `quota`), every prop of `WebSshServer` (`@cdk8s-vserver/web-ssh-server`) but those the site
 * supplies: `replicas`, `sshServicePort`, `hostnames`, `certificate`, `egress`, `authorizedKeys`, `hsts`, `spread`,
 * `resources`, ... each with its `@default` there.
 */
export interface VirtualServerSpec extends ServerProps {
  /** The server's name: its Deployment, Service, and docroot folder `<exportRoot>/<name>`. */
  readonly name: string;
  /**
   * The address (a VIP of the LAN) it is published on by itself. A server behind the shared entry (`entry`) needs none;
   * one with both is reached both ways (while its DNS moves to the entry).
   * @default - none: `entry` is required
   */
  readonly address?: Ipv4Address | undefined;
  /**
   * Behind the site's shared entry (`facts.entry`): `true`, or `{ sshPort }`. Its `hostnames` lead to it (at least
   * one); SSH only with `sshPort`. With the server's `clusterIp`, the entry connects to that address without DNS.
   * @default - none: it is published on its own `address`
   */
  readonly entry?: boolean | ServerEntrySpec | undefined;
  /** The version (tag of its httpd and sshd images, `<registry>/httpd:<version>`) it runs. */
  readonly version: string;
  /** Where its HTTPS certificate comes from. @default - `facts.certificate` when it has hostnames */
  readonly certificate?: ServerCertificate | undefined;
  /**
   * What the server's namespace may hold at once, with `Tenancy.NAMESPACE_PER_SERVER`.
   * @default - what the server needs (see `ServerQuota`)
   */
  readonly quota?: ServerQuota | undefined;
  /** Its docroot, when it differs from the defaults. @default - `<exportRoot>/<name>`, PV `<name>-docroot-pv`, PVC `<name>-docroot` */
  readonly docroot?: DocrootSpec | undefined;
  /**
   * PHP for the server (docs/php.md): `{ version: PhpVersion.V8_4 }`, with its image `<registry>/php8.4-fpm:<version>`.
   * @default - none: a static server
   */
  readonly php?: SitePhp | undefined;
  /**
   * A database of the server's own on the site's MariaDB (`facts.database`): `true` names it after the server (`-` as
   * `_`), `{ name }` otherwise. PHP gets `DB_HOST`, `DB_NAME`, `DB_USER` and `DB_PASSWORD`. Needs `php`.
   * @default - none
   */
  readonly database?: boolean | { readonly name: string } | undefined;
  /**
   * The props of WebSshServer for this server, as 0.9.0 took them.
   * @deprecated write them on the entry itself (`hsts: Hsts.maxAge(...)`, not `overrides: { hsts: ... }`); a synth-time
   * warning names each entry that still uses it
   * @default - none
   */
  readonly overrides?: Partial<ServerProps> | undefined;
}

/** A prop of WebSshServer as a server entry gives it: on the entry, or (deprecated) in its `overrides`, with the path it was written at. */
export function serverProp<K extends keyof ServerProps>(server: VirtualServerSpec, path: string, key: K): { value: ServerProps[K]; path: string } {
  return server[key] !== undefined || server.overrides?.[key] === undefined
    ? { value: server[key], path: `${path}.${String(key)}` }
    : { value: server.overrides[key] as ServerProps[K], path: `${path}.overrides.${String(key)}` };
}

/** Props of {@link HostingSite}. */
export interface HostingSiteProps {
  /** The app's name: the `app.kubernetes.io/part-of` label of every object (and `dist/<name>`). */
  readonly name: string;
  /** The cluster's facts. */
  readonly facts: SiteFacts;
  /** The virtual servers, one entry each. */
  readonly servers: VirtualServerSpec[];
}

/**
 * Namespaces a site must not put its servers in: Kubernetes' own (its components run there; a customer's shell
 * beside them) and those a controller or UI of the site owns (the site would create it, and `uninstall` would
 * delete it with everything the controller keeps there).
 */
export const RESERVED_NAMESPACES: Readonly<Record<string, string>> = {
  'kube-system': "Kubernetes' own components run there",
  'kube-public': 'Kubernetes keeps cluster-wide public data there',
  'kube-node-lease': "Kubernetes keeps the nodes' heartbeats there",
  [METALLB_NAMESPACE]: "MetalLB's own install creates and owns it",
  'kubernetes-dashboard': 'the Kubernetes Dashboard creates and owns it',
  'headlamp': 'Headlamp creates and owns it',
};

/**
 * The longest server name: `<name>-ssh-authorized-keys` is a Secret name, one DNS label of at most 63 characters
 * (and `<name>-restore`, a CronJob name, may have 52), so 43.
 */
export const MAX_SERVER_NAME_LENGTH = 43;

/** A folder on a NAS that the site mounts: the declaration's path that put it there, and what it is. */
interface Export {
  readonly host: string;
  readonly path: string;
  readonly prop: string;
  readonly what: string;
}

/**
 * Checks the declaration as a whole, before anything is built, so every error names what the user wrote
 * (`servers[1].address`, `facts.backup.exportRoot`), not the internal prop it would reach: the names, addresses
 * and versions of the servers, the namespace, the registry, the backup schedule, and the NAS folders they share.
 */
export function checkDeclaration(site: IConstruct, props: HostingSiteProps): void {
  const { facts, servers } = props;
  const fail = (prop: string, value: unknown, expected: string): never => {
    throw SiteError.invalidProp(site, prop, value, expected);
  };
  const lan = requireIpv4Subnet(site, 'facts.lanSubnet', facts.lanSubnet);
  requireAbsolutePath(site, 'facts.nas.exportRoot', facts.nas.exportRoot, '/export/web');
  if (facts.backup) requireAbsolutePath(site, 'facts.backup.exportRoot', facts.backup.exportRoot, '/export/backup');
  checkRouters(site, facts.routers);
  checkWorkers(site, facts.workers, facts.routers, servers);
  if (servers.length === 0) fail('servers', servers, 'list at least one virtual server');

  const registry = facts.registry;
  const registryProblem = /^[a-z]+:\/\//i.test(registry) ? 'has a scheme' : registry.endsWith('/') ? 'ends with a slash'
    : ImageReference.of(`${registry}/httpd:v1`).problem;
  if (registryProblem) {
    fail('facts.registry', registry, 'be a registry host and path without a scheme or a trailing slash, in lowercase, such as '
      + `"registry.example:5000/web" (this one ${registryProblem})`);
  }

  const tenancy = requireEnum(site, 'facts.tenancy', facts.tenancy ?? Tenancy.SHARED_NAMESPACE,
    { 'Tenancy.SHARED_NAMESPACE': Tenancy.SHARED_NAMESPACE, 'Tenancy.NAMESPACE_PER_SERVER': Tenancy.NAMESPACE_PER_SERVER });
  if (tenancy === Tenancy.NAMESPACE_PER_SERVER && facts.namespace !== undefined) {
    fail('facts.namespace', facts.namespace, 'be left out with facts.tenancy Tenancy.NAMESPACE_PER_SERVER: each server\'s namespace is its name');
  }
  servers.forEach((server, i) => {
    if (tenancy === Tenancy.SHARED_NAMESPACE && server.quota !== undefined) {
      fail(`servers[${i}].quota`, server.quota, 'be left out with facts.tenancy Tenancy.SHARED_NAMESPACE: a quota holds a namespace, and the servers '
        + 'share one. Set facts.tenancy to Tenancy.NAMESPACE_PER_SERVER');
    }
    if (tenancy !== Tenancy.NAMESPACE_PER_SERVER) return;
    const owner = RESERVED_NAMESPACES[server.name] ?? (KUBERNETES_NAMESPACES.includes(server.name) ? 'Kubernetes owns it' : undefined);
    if (owner) {
      fail(`servers[${i}].name`, server.name, `not be ${server.name} with facts.tenancy Tenancy.NAMESPACE_PER_SERVER: the name is the server's `
        + `namespace, and ${owner}. Name the server otherwise`);
    }
  });
  const namespace = facts.namespace ?? 'default';
  if (RESERVED_NAMESPACES[namespace]) {
    fail('facts.namespace', namespace, `not be ${namespace}: ${RESERVED_NAMESPACES[namespace]}. Give the servers a namespace of their own, such as "sites"`);
  }
  requireDnsLabel(site, 'facts.namespace', namespace);


  // Every address the site publishes, by the path that declared it: each in the LAN, each once.
  const addresses = new Map<string, string>();
  const address = (prop: string, value: Ipv4Address) => {
    requireLanAddress(site, prop, value, lan);
    const other = addresses.get(value.text);
    if (other) {
      fail(prop, value.text, `differ from ${other}: ${/\.host$/.test(other) ? 'that is the NAS, and the VIP would take its address from it' : 'one address publishes one Service'}`);
    }
    addresses.set(value.text, prop);
  };

  // The NAS by its address: no VIP may take it (the VIP controller would answer for the NAS)
  for (const [prop, host] of [['facts.nas.host', facts.nas.host], ['facts.backup.host', facts.backup?.host], ['facts.logs.host', facts.logs?.host]]) {
    if (host !== undefined && Ipv4Address.of(host).problem === undefined && !addresses.has(host)) addresses.set(host, prop!);
  }
  if (facts.nas.acmeStoreRoot !== undefined) requireAbsolutePath(site, 'facts.nas.acmeStoreRoot', facts.nas.acmeStoreRoot, '/export/web/.acme');
  const names = new Map<string, string>();
  const hostnames = new Map<string, string>();
  servers.forEach((server, i) => {
    checkServer(`servers[${i}]`, server, facts.registry, fail);
    const other = names.get(server.name);
    if (other) fail(`servers[${i}].name`, server.name, `differ from ${other}: the name is the server's Deployment, Service and docroot folder`);
    names.set(server.name, `servers[${i}].name`);
    checkTls(site, `servers[${i}]`, server, facts.certificate, hostnames, fail);
    (server.egress ?? []).forEach((entry, j) => entry.validate(site, `servers[${i}].egress[${j}]`));
    if (server.address !== undefined) address(`servers[${i}].address`, server.address);
    checkServerEntry(`servers[${i}]`, server, facts, fail);
  });
  if (facts.entry) checkEntry(site, props.name, facts.entry, facts.vipBackend ?? VipBackend.keepalivedVip(), namespace, servers, address, fail);
  checkSecrets(site, servers, fail);
  if (facts.dashboard) address('facts.dashboard.address', facts.dashboard.address);
  if (facts.headlamp) address('facts.headlamp.address', facts.headlamp.address);
  if (facts.controlPlane) checkControlPlane(facts, address, addresses, fail);
  if (facts.logs) checkLogs(site, props.name, facts.logs, namespace, servers, fail);
  checkDatabase(site, props.name, facts, namespace, servers, fail);

  checkExports(props, fail);
}

/** How a server is published: on an address of its own, behind the shared entry, or both; never neither. */
function checkServerEntry(at: string, server: VirtualServerSpec, facts: SiteFacts,
  fail: (prop: string, value: unknown, expected: string) => never): void {
  if (server.address === undefined && !server.entry) {
    fail(`${at}.address`, undefined, 'be given, or the server put behind the shared entry (entry: true with facts.entry): '
      + 'otherwise nothing publishes it');
  }
  if (!server.entry) return;
  if (!facts.entry) {
    fail(`${at}.entry`, server.entry, 'be left out on a site without a shared entry: declare facts.entry (its VIP and image tag, docs/entry.md) first');
  }
  if (!server.hostnames?.length) {
    fail(`${at}.entry`, server.entry, 'be given with hostnames: the entry routes by name (the TLS server name, the Host header), so a server '
      + 'without one is unreachable through it. Give it hostnames, or publish it on an address of its own');
  }
  const sshPort = serverEntry(server)?.sshPort;
  if (facts.entry?.gatewayClassName !== undefined && sshPort !== undefined) {
    fail(`${at}.entry.sshPort`, sshPort, 'be left out behind a Gateway (facts.entry.gatewayClassName): Gateway API\'s standard channel routes '
      + 'no TCP (TCPRoute is experimental), so no port of the entry leads to sshd. Give the server an address of its own for SSH, '
      + 'or use the built-in entry (leave gatewayClassName out)');
  }
}

/** The entry's facts: its address among the site's VIPs, its tag, its namespace. */
function checkEntry(site: IConstruct, siteName: string, entry: EntryFacts, vipBackend: VipBackend, serversNamespace: string,
  servers: VirtualServerSpec[], address: (prop: string, value: Ipv4Address) => void,
  fail: (prop: string, value: unknown, expected: string) => never): void {
  address('facts.entry.address', entry.address);
  if (entry.gatewayClassName !== undefined) {
    requireDnsSubdomain(site, 'facts.entry.gatewayClassName', entry.gatewayClassName, 'eg');
    // the implementation runs the proxy: the built-in entry's facts would silently do nothing
    for (const prop of ['version', 'replicas', 'nodeRole', 'resources'] as const) {
      if (entry[prop] !== undefined) {
        fail(`facts.entry.${prop}`, entry[prop], 'be left out with facts.entry.gatewayClassName: the Gateway\'s implementation runs its own proxy');
      }
    }
    if (vipBackend.chartName === 'keepalived') {
      fail('facts.entry.gatewayClassName', entry.gatewayClassName, 'be left out with kube-keepalived-vip (facts.vipBackend): it maps a VIP '
        + 'to a Service it is told the name of, and a Gateway\'s Service is its implementation\'s. Use VipBackend.metalLb() or '
        + 'VipBackend.kubeVip(), or the built-in entry');
    }
  } else {
    const tagProblem = entry.version === undefined ? 'is missing' : ImageReference.of(`registry.example/entry:${entry.version}`).problem;
    if (tagProblem || entry.version === 'latest') {
      fail('facts.entry.version', entry.version, `be a pinned tag of the entry's image, such as "v1" (this one ${tagProblem ?? 'is latest, which moves'})`);
    }
  }
  const namespace = entryNamespace(siteName, entry);
  requireDnsLabel(site, 'facts.entry.namespace', namespace);
  if (RESERVED_NAMESPACES[namespace] || KUBERNETES_NAMESPACES.includes(namespace) || namespace === serversNamespace
    || servers.some((s) => s.name === namespace)) {
    fail('facts.entry.namespace', namespace, 'be a namespace of the entry\'s own, not Kubernetes\', a controller\'s or a server\'s. '
      + `Leave it out for "${entryNamespace(siteName, { ...entry, namespace: undefined })}"`);
  }
}

/** The entry's namespace: `facts.entry.namespace`, or `<site name>-entry`. */
export function entryNamespace(siteName: string, entry: EntryFacts): string {
  return entry.namespace ?? `${siteName}-entry`;
}

/** A server's way through the entry, when it has one: `{}` for `entry: true`. */
export function serverEntry(server: VirtualServerSpec): ServerEntrySpec | undefined {
  if (!server.entry) return undefined;
  return server.entry === true ? {} : server.entry;
}

/** The database's facts (its image tag and namespace), and every server's `database` against them. */
function checkDatabase(site: IConstruct, siteName: string, facts: SiteFacts, serversNamespace: string, servers: VirtualServerSpec[],
  fail: (prop: string, value: unknown, expected: string) => never): void {
  const database = facts.database;
  servers.forEach((server, i) => {
    if (!server.database) return;
    if (!database) {
      fail(`servers[${i}].database`, server.database, 'be left out on a site without a database: declare facts.database (the site\'s MariaDB and the '
        + 'local or block volume its data lives on, docs/php.md "The database") first');
    }
    if (!server.php) fail(`servers[${i}].database`, server.database, "be given with 'php' (PHP is what connects to it): add php: { version: PhpVersion.V8_4 }");
  });
  if (!database) return;
  const engine = databaseEngine(database);
  if (engine === undefined) {
    fail('facts.database.engine', database.engine, 'be DatabaseEngine.SITE or DatabaseEngine.mariaDbOperator()');
  } else if (engine.kind === 'mariadb-operator') {
    if (database.version !== undefined) {
      fail('facts.database.version', database.version, 'be left out with DatabaseEngine.mariaDbOperator(): it runs upstream\'s MariaDB image, '
        + 'not this project\'s (give another with DatabaseEngine.mariaDbOperator({ image }))');
    }
    if (database.clusterIp !== undefined) {
      fail('facts.database.clusterIp', database.clusterIp.text, 'be left out with DatabaseEngine.mariaDbOperator(): the Service mariadb-operator makes takes '
        + 'no fixed cluster IP (its MariaDB\'s spec.service has none), so the customers connect by name');
    }
  } else {
    const tagProblem = database.version === undefined ? 'is missing' : ImageReference.of(`registry.example/mariadb:${database.version}`).problem;
    if (tagProblem || database.version === 'latest') {
      fail('facts.database.version', database.version, `be a pinned tag of the database's image, such as "v1" (this one ${tagProblem ?? 'is latest, which moves'})`);
    }
  }
  const namespace = databaseNamespace(siteName, database);
  requireDnsLabel(site, 'facts.database.namespace', namespace);
  if (RESERVED_NAMESPACES[namespace] || KUBERNETES_NAMESPACES.includes(namespace) || namespace === serversNamespace
    || servers.some((s) => s.name === namespace) || (facts.logs && namespace === logsNamespace(siteName, facts.logs))) {
    fail('facts.database.namespace', namespace, 'be a namespace of the database\'s own, not Kubernetes\', a controller\'s, the logs\' or a server\'s: '
      + `it holds the admin's password. Leave it out for "${databaseNamespace(siteName, { ...database, namespace: undefined })}"`);
  }
}

/** Who runs the database: its `engine` (recognised by kind, so a second copy of this package's class is one too), undefined when it is not an engine. */
export function databaseEngine(database: DatabaseFacts): DatabaseEngine | undefined {
  const engine = database.engine ?? DatabaseEngine.SITE;
  return engine instanceof Object && (engine.kind === 'site' || engine.kind === 'mariadb-operator') ? engine : undefined;
}

/** The database's namespace: `facts.database.namespace`, or `<site name>-database`. */
export function databaseNamespace(siteName: string, database: DatabaseFacts): string {
  return database.namespace ?? `${siteName}-database`;
}

/** A server's database name: its own `database.name`, or its name with `_` for `-`. */
export function databaseName(server: VirtualServerSpec): string | undefined {
  if (!server.database) return undefined;
  return server.database === true ? server.name.replace(/-/g, '_') : server.database.name;
}

/** The logs' facts: the NAS folder, the collector's image tag, its retention and its namespace. */
function checkLogs(site: IConstruct, siteName: string, logs: LogFacts, serversNamespace: string, servers: VirtualServerSpec[],
  fail: (prop: string, value: unknown, expected: string) => never): void {
  const tagProblem = ImageReference.of(`registry.example/log-collector:${logs.version}`).problem;
  if (tagProblem || logs.version === 'latest') {
    fail('facts.logs.version', logs.version, `be a pinned tag of the collector's image, such as "v1" (this one ${tagProblem ?? 'is latest, which moves'})`);
  }
  const namespace = logsNamespace(siteName, logs);
  requireDnsLabel(site, 'facts.logs.namespace', namespace);
  if (RESERVED_NAMESPACES[namespace] || KUBERNETES_NAMESPACES.includes(namespace)) {
    fail('facts.logs.namespace', namespace, `not be ${namespace}: the collector's namespace is the site's own, created with Pod Security "privileged" `
      + `(it reads the nodes' pod logs). Leave it out for "${logsNamespace(siteName, { ...logs, namespace: undefined })}"`);
  }
  if (namespace === serversNamespace || servers.some((s) => s.name === namespace)) {
    fail('facts.logs.namespace', namespace, 'differ from every namespace of the servers: the collector\'s namespace allows what "restricted" refuses '
      + `(reading the nodes' folders), and the servers' must not. Leave it out for "${logsNamespace(siteName, { ...logs, namespace: undefined })}"`);
  }
}

/**
 * The collector's namespace: `facts.logs.namespace`, or `<site name>-logs` (one per site, so two sites on one cluster
 * each keep their own servers' logs).
 */
export function logsNamespace(siteName: string, logs: LogFacts): string {
  return logs.namespace ?? `${siteName}-logs`;
}

/** The folder of a server's ACME store on the NAS: `<facts.nas.acmeStoreRoot>/<name>`, by default `<exportRoot>/.acme/<name>`. */
export function acmeStorePath(facts: SiteFacts, serverName: string): string {
  return `${trimSlash(facts.nas.acmeStoreRoot ?? `${trimSlash(facts.nas.exportRoot)}/.acme`)}/${serverName}`;
}

/** The certificate a server gets: its own, or the site's default when it has hostnames. */
export function serverCertificate(server: VirtualServerSpec, siteDefault: ServerCertificate | undefined): ServerCertificate | undefined {
  return server.certificate ?? ((server.hostnames ?? []).length > 0 ? siteDefault : undefined);
}

/**
 * A server's hostnames (each a DNS name, once in the whole site: one name on two servers would have two
 * certificates and two addresses) and its certificate, checked against them.
 */
function checkTls(site: IConstruct, path: string, server: VirtualServerSpec, siteDefault: ServerCertificate | undefined,
  seen: Map<string, string>, fail: (prop: string, value: unknown, expected: string) => never): void {
  const names = requireHostnames(site, `${path}.hostnames`, server.hostnames ?? []);
  names.forEach((hostname, j) => {
    const other = seen.get(hostname);
    if (other) {
      fail(`${path}.hostnames[${j}]`, hostname, `differ from ${other}: one name points at one address, and is served by one server. `
        + 'Remove it from one of them');
    }
    seen.set(hostname, `${path}.hostnames[${j}]`);
  });
  const certificate = serverCertificate(server, siteDefault);
  if (server.certificate && names.length === 0) {
    fail(`${path}.hostnames`, names, `list the DNS names the ${server.certificate.kind} certificate of ${path}.certificate covers, such as ["www.example.org"]`);
  }
  if (certificate) certificate.validate(site, server.certificate ? `${path}.certificate` : `facts.certificate (for ${path})`, names);
  const hsts = serverProp(server, path, 'hsts');
  if (!certificate && hsts.value !== undefined) {
    fail(hsts.path, String(hsts.value), `be left out while ${path} serves no HTTPS: HSTS tells browsers to use HTTPS. `
      + `Give ${path} hostnames and a certificate (or facts.certificate) first`);
  }
  const redirect = serverProp(server, path, 'redirectToHttps');
  if (!certificate && redirect.value === true) {
    fail(redirect.path, true, `be left out while ${path} serves no HTTPS: there is nothing to redirect to`);
  }
}

function checkServer(path: string, server: VirtualServerSpec, registry: string,
  fail: (prop: string, value: unknown, expected: string) => never): void {
  const max = MAX_SERVER_NAME_LENGTH;
  if (!/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(server.name) || server.name.length > max) {
    fail(`${path}.name`, server.name, `be 1-${max} lowercase letters, digits or "-", starting with a letter and ending with a letter or digit `
      + '(it names the server\'s Service, a DNS-1035 label, and its Secret <name>-ssh-authorized-keys, at most 63 characters), such as "shop"');
  }
  const problem = ImageReference.of(`${registry}/httpd:${server.version}`).problem;
  if (problem) fail(`${path}.version`, server.version, `be the pinned tag of the server's httpd and sshd images, such as "v1" (this one ${problem})`);
}

/**
 * Two folders of one NAS that are the same or one inside the other: customer B's uploads would overwrite customer
 * A's site, or every night's archive would land inside a served docroot (downloadable, each containing the ones
 * before). Checked over every server's docroot and, with backups, its archive folder.
 */
function checkExports(props: HostingSiteProps, fail: (prop: string, value: unknown, expected: string) => never): void {
  const { facts, servers } = props;
  const root = trimSlash(facts.nas.exportRoot);
  const exports: Export[] = servers.map((server, i) => (server.docroot?.exportPath
    ? { host: facts.nas.host, path: trimSlash(server.docroot.exportPath), prop: `servers[${i}].docroot.exportPath`, what: `the docroot of ${server.name}` }
    : { host: facts.nas.host, path: `${root}/${server.name}`, prop: `servers[${i}].name`, what: `the docroot of ${server.name} (facts.nas.exportRoot/<name>)` }));
  servers.forEach((server) => {
    if (!serverCertificate(server, facts.certificate)?.needsAcmeStore) return;
    exports.push({
      host: facts.nas.host,
      path: acmeStorePath(facts, server.name),
      prop: facts.nas.acmeStoreRoot !== undefined ? 'facts.nas.acmeStoreRoot' : 'facts.nas.exportRoot',
      what: `the ACME store of ${server.name} (${facts.nas.acmeStoreRoot !== undefined ? 'facts.nas.acmeStoreRoot' : 'facts.nas.exportRoot/.acme'}/<name>)`,
    });
  });
  if (facts.backup) {
    const backupRoot = trimSlash(facts.backup.exportRoot);
    servers.forEach((server) => exports.push({
      host: facts.backup!.host ?? facts.nas.host,
      path: `${backupRoot}/${server.name}`,
      prop: 'facts.backup.exportRoot',
      what: `the backups of ${server.name} (facts.backup.exportRoot/<name>)`,
    }));
  }
  if (facts.logs) {
    exports.push({ host: facts.logs.host ?? facts.nas.host, path: trimSlash(facts.logs.exportPath), prop: 'facts.logs.exportPath', what: 'the logs of every server' });
  }
  // Sorted by `host:path/`, a folder and every folder inside it sit together: comparing neighbours finds every overlap.
  const keyed = exports.map((e, index) => ({ e, index, key: `${e.host.toLowerCase()}:${e.path === '/' ? '' : e.path}/` }))
    .sort((p, q) => (p.key < q.key ? -1 : p.key > q.key ? 1 : p.index - q.index));
  for (let k = 1; k < keyed.length; k++) {
    const [first, second] = [keyed[k - 1], keyed[k]];
    if (!second.key.startsWith(first.key)) continue;
    // named by the one declared later
    const [x, y] = first.index < second.index ? [first.e, second.e] : [second.e, first.e];
    const relation = x.path === y.path ? 'is the same folder as' : within(y.path, x.path) ? 'lies inside' : 'holds';
    const backup = x.prop === 'facts.backup.exportRoot' || y.prop === 'facts.backup.exportRoot';
    const logs = x.prop === 'facts.logs.exportPath' || y.prop === 'facts.logs.exportPath';
    fail(y.prop, `${y.host}:${y.path}`, `not overlap another folder the site mounts: ${y.what} ${relation} ${x.what}, ${x.host}:${x.path}. `
      + (logs
        ? "Logs inside a docroot are served to anyone, and one customer would read another's visitors: put facts.logs.exportPath beside "
          + 'facts.nas.exportRoot, never on or in a folder the site mounts'
        : backup
          ? 'Archives inside a served docroot are downloadable from the site, each holding the ones before: put facts.backup.exportRoot beside '
          + 'facts.nas.exportRoot, never on or in it'
          : "One customer's uploads would overwrite another's site: give each server a folder of its own"));
  }
}

/**
 * The Secret a server reads its authorized keys from must hold public keys meant for it: never a host keys Secret
 * (sshd's private keys, which would then sit where every login can read), and, with a warning, not another
 * server's keys (that customer's keys would log in here too).
 */
function checkSecrets(site: IConstruct, servers: VirtualServerSpec[], fail: (prop: string, value: unknown, expected: string) => never): void {
  const hostKeys = new Map(servers.map((s) => [serverProp(s, '', 'hostKeysSecret').value ?? `${s.name}-ssh-host-keys`, s.name]));
  const authorized = new Map(servers.map((s) => [`${s.name}-ssh-authorized-keys`, s.name]));
  servers.forEach((server, i) => {
    if (!(server.authorizedKeys instanceof SecretKeys)) return;
    const secret = server.authorizedKeys.secretName;
    const owner = hostKeys.get(secret);
    if (owner !== undefined) {
      fail(`servers[${i}].authorizedKeys`, secret, `not be the host keys Secret of ${owner}: it holds sshd's private host key, which would be mounted `
        + `where every login reads the authorized keys. Use a Secret of public keys only, such as AuthorizedKeys.fromSecret('${server.name}-ssh-authorized-keys')`);
    }
    const other = authorized.get(secret);
    if (other !== undefined && other !== server.name) {
      Warnings.of(site).add(`'servers[${i}].authorizedKeys' reads ${other}'s Secret ${secret}: every key that logs in to ${other} logs in to `
        + `${server.name} too. If that is meant, leave it; otherwise give ${server.name} its own (${server.name}-ssh-authorized-keys).`);
    }
  });
}

/**
 * The control plane against the rest of the site (the ControlPlane construct checks its own props): the API VIP is
 * one of the site's addresses, never a server's or a node's; a node's address is no VIP; and a control-plane node is
 * a router or worker only when the declaration opts in.
 */
function checkControlPlane(facts: SiteFacts, address: (prop: string, value: Ipv4Address) => void,
  addresses: Map<string, string>, fail: (prop: string, value: unknown, expected: string) => never): void {
  const cp = facts.controlPlane!;
  address('facts.controlPlane.apiAddress', cp.apiAddress);
  (cp.nodes ?? []).forEach((node, i) => {
    const vip = addresses.get(node.address?.text);
    if (vip) {
      fail(`facts.controlPlane.nodes[${i}].address`, node.address.text, `differ from ${vip}: a node keeps its own address, while a VIP moves `
        + 'between nodes. Give the VIP an address no node has');
    }
    if (cp.sharedWithWorkloads) return;
    for (const [list, role] of [[facts.routers, 'routers'], [facts.workers, 'workers']] as const) {
      if (!list?.includes(node.name)) continue;
      fail(`facts.controlPlane.nodes[${i}].name`, node.name, `not be one of facts.${role} too: the site's ${role === 'routers' ? 'VIPs' : 'pods'} would `
        + 'compete with etcd and the API server on it (and kubeadm taints it against pods). Use another node, or set facts.controlPlane.sharedWithWorkloads: true');
    }
  });
}

/** The router nodes, when declared: node names, each once, and a warning for one alone (no VIP failover). */
function checkRouters(site: IConstruct, routers: string[] | undefined): void {
  if (routers === undefined) return;
  if (routers.length === 0) {
    throw SiteError.invalidProp(site, 'facts.routers', routers, 'name at least one node labeled role=router, or be left out');
  }
  const named = new Set<string>();
  for (const router of routers) {
    requireDnsSubdomain(site, 'facts.routers', router, 'node1');
    if (named.has(router)) throw SiteError.invalidProp(site, 'facts.routers', router, 'name each router node once');
    named.add(router);
  }
  if (routers.length === 1) {
    Warnings.of(site).add(`'facts.routers' names one router node (${routers[0]}): when it fails, every VIP goes with it. `
      + 'Label a second node role=router and add it to facts.routers (docs/vip.md, "Two routers").');
  }
}

/**
 * The workers, each a node name once and not a router (a node has one role label); and each server with its pods
 * spread over workers has room for its replicas and the one more pod of a rolling update.
 */
function checkWorkers(site: IConstruct, workers: string[] | undefined, routers: string[] | undefined, servers: VirtualServerSpec[]): void {
  if (workers === undefined) return;
  if (workers.length === 0) throw SiteError.invalidProp(site, 'facts.workers', workers, 'name at least one node labeled role=worker, or be left out');
  const named = new Set<string>();
  workers.forEach((worker, i) => {
    requireDnsSubdomain(site, `facts.workers[${i}]`, worker, 'node1');
    if (named.has(worker)) throw SiteError.invalidProp(site, `facts.workers[${i}]`, worker, 'name each worker node once');
    if (routers?.includes(worker)) {
      throw SiteError.invalidProp(site, `facts.workers[${i}]`, worker, 'not be a router too (facts.routers): a node has one role label, role=router or role=worker');
    }
    named.add(worker);
  });
  servers.forEach((server, i) => {
    if (serverProp(server, '', 'spread').value === NodeSpread.PREFERRED) return;
    const replicas = server.replicas ?? 2;
    if (replicas + 1 > workers.length) {
      throw SiteError.invalidProp(site, `servers[${i}].replicas`, replicas, `be at most ${workers.length - 1} with the ${workers.length} workers of `
        + `facts.workers: each pod runs on a worker of its own, and a rolling update adds one more pod first, so ${replicas} replicas need `
        + `${replicas + 1} workers (${replicas > workers.length ? 'the pods beyond them would never start' : 'a rollout would never finish'}). `
        + "Add a worker, lower 'replicas', or let pods share a worker with spread: NodeSpread.PREFERRED");
    }
  });
}

function trimSlash(path: string): string {
  return path.length > 1 ? path.replace(/\/+$/, '') : path;
}

function within(inner: string, outer: string): boolean {
  return inner.startsWith(outer === '/' ? '/' : `${outer}/`);
}
