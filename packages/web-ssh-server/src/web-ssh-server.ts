import {
  AppChecks, containerResources, ImageReference, ImageSource, INT32_MAX, Ipv4Address, Ipv4Subnet, k8s, MANAGED_BY, namespaceOf, NodeRole,
  OperatorContract, requireAbsolutePath, requireDistinctPorts, requireEnum, requireImagePullSecrets, requireInteger, requireIpv4Address,
  requireIpv4Subnet, requireLabelValue, requireNodeRole, requirePinnedImage, requirePort, requireResources, requireWholeSeconds, resourceName,
  restrictedContainerContext, restrictedPodContext, SiteError, Warnings,
} from '@cdk8s-vserver/core';
import { DatabaseBinding, INfsFolder } from '@cdk8s-vserver/storage';
import { Duration } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { Certificate } from './imports/cert-manager.io';
import { DEFAULT_SCRAPERS, MetricsScraper } from './metrics-scraper';
import { Hsts, ResponseHeaders, responseHeadersEnv } from './response-headers';
import { hostKeysCreateCommand } from './secret-commands';
import { CertificateBinding, hostnameProblem, ServerCertificate } from './server-certificate';
import { ServerEgress } from './server-egress';
import {
  CRON_APP_NAME, cronContainer, cronJobSpec, CronTask, envList, PHP_SOCKET_DIR, phpContainer, PhpPod, phpVolumes, resolveCron, ResolvedCronTask,
  resolvePhp, ResolvedPhp, ServerPhp,
} from './server-php';
import { AuthorizedKeys, requireSecretName } from './ssh-keys';

/** Props of {@link WebSshServer}. */
export interface WebSshServerProps {
  /**
   * Name of the Deployment and the Service (`kubectl get svc <name>`), and the `app.kubernetes.io/instance` label.
   * A DNS-1123 label of at most 63 characters; never hashed, so renaming the construct's id keeps it.
   * @default - the construct id in kebab case
   */
  readonly name?: string | undefined;

  /**
   * Number of pods.
   * @default 2
   */
  readonly replicas?: number | undefined;

  /** The httpd image, pinned (`ImageReference.of('master.test:5000/myrepo/httpd:v1')`). */
  readonly httpdImage: ImageReference;

  /** The sshd image, pinned (`ImageReference.of('master.test:5000/myrepo/sshd:v1')`). */
  readonly sshdImage: ImageReference;

  /** The web docroot both containers mount (an `NfsFolder`). */
  readonly docroot: INfsFolder;

  /**
   * Where both containers mount the docroot.
   * @default '/var/www/html'
   */
  readonly docrootPath?: string | undefined;

  /**
   * The customer's own "yesterday": the folder of the server's backups (`ResticBackup`'s `target`), where each backup
   * unpacks its snapshot into `<date>/` (`customerCopy`) beside the encrypted repository (`.restic`). sshd mounts it
   * read-only at `/backups`, so the customer sees `/backups/<date>/` over SFTP and copies a file back into the
   * docroot; httpd never mounts it.
   * @default - none
   */
  readonly backups?: INfsFolder | undefined;

  /**
   * The node role the pods run on, rendered as `spec.template.spec.nodeSelector` (`role: worker`).
   * @default NodeRole.WORKER
   */
  readonly nodeRole?: NodeRole | undefined;

  /**
   * Who may log in over SSH as the `web` user.
   * @default AuthorizedKeys.fromSecret('<name>-ssh-authorized-keys') - a Secret the operator creates with
   * `kubectl create secret generic <name>-ssh-authorized-keys --from-file=authorized_keys=$HOME/.ssh/id_ed25519.pub`
   */
  readonly authorizedKeys?: AuthorizedKeys | undefined;

  /**
   * Name of the Secret that holds the server's SSH host key(s) (`ssh_host_ed25519_key`, and optionally
   * `ssh_host_rsa_key`, `ssh_host_ecdsa_key`). Every replica mounts the same Secret, so every pod behind the
   * Service shows the same host key. The operator creates it once per server (see the README); synth never writes
   * a private key. Pods wait in ContainerCreating until it exists.
   * @default '<name>-ssh-host-keys'
   */
  readonly hostKeysSecret?: string | undefined;

  /**
   * Port httpd listens on in the pod (1024 or above: httpd runs as a non-root user with no capability); the
   * Service's `http` port is always 80.
   * @default 8080
   */
  readonly httpPort?: number | undefined;

  /**
   * The server's DNS names (`www.acme.example`, `acme.example`): httpd answers them (ServerName, ServerAlias) and the
   * certificate covers them. DNS must point each at the server's VIP.
   * @default - none: the server answers any name, over HTTP only unless `certificate` is set
   */
  readonly hostnames?: string[] | undefined;

  /**
   * Where the HTTPS certificate for `hostnames` comes from: `ServerCertificate.acme()`, `.certManager()` or
   * `.fromSecret()`. With one, the pods serve HTTPS (HTTP/2, Mozilla's "intermediate" TLS settings) on `httpsPort`
   * and the Service's port 443, and reload gracefully when the certificate is renewed.
   * @default - no certificate: HTTP only (a synth-time warning says so)
   */
  readonly certificate?: ServerCertificate | undefined;

  /**
   * The volume mod_md keeps its ACME account, keys and certificates in, shared by every replica (ReadWriteMany,
   * such as an `NfsFolder` of its own). Needed with `ServerCertificate.acme()`; never the docroot, which is served.
   * @default - none (an error with `ServerCertificate.acme()`)
   */
  readonly acmeStore?: INfsFolder | undefined;

  /**
   * Port httpd serves HTTPS on in the pod (1024 or above); the Service's `https` port is always 443.
   * @default 8443
   */
  readonly httpsPort?: number | undefined;

  /**
   * Answer every HTTP request with a permanent redirect to HTTPS (except ACME's HTTP-01 challenges under
   * `/.well-known/acme-challenge/` and the probe path).
   * @default true - with a certificate
   */
  readonly redirectToHttps?: boolean | undefined;

  /**
   * Send `Strict-Transport-Security` over HTTPS: browsers then refuse plain HTTP to the names for that long. Opt in
   * once HTTPS works for every hostname; start short (`Hsts.maxAge(Duration.minutes(5))`), then
   * `Hsts.maxAge(Duration.days(365))` (testssl.sh and SSL Labs grade A+ from 180 days), or `Hsts.preloadReady()`.
   * @default - no HSTS header
   */
  readonly hsts?: Hsts | undefined;

  /**
   * Headers every answer carries, over HTTP and HTTPS: `X-Content-Type-Options: nosniff`, a `Referrer-Policy` and
   * `X-Frame-Options`. Customers cannot set headers themselves (httpd reads no `.htaccess`).
   * @default - nosniff, `Referrer-Policy: strict-origin-when-cross-origin`, `X-Frame-Options: SAMEORIGIN`
   */
  readonly responseHeaders?: ResponseHeaders | undefined;

  /**
   * Where the pods may connect out to (NetworkPolicy egress), beyond what their certificate needs (ACME's
   * directory, added by itself): `[ServerEgress.dns(), ServerEgress.internet([443])]` for a customer who runs
   * `git pull` from a public host. Every other connection out of the pods is refused where the cluster's network
   * plugin enforces NetworkPolicy.
   * @default - none: a static site needs no connection out (the NFS mount is the kubelet's, not the pod's)
   */
  readonly egress?: ServerEgress[] | undefined;

  /**
   * Port sshd listens on in the pod (1024 or above: sshd runs as the user `web`, with no capability).
   * @default 2222
   */
  readonly sshPort?: number | undefined;

  /**
   * The Service port that forwards to sshd. Publishing SSH on a VIP at port 22 clashes with the router node's
   * own sshd (it listens on 0.0.0.0:22) with kube-keepalived-vip; another port here (2222) avoids that.
   * @default 22
   */
  readonly sshServicePort?: number | undefined;

  /**
   * SFTP only: the customer uploads with SFTP or scp (OpenSSH's scp speaks SFTP) and gets no shell and runs no
   * command (`ForceCommand internal-sftp`, no TTY). For customers who only upload.
   * @default false - a shell as `web` in the docroot
   */
  readonly sftpOnly?: boolean | undefined;

  /**
   * Client subnets OpenSSH's per-source penalties never refuse, because many clients may arrive from one address
   * in them. OpenSSH 10 refuses an address for a while after failed logins from it (`PerSourcePenalties`); behind
   * a VIP, kube-proxy masquerades outside clients to a node's address (externalTrafficPolicy Cluster), so a
   * penalty on that address would lock every customer out because of one bot. Private and shared address space
   * (RFC 1918, RFC 6598's carrier-grade NAT) is where such addresses are; loopback and IPv6's private and
   * link-local ranges are always exempt.
   * @default - 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 and 100.64.0.0/10: only public client addresses, seen
   * when the path keeps them (externalTrafficPolicy Local), are penalized
   */
  readonly sshPenaltyExempt?: Ipv4Subnet[] | undefined;

  /**
   * Path httpd answers with 200 while it is healthy (readiness and liveness probes).
   * The images of this package serve `/healthz` from outside the docroot, so an empty docroot is still ready.
   * @default '/healthz'
   */
  readonly httpProbePath?: string | undefined;

  /**
   * Secrets (`kubernetes.io/dockerconfigjson`, in the pods' namespace) with the credentials of a registry that asks
   * for them (Harbor, a registry with basic auth): `kubectl create secret docker-registry <name> --docker-server=...`.
   * @default - none: the registry is open to the nodes
   */
  readonly imagePullSecrets?: string[] | undefined;

  /**
   * The version both images run: replaces the tag of `httpdImage` and `sshdImage`. Changing it is all a
   * rolling update takes.
   * @default - the tags of the two images as given
   */
  readonly version?: string | undefined;

  /**
   * How the pods spread over the nodes of their role.
   * @default NodeSpread.REQUIRED
   */
  readonly spread?: NodeSpread | undefined;

  /**
   * How long a pod stays bound to a node that stopped answering (NotReady or unreachable) before it is evicted
   * and replaced on another node. Kubernetes' default is 300 s; a web server with a second replica behind the
   * Service is better served by moving soon, while a short network blip must not move it. Total failover is
   * about the node monitor grace period (40 s by default) plus this delay plus the new pod's start.
   * @default Duration.seconds(30)
   */
  readonly evictionDelay?: Duration | undefined;

  /**
   * How long a new pod must be ready before it counts as available during a rollout (`minReadySeconds`).
   * @default Duration.seconds(0)
   */
  readonly minReady?: Duration | undefined;

  /**
   * Resources of the httpd container, e.g. `containerResources('50m', '64Mi', '500m', '256Mi')`.
   * @default - requests 50m CPU / 64Mi memory, limits 500m CPU / 256Mi memory
   */
  readonly httpdResources?: k8s.ResourceRequirements | undefined;

  /**
   * Resources of the sshd container, e.g. `containerResources('20m', '32Mi', '500m', '256Mi')`.
   * @default - requests 20m CPU / 32Mi memory, limits 500m CPU / 256Mi memory
   */
  readonly sshdResources?: k8s.ResourceRequirements | undefined;

  /**
   * Apache's own numbers for Prometheus (requests, bytes, busy and idle workers): an exporter container beside httpd
   * (Debian's prometheus-apache-exporter, built from this package's `images/apache-exporter/`) reads httpd's status
   * page on the pod's loopback (never on a port the Service or a VIP reaches) and serves the metrics on its port
   * named `metrics` (9117), which `SiteMonitoring` of `@cdk8s-vserver/monitoring` scrapes.
   * @default - none: no exporter, and httpd serves no status page
   */
  readonly metrics?: ServerMetrics | undefined;

  /**
   * PHP (docs/php.md): php-fpm in a container of its own beside httpd and sshd (`{ version: PhpVersion.V8_4, image }`),
   * running every `*.php` of the docroot as the customer's user. A `.php` under a folder named `uploads` is never
   * run (403).
   * @default - none: a static server, which sends a `.php` file as it is
   */
  readonly php?: ServerPhp | undefined;

  /**
   * The customer's cron jobs, each a CronJob that runs a command in the PHP image, as the customer, in the docroot
   * (`[{ schedule: '*\/15 * * * *', command: 'php wp-cron.php', name: 'wp-cron' }]`). Needs `php`.
   * @default - none
   */
  readonly cron?: CronTask[] | undefined;

  /**
   * The customer's database (`SiteDatabase.addCustomer()` of `@cdk8s-vserver/storage`): PHP and the cron jobs get
   * `DB_HOST`, `DB_PORT`, `DB_NAME`, `DB_USER` and `DB_PASSWORD` (from the customer's Secret) as environment, the
   * pods the label the database lets in, and their NetworkPolicy a way out to it. Needs `php`.
   * @default - none
   */
  readonly database?: DatabaseBinding | undefined;

  /**
   * A shared entry in front of the server (`SharedEntry.addServer()` of `@cdk8s-vserver/vip`, a site's `facts.entry`):
   * httpd gets listeners of their own for the entry's connections ({@link PROXY_HTTP_PORT}, and {@link PROXY_HTTPS_PORT}
   * with HTTPS), which start with a PROXY protocol v2 header that carries the visitor's address; the Service gets the
   * ports `http-proxy` and `https-proxy`, and only the entry's pods reach them (the header is trusted, so nobody else
   * may send one). The server's own ports are unchanged.
   * @default - none
   */
  readonly entry?: ServerEntryBinding | undefined;

  /**
   * A fixed cluster IP for the Service (an unused address of the cluster's service subnet): a shared entry in front
   * connects to it without a DNS lookup, so a cluster DNS outage does not take the site down.
   * @default - one the cluster picks
   */
  readonly clusterIp?: Ipv4Address | undefined;
}

/** What a server needs of the shared entry in front of it. */
export interface ServerEntryBinding {
  /** The entry's pods, the only peers let in to the PROXY protocol listeners. */
  readonly peer: k8s.NetworkPolicyPeer;
}

/** The port of httpd's HTTP listener for a shared entry's connections (PROXY protocol v2), in the pod and on the Service. */
export const PROXY_HTTP_PORT = 8180;
/** The port of httpd's HTTPS listener for a shared entry's connections (PROXY protocol v2, then TLS the server ends). */
export const PROXY_HTTPS_PORT = 8543;

/** The metrics exporter beside a server's httpd. */
export interface ServerMetrics {
  /** The exporter's image, pinned (`master.test:5000/myrepo/apache-exporter:v1`); `version` retags it with httpd's and sshd's. */
  readonly exporterImage: ImageReference;
  /** The loopback port of httpd's status page, which only the exporter reads. @default 8081 */
  readonly statusPort?: number | undefined;
  /** Resources of the exporter. @default - requests 5m CPU / 16Mi memory, limits 100m CPU / 64Mi memory */
  readonly resources?: k8s.ResourceRequirements | undefined;
  /**
   * Who may read the exporter's port (NetworkPolicy): the site's Prometheus, and nobody else.
   * @default - Prometheus pods of the Prometheus Operator, in any namespace (`app.kubernetes.io/name: prometheus`)
   */
  readonly scrapers?: MetricsScraper[] | undefined;
}

/** The port the exporter serves the metrics on (named `metrics`). */
export const METRICS_PORT = 9117;

/**
 * How a server's pods spread over the nodes of its role.
 */
export enum NodeSpread {
  /**
   * Never two pods of the server on one node (required pod anti-affinity on `kubernetes.io/hostname`), so one
   * dead node never takes more than one pod. A rolling update needs `replicas + 1` nodes (maxSurge 1).
   */
  REQUIRED = 'required',
  /** Prefer different nodes, but share a node when no other fits (preferred pod anti-affinity). */
  PREFERRED = 'preferred',
}

/** The Service port of HTTPS (a VIP's address is reached on it as `https://<hostname>/`). */
export const HTTPS_SERVICE_PORT = 443;

/** The label a virtual server's pods carry with the application name. */
export const APP_NAME = 'web-ssh-server';

/** The subnets where many clients may share one address (RFC 1918 and RFC 6598). */
const SHARED_ADDRESS_SPACE = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10'].map((cidr) => Ipv4Subnet.of(cidr));
/** Always exempt from sshd's per-source penalties: the pod itself, IPv6 unique-local and link-local. */
const ALWAYS_EXEMPT = ['127.0.0.0/8', '::1', 'fc00::/7', 'fe80::/10'];

/**
 * Who the containers run as (Pod Security "restricted": never root). sshd runs as the user `web` of the sshd image,
 * who owns the docroot; httpd as `www-data` of the httpd image, who reads it. The pod's fsGroup is web's group:
 * kubelet gives the mounted Secrets (host keys, a TLS key) to it, read-only, so both can read what they need.
 */
export const WEB_UID = 1000;
/** The uid httpd runs as: Debian's www-data. */
export const HTTPD_UID = 33;
/** The uid the metrics exporter runs as: nobody, who owns nothing. */
export const NOBODY_UID = 65534;
/** The lowest port a process without privilege may listen on. */
const FIRST_UNPRIVILEGED_PORT = 1024;

const DEFAULT_HTTPD_RESOURCES = containerResources('50m', '64Mi', '500m', '256Mi');
const DEFAULT_SSHD_RESOURCES = containerResources('20m', '32Mi', '500m', '256Mi');
const DEFAULT_EXPORTER_RESOURCES = containerResources('5m', '16Mi', '100m', '64Mi');
const SPREADS = { 'NodeSpread.REQUIRED': NodeSpread.REQUIRED, 'NodeSpread.PREFERRED': NodeSpread.PREFERRED };

/** Where the sshd image reads its host keys and its authorized keys (see images/sshd). */
export const HOST_KEYS_DIR = '/etc/ssh/host-keys';

/**
 * The Dockerfile folders of the images a server runs, in this project: the operator builds and pushes them to the
 * site's registry. (php-fpm's is its PhpVersion's `imageFolder`.)
 */
export const IMAGE_FOLDERS = {
  httpd: 'packages/web-ssh-server/images/httpd',
  sshd: 'packages/web-ssh-server/images/sshd',
  apacheExporter: 'packages/web-ssh-server/images/apache-exporter',
} as const;
export const AUTHORIZED_KEYS_DIR = '/etc/ssh/web-ssh-server';
/** Where sshd mounts the customer's copy of the newest backup (`backups`), read-only. */
export const BACKUPS_PATH = '/backups';
/** The sshd image's probe: exits 0 while sshd listens on SSH_PORT. */
const SSHD_LISTENING = '/usr/local/lib/web-ssh-server/listening';

/**
 * Before a container is stopped, wait while the endpoint controller and every node's kube-proxy take the pod out
 * of the Service, so a rollout or a drain never sends a new connection to a process that is already gone.
 */
const DRAIN: k8s.Lifecycle = { preStop: { exec: { command: ['sleep', '5'] } } };

/** Readiness: out of the Service within 10 s of failing. Liveness: restarted after 30 s of failing. */
const READINESS = { periodSeconds: 5, failureThreshold: 2 };
const LIVENESS = { initialDelaySeconds: 10, periodSeconds: 10, failureThreshold: 3 };

/** The Service port of HTTP: a VIP's address is reached on it as `http://<hostname>/`. */
export const HTTP_SERVICE_PORT = 80;

/**
 * A virtual server: a Deployment of pods that each run httpd and sshd over one shared web docroot, and the
 * Service that reaches them. Content edited over SSH is served over HTTP.
 *
 * - Pods are selected by explicit labels (`app.kubernetes.io/name` and `instance`), never by a hashed label,
 *   because a Deployment's selector cannot change after creation.
 * - The pods pass Pod Security "restricted": httpd runs as www-data and sshd as web (never root), on unprivileged
 *   ports (8080, 8443, 2222; the Service keeps 80, 443 and 22), with every capability dropped, no privilege
 *   escalation, seccomp RuntimeDefault, a read-only root filesystem with small writable scratch folders, and no
 *   service-account token. sshd as web logs in only web and cannot chroot (one `web` user per server).
 * - A rolling update adds one new pod before it removes an old one (maxSurge 1, maxUnavailable 0).
 */
export class WebSshServer extends Construct {
  /** Name of the Deployment and the Service. */
  public readonly name: string;
  /** The Deployment. */
  public readonly deployment: k8s.KubeDeployment;
  /** The Service, with ports `http` and `ssh`. */
  public readonly service: k8s.KubeService;
  /**
   * The NetworkPolicy of the server's pods: in, only to their own ports (HTTP, HTTPS, SSH) from anywhere; out, only
   * to `egress` and what the certificate needs.
   */
  public readonly networkPolicy: k8s.KubeNetworkPolicy;
  /** The PodDisruptionBudget: at least one pod stays during voluntary disruptions. */
  public readonly podDisruptionBudget: k8s.KubePodDisruptionBudget;
  /** The ConfigMap of the authorized keys, when they were given as public keys (`AuthorizedKeys.fromPublicKeys`). */
  public readonly authorizedKeysConfigMap?: k8s.KubeConfigMap;
  /** The httpd container, as the Deployment's pod template holds it. */
  public readonly httpd: k8s.Container;
  /** The sshd container, as the Deployment's pod template holds it. */
  public readonly sshd: k8s.Container;
  /** The metrics exporter, with `metrics`. */
  public readonly exporter?: k8s.Container;
  /** php-fpm, with `php`. */
  public readonly php?: k8s.Container;
  /** Every container of the server's pods, as the pod template holds them. */
  public readonly containers: k8s.Container[];
  /** The CronJobs of `cron`, in its order. */
  public readonly cronJobs: k8s.KubeCronJob[];
  /** The container of each cron job's pods, in `cron`'s order (what one run of each takes, for a quota). */
  public readonly cronContainers: k8s.Container[];
  /** The NetworkPolicy of the cron jobs' pods (nothing in; out, what the server's pods may reach), with `cron`. */
  public readonly cronNetworkPolicy?: k8s.KubeNetworkPolicy;
  /** Name of the Secret with the SSH host keys. */
  public readonly hostKeysSecret: string;
  /** How many pods it runs. */
  public readonly replicas: number;
  /** Labels that select this server's pods (Service selector and Deployment selector). */
  public readonly selectorLabels: Record<string, string>;
  /** The server's DNS names. */
  public readonly hostnames: string[];
  /** Where its HTTPS certificate comes from, when it serves HTTPS. */
  public readonly certificate?: ServerCertificate;
  /** cert-manager's Certificate, when the certificate comes from cert-manager. */
  public readonly certManagerCertificate?: Certificate;
  /** The Secret httpd serves the certificate from (cert-manager's or the given one), when there is one. */
  public readonly tlsSecret?: string;

  constructor(scope: Construct, id: string, props: WebSshServerProps) {
    super(scope, id);
    AppChecks.of(this).trust(this);
    const r = this.resolve(props);
    this.name = r.name;
    this.hostKeysSecret = r.hostKeysSecret;
    this.replicas = r.replicas;
    this.selectorLabels = r.selectorLabels;
    this.tellOperator(r);
    // The authorized keys: read by sshd's AuthorizedKeysCommand (as `nobody`) at each login, so a whole-volume
    // mount works and updates reach running pods; sshd's StrictModes refuse such a folder as an AuthorizedKeysFile.
    const keys = r.authorizedKeys.bind(this, this.name, r.labels);
    this.authorizedKeysConfigMap = keys.configMap;
    this.hostnames = r.hostnames;
    this.certificate = r.certificate;
    // without the version label: a rollout does not rewrite the Certificate or its Secret
    const tls = r.certificate?.bind(this, {
      name: this.name, hostnames: r.hostnames, labels: { ...r.selectorLabels, ...MANAGED_BY }, acmeStore: props.acmeStore,
    });
    this.certManagerCertificate = tls?.certificate;
    this.tlsSecret = tls?.secretName;
    this.httpd = this.httpdContainer(r, tls);
    this.sshd = this.sshdContainer(r, keys.volume);
    this.exporter = this.exporterContainer(r);
    const phpPod = r.php ? this.phpPod(r, r.php) : undefined;
    this.php = phpPod ? phpContainer(phpPod, r.docrootPath, DRAIN, { readiness: READINESS, liveness: LIVENESS }) : undefined;
    this.containers = [this.httpd, this.sshd, ...(this.php ? [this.php] : []), ...(this.exporter ? [this.exporter] : [])];
    const metadata = { name: this.name, labels: r.labels };
    this.deployment = new k8s.KubeDeployment(this, 'Deployment', { metadata, spec: this.deploymentSpec(r, keys.volume, tls) });
    this.service = new k8s.KubeService(this, 'Service', { metadata, spec: this.serviceSpec(r) });
    this.podDisruptionBudget = new k8s.KubePodDisruptionBudget(this, 'PodDisruptionBudget', { metadata, spec: this.disruptionBudgetSpec(r) });
    const policy = this.networkPolicySpec(r, tls);
    this.networkPolicy = new k8s.KubeNetworkPolicy(this, 'NetworkPolicy', { metadata, spec: policy });
    this.cronContainers = phpPod ? r.cron.map((task) => cronContainer(phpPod, r.docrootPath, task)) : [];
    this.cronJobs = phpPod ? r.cron.map((task, i) => this.cronJob(r, phpPod, task, this.cronContainers[i])) : [];
    if (r.cron.length > 0) {
      // the cron jobs' pods reach what the server's reach (a database, a mail relay) and take no connection
      this.cronNetworkPolicy = new k8s.KubeNetworkPolicy(this, 'CronNetworkPolicy', {
        metadata: { name: `${this.name}-cron`, labels: { ...r.cronLabels, ...MANAGED_BY } },
        spec: { podSelector: { matchLabels: r.cronLabels }, policyTypes: ['Ingress', 'Egress'], ...(policy.egress ? { egress: policy.egress } : {}) },
      });
    }
  }

  /** What the php container and the cron jobs share: the image and settings, the docroot read-write, the customer's uid. */
  private phpPod(r: Resolved, php: ResolvedPhp): PhpPod {
    return { php, docrootMount: r.docroot.mountAt(r.docrootPath), securityContext: restrictedContainerContext(WEB_UID) };
  }

  /** A cron task's CronJob: its pods as the server's (node role, uid, pull Secrets), with the docroot and a /tmp. */
  private cronJob(r: Resolved, pod: PhpPod, task: ResolvedCronTask, container: k8s.Container): k8s.KubeCronJob {
    const labels = { ...r.cronLabels, ...MANAGED_BY };
    return new k8s.KubeCronJob(this, `Cron${task.cronJobName}`, {
      metadata: { name: task.cronJobName, labels },
      spec: cronJobSpec(task, { ...labels, ...r.database?.clientLabels }, {
        restartPolicy: 'Never',
        containers: [container],
        volumes: [r.docroot.podVolume, ...phpVolumes(pod.php).filter((v) => v.name === 'php-tmp')],
        nodeSelector: r.nodeRole.nodeSelector,
        securityContext: this.podSecurityContext(),
        automountServiceAccountToken: false,
        imagePullSecrets: r.imagePullSecrets,
      }),
    });
  }

  /** What the operator must know: the host keys' Secret and how to make it, the images and where they are built. */
  private tellOperator(r: Resolved): void {
    const namespace = namespaceOf(this);
    const contract = OperatorContract.of(this);
    contract.needsSecret(this, {
      namespace, name: r.hostKeysSecret, what: `the SSH host keys of server ${r.name}`, command: hostKeysCreateCommand(r.hostKeysSecret, namespace),
    });
    contract.pullsImage(r.httpdImage, ImageSource.build(IMAGE_FOLDERS.httpd));
    contract.pullsImage(r.sshdImage, ImageSource.build(IMAGE_FOLDERS.sshd));
    if (r.php) contract.pullsImage(r.php.image, ImageSource.build(r.php.version.imageFolder));
    if (r.metrics) contract.pullsImage(r.metrics.image, ImageSource.build(IMAGE_FOLDERS.apacheExporter));
  }

  /** Checks every prop and works out what the parts below need, warnings included. */
  private resolve(props: WebSshServerProps): Resolved {
    const name = resourceName(this, 'name', props.name);
    const replicas = requireInteger(this, 'replicas', props.replicas ?? 2, 1, INT32_MAX);
    let httpdImage = requirePinnedImage(this, 'httpdImage', props.httpdImage);
    let sshdImage = requirePinnedImage(this, 'sshdImage', props.sshdImage);
    let exporterImage = props.metrics ? requirePinnedImage(this, 'metrics.exporterImage', props.metrics.exporterImage) : undefined;
    let php = props.php !== undefined ? resolvePhp(this, 'php', props.php) : undefined;
    if (props.version !== undefined) {
      const pinned = Object.entries({
        httpdImage, sshdImage, ...(exporterImage ? { 'metrics.exporterImage': exporterImage } : {}), ...(php ? { 'php.image': php.image } : {}),
      }).find(([, image]) => image.digest !== undefined);
      if (pinned) {
        throw SiteError.invalidProp(this, 'version', props.version, `not be set while '${pinned[0]}' is pinned by digest `
          + `(${pinned[1].reference}): a tag would replace the digest. Drop 'version', or pin both images by tag`);
      }
      const problem = httpdImage.withTag(props.version).problem;
      if (problem) {
        throw SiteError.invalidProp(this, 'version', props.version, `be a pinned image tag such as "v2" (this one ${problem})`);
      }
      httpdImage = httpdImage.withTag(props.version);
      sshdImage = sshdImage.withTag(props.version);
      exporterImage = exporterImage?.withTag(props.version);
      if (php) php = { ...php, image: php.image.withTag(props.version) };
    }
    const spread = requireEnum(this, 'spread', props.spread ?? NodeSpread.REQUIRED, SPREADS);
    const evictionSeconds = requireWholeSeconds(this, 'evictionDelay', props.evictionDelay ?? Duration.seconds(30));
    const minReadySeconds = requireInteger(this, 'minReady (seconds)', requireWholeSeconds(this, 'minReady', props.minReady ?? Duration.seconds(0)), 0, INT32_MAX);
    const httpPort = requireUnprivilegedPort(this, 'httpPort', props.httpPort ?? 8080);
    const sshPort = requireUnprivilegedPort(this, 'sshPort', props.sshPort ?? 2222);
    requireDistinctPorts(this, { httpPort, sshPort });
    const statusPort = props.metrics ? requireUnprivilegedPort(this, 'metrics.statusPort', props.metrics.statusPort ?? 8081) : undefined;
    if (statusPort !== undefined) {
      requirePort(this, 'metrics.statusPort', statusPort);
      requireDistinctPorts(this, { httpPort, sshPort, 'metrics.statusPort': statusPort, 'the exporter\'s port': METRICS_PORT });
    }
    const sshServicePort = props.sshServicePort ?? 22;
    requireDistinctPorts(this, { httpServicePort: HTTP_SERVICE_PORT, sshServicePort });
    const sshPenaltyExempt = (props.sshPenaltyExempt ?? SHARED_ADDRESS_SPACE)
      .map((subnet, i) => requireIpv4Subnet(this, `sshPenaltyExempt[${i}]`, subnet).text);
    const egress = props.egress ?? [];
    egress.forEach((entry, i) => {
      if (!(entry instanceof Object) || typeof (entry as ServerEgress).validate !== 'function') {
        throw SiteError.invalidProp(this, `egress[${i}]`, entry, 'be a ServerEgress: ServerEgress.to(Ipv4Subnet.of("192.168.1.20/32"), [443]), '
          + 'ServerEgress.internet([443]) or ServerEgress.dns()');
      }
      entry.validate(this, `egress[${i}]`);
    });
    const namespace = namespaceOf(this);
    const hostnames = requireHostnames(this, 'hostnames', props.hostnames ?? []);
    const certificate = props.certificate;
    const httpsPort = requireUnprivilegedPort(this, 'httpsPort', props.httpsPort ?? 8443);
    let hsts: string | undefined;
    if (certificate) {
      if (hostnames.length === 0) {
        throw SiteError.invalidProp(this, 'hostnames', hostnames, `list the DNS names the ${certificate.kind} certificate covers, such as ["www.example.org"]`);
      }
      certificate.validate(this, 'certificate', hostnames);
      requireDistinctPorts(this, { httpPort, sshPort, httpsPort, ...(statusPort !== undefined ? { 'metrics.statusPort': statusPort, 'the exporter\'s port': METRICS_PORT } : {}) });
      requireDistinctPorts(this, { httpsServicePort: HTTPS_SERVICE_PORT, sshServicePort });
      if (props.acmeStore) requireClaimIn(this, 'acmeStore', props.acmeStore, namespace);
      if (props.acmeStore?.accessMode === 'ReadWriteOnce' && replicas > 1) {
        throw SiteError.invalidProp(this, 'acmeStore', 'ReadWriteOnce', 'be ReadWriteMany with more than one replica: every replica answers ACME challenges '
          + 'and serves the certificate from the one store');
      }
      if (props.hsts !== undefined) hsts = requireHsts(this, 'hsts', props.hsts);
    } else {
      if (props.hsts !== undefined) {
        throw SiteError.invalidProp(this, 'hsts', String(props.hsts), 'be left out without a certificate: HSTS tells browsers to use HTTPS, '
          + 'which the server does not serve. Give it a certificate (ServerCertificate.acme(), .certManager() or .fromSecret()) first');
      }
      if (props.redirectToHttps === true) {
        throw SiteError.invalidProp(this, 'redirectToHttps', true, 'be left out without a certificate: the server serves no HTTPS to redirect to');
      }
      if (props.acmeStore) {
        throw SiteError.invalidProp(this, 'acmeStore', 'a volume', 'be given only with ServerCertificate.acme()');
      }
      Warnings.of(this).add(`serves no HTTPS${hostnames.length ? ` for ${hostnames.join(', ')}` : ''}: browsers mark every page "Not secure" and `
        + `forms cross the network in clear. Give it ${hostnames.length ? '' : "'hostnames' and "}a 'certificate' `
        + '(ServerCertificate.acme(), .certManager() or .fromSecret()).');
    }

    const nodeRole = requireNodeRole(this, 'nodeRole', props.nodeRole ?? NodeRole.WORKER);
    requireClaimIn(this, 'docroot', props.docroot, namespace);
    if (props.backups) requireClaimIn(this, 'backups', props.backups, namespace);
    if (props.docroot.accessMode === 'ReadWriteOnce' && replicas > 1) {
      if (spread === NodeSpread.REQUIRED) {
        throw SiteError.invalidProp(this, 'replicas', replicas, 'be 1 with a ReadWriteOnce docroot: the volume mounts on one node only, '
          + 'and the pods must run on different nodes, so all but one would wait forever. Use a ReadWriteMany docroot, or replicas 1');
      }
      Warnings.of(this).add(`'replicas' is ${replicas} with a ReadWriteOnce docroot: the volume mounts on one node only, so every pod must `
        + 'land on that node (spread PREFERRED allows it) and one dead node takes the whole server. Use a ReadWriteMany docroot.');
    }
    if (nodeRole === NodeRole.ROUTER) {
      Warnings.of(this).add(`'nodeRole' is ${nodeRole}: the server runs on the router node, beside kube-keepalived-vip and the VIPs, `
        + 'so a busy site slows the whole LAN\'s routing and a failure of that node takes both; use NodeRole.WORKER.');
    }
    const docrootPath = requireAbsolutePath(this, 'docrootPath', props.docrootPath ?? '/var/www/html', '/var/www/html');
    const probePath = requireAbsolutePath(this, 'httpProbePath', props.httpProbePath ?? '/healthz', '/healthz');
    const hostKeysSecret = requireSecretName(this, 'hostKeysSecret', props.hostKeysSecret ?? `${name}-ssh-host-keys`);
    const authorizedKeys = props.authorizedKeys ?? AuthorizedKeys.fromSecret(`${name}-ssh-authorized-keys`);
    authorizedKeys.validate(this, 'authorizedKeys');
    const selectorLabels = { 'app.kubernetes.io/name': APP_NAME, 'app.kubernetes.io/instance': name };
    const cron = resolveCron(this, 'cron', name, props.cron ?? [], php);
    if (props.database && !php) {
      throw SiteError.invalidProp(this, 'database', props.database.database, "be given with 'php': PHP is what connects to it. "
        + 'Give the server `php: { version: PhpVersion.V8_4, ... }`, or leave out `database`');
    }
    const version = httpdImage.tag === undefined ? 'digest'
      : requireLabelValue(this, props.version !== undefined ? 'version' : 'httpdImage (its tag)', httpdImage.tag, 'app.kubernetes.io/version');
    const httpdResources = requireResources(this, 'httpdResources', props.httpdResources ?? DEFAULT_HTTPD_RESOURCES);
    const sshdResources = requireResources(this, 'sshdResources', props.sshdResources ?? DEFAULT_SSHD_RESOURCES);
    const exporterResources = requireResources(this, 'metrics.resources', props.metrics?.resources ?? DEFAULT_EXPORTER_RESOURCES);
    // A drain (kubectl drain, a node upgrade) may take pods away only while another one keeps serving.
    if (replicas === 1) {
      Warnings.of(this).add("'replicas' is 1: the PodDisruptionBudget (minAvailable 1) blocks 'kubectl drain' of its node, "
        + 'and the server is down while its only pod moves; use 2 or more replicas.');
    }
    const docroot = props.docroot;
    const backups = props.backups;
    const labels = { ...selectorLabels, 'app.kubernetes.io/version': version, ...MANAGED_BY };
    return {
      name,
      replicas,
      httpdImage,
      sshdImage,
      spread,
      evictionSeconds,
      minReadySeconds,
      httpPort,
      sshPort,
      sshServicePort,
      sshPenaltyExempt,
      sftpOnly: props.sftpOnly ?? false,
      imagePullSecrets: requireImagePullSecrets(this, 'imagePullSecrets', props.imagePullSecrets),
      egress,
      nodeRole,
      docroot,
      backups,
      docrootPath,
      probePath,
      hostKeysSecret,
      authorizedKeys,
      selectorLabels,
      httpdResources,
      sshdResources,
      labels,
      hostnames,
      certificate,
      httpsPort,
      redirectToHttps: certificate !== undefined && (props.redirectToHttps ?? true),
      hsts,
      responseHeaders: responseHeadersEnv(this, 'responseHeaders', props.responseHeaders),
      php: php && props.database
        ? { ...php, env: { ...php.env, ...databaseEnv(props.database) }, secretEnv: databaseSecretEnv(props.database) }
        : php,
      cron,
      database: props.database,
      entry: props.entry,
      clusterIp: props.clusterIp === undefined ? undefined : requireIpv4Address(this, 'clusterIp', props.clusterIp).text,
      cronLabels: { 'app.kubernetes.io/name': CRON_APP_NAME, 'app.kubernetes.io/instance': `${name}-cron` },
      metrics: exporterImage && statusPort !== undefined ? {
        image: exporterImage, statusPort, resources: exporterResources, scrapers: requireScrapers(this, 'metrics.scrapers', props.metrics?.scrapers ?? DEFAULT_SCRAPERS),
      } : undefined,
    };
  }

  /** httpd: serves the docroot, mounted read-only (sshd is where people edit it). */
  private httpdContainer(r: Resolved, tls: CertificateBinding | undefined): k8s.Container {
    const httpGet = { path: r.probePath, port: k8s.IntOrString.fromNumber(r.httpPort), scheme: 'HTTP' };
    return {
      name: 'httpd',
      image: r.httpdImage.reference,
      // A pinned tag never changes: a pod that moves to another node starts even while the registry is down.
      imagePullPolicy: 'IfNotPresent',
      ports: [
        { containerPort: r.httpPort, name: 'http' },
        ...(tls ? [{ containerPort: r.httpsPort, name: 'https' }] : []),
        ...this.proxyPorts(r).map(([name, port]) => ({ containerPort: port, name })),
      ],
      securityContext: restrictedContainerContext(HTTPD_UID),
      resources: r.httpdResources,
      // The image's entrypoint reads these, so the props and what the process does cannot disagree.
      env: envList({
        HTTP_PORT: String(r.httpPort),
        DOCROOT: r.docrootPath,
        ...(r.hostnames.length ? { SERVER_NAMES: r.hostnames.join(' ') } : {}),
        ...(tls ? {
          HTTPS_PORT: String(r.httpsPort),
          ...tls.env,
          HTTP_TO_HTTPS: r.redirectToHttps ? 'true' : 'false',
          ...(r.hsts !== undefined ? { HSTS: r.hsts } : {}),
        } : {}),
        ...r.responseHeaders,
        ...(r.metrics ? { STATUS_PORT: String(r.metrics.statusPort) } : {}),
        ...(r.php ? { PHP: 'fpm', ...(r.php.frontController ? { PHP_FRONT_CONTROLLER: 'true' } : {}) } : {}),
        ...(r.entry ? { PROXY_HTTP_PORT: String(PROXY_HTTP_PORT), ...(tls ? { PROXY_HTTPS_PORT: String(PROXY_HTTPS_PORT) } : {}) } : {}),
      }),
      lifecycle: DRAIN,
      readinessProbe: { httpGet, ...READINESS, timeoutSeconds: 2 },
      livenessProbe: { httpGet, ...LIVENESS, timeoutSeconds: 2 },
      volumeMounts: [
        r.docroot.mountAt(r.docrootPath, { readOnly: true }),
        // Writable scratch space for pid files and locks (the root filesystem is read-only).
        { name: 'httpd-run', mountPath: '/run' },
        // php-fpm's socket
        ...(r.php ? [{ name: 'php-socket', mountPath: PHP_SOCKET_DIR }] : []),
        ...(tls?.mounts ?? []),
      ],
    };
  }

  /** sshd: the customer's shell and uploads, on the docroot read-write, with its host keys and authorized keys. */
  private sshdContainer(r: Resolved, authorizedKeys: k8s.Volume): k8s.Container {
    // The image's check reads /proc/net instead of connecting: a TCP probe would fill sshd's log.
    const sshdListening = { command: [SSHD_LISTENING] };
    return {
      name: 'sshd',
      image: r.sshdImage.reference,
      imagePullPolicy: 'IfNotPresent',
      ports: [{ containerPort: r.sshPort, name: 'ssh' }],
      securityContext: restrictedContainerContext(WEB_UID),
      resources: r.sshdResources,
      env: envList({
        SSH_PORT: String(r.sshPort),
        DOCROOT: r.docrootPath,
        SSH_PENALTY_EXEMPT: [...r.sshPenaltyExempt, ...ALWAYS_EXEMPT].join(','),
        ...(r.sftpOnly ? { SSH_SFTP_ONLY: 'true' } : {}),
      }),
      lifecycle: DRAIN,
      readinessProbe: { exec: sshdListening, ...READINESS },
      livenessProbe: { exec: sshdListening, ...LIVENESS },
      volumeMounts: [
        r.docroot.mountAt(r.docrootPath),
        // sshd's privilege-separation folder and pid file.
        { name: 'sshd-run', mountPath: '/run' },
        { name: 'ssh-host-keys', mountPath: HOST_KEYS_DIR, readOnly: true },
        { name: authorizedKeys.name, mountPath: AUTHORIZED_KEYS_DIR, readOnly: true },
        // the newest snapshot, unpacked by the backup: read-only, for the customer to copy files back
        // (the whole folder, no subPath: the kubelet would make a missing sub-folder as root, before any backup ran)
        ...(r.backups ? [{ ...r.backups.mountAt(BACKUPS_PATH, { readOnly: true }), name: 'backups' }] : []),
      ],
    };
  }

  /**
   * The exporter: reads httpd's status page on the pod's loopback and serves Prometheus metrics. No readiness probe:
   * a pod that serves its site stays in the Service while its exporter restarts.
   */
  private exporterContainer(r: Resolved): k8s.Container | undefined {
    if (!r.metrics) return undefined;
    return {
      name: 'exporter',
      image: r.metrics.image.reference,
      imagePullPolicy: 'IfNotPresent',
      args: [`--scrape_uri=http://127.0.0.1:${r.metrics.statusPort}/server-status?auto`, `--web.listen-address=:${METRICS_PORT}`],
      ports: [{ containerPort: METRICS_PORT, name: 'metrics' }],
      securityContext: restrictedContainerContext(NOBODY_UID),
      resources: r.metrics.resources,
      livenessProbe: { tcpSocket: { port: k8s.IntOrString.fromNumber(METRICS_PORT) }, ...LIVENESS },
    };
  }

  /** The pods of both containers, and how they roll, spread and leave a dead node. */
  private deploymentSpec(r: Resolved, authorizedKeys: k8s.Volume, tls: CertificateBinding | undefined): k8s.DeploymentSpec {
    return {
      replicas: r.replicas,
      minReadySeconds: r.minReadySeconds,
      progressDeadlineSeconds: 600,
      // Explicit labels, never a hashed one: a Deployment's selector cannot change after creation.
      selector: { matchLabels: r.selectorLabels },
      // A rolling update adds one new pod before it removes an old one.
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: k8s.IntOrString.fromNumber(1), maxUnavailable: k8s.IntOrString.fromNumber(0) } },
      template: { metadata: { labels: { ...r.labels, ...r.database?.clientLabels } }, spec: this.podSpec(r, authorizedKeys, tls) },
    };
  }

  private podSpec(r: Resolved, authorizedKeys: k8s.Volume, tls: CertificateBinding | undefined): k8s.PodSpec {
    return {
      containers: this.containers,
      volumes: [
        r.docroot.podVolume,
        { name: 'httpd-run', emptyDir: { sizeLimit: k8s.Quantity.fromString('16Mi') } },
        { name: 'sshd-run', emptyDir: { sizeLimit: k8s.Quantity.fromString('16Mi') } },
        // The host keys: one Secret for every replica, private keys readable by the owner (root) and the pod's
        // fsGroup (web) only, as kubelet makes them with an fsGroup.
        { name: 'ssh-host-keys', secret: { secretName: r.hostKeysSecret, defaultMode: 0o440 } },
        authorizedKeys,
        ...(r.backups ? [{ ...r.backups.podVolume, name: 'backups' }] : []),
        ...(tls?.volumes ?? []),
        ...(r.php ? phpVolumes(r.php) : []),
      ],
      // A real nodeSelector (not node affinity): `kubectl get pods -o wide` placement matches the node label.
      nodeSelector: r.nodeRole.nodeSelector,
      affinity: { podAntiAffinity: antiAffinity(r.spread, r.selectorLabels) },
      // Leave a dead node after evictionDelay instead of the 300 s the API server would inject.
      tolerations: ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable'].map((key) => ({
        key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: r.evictionSeconds,
      })),
      securityContext: this.podSecurityContext(),
      // The pods never call the API.
      automountServiceAccountToken: false,
      imagePullSecrets: r.imagePullSecrets,
      // The API server's defaults, stated.
      dnsPolicy: 'ClusterFirst',
      restartPolicy: 'Always',
      setHostnameAsFqdn: false,
    };
  }

  /**
   * Never root; web's group (fsGroup) owns what kubelet mounts (the host keys, a TLS key) and is every container's
   * supplementary group: httpd reads those and reaches php-fpm's socket through it.
   */
  private podSecurityContext(): k8s.PodSecurityContext {
    return restrictedPodContext(WEB_UID);
  }

  private serviceSpec(r: Resolved): k8s.ServiceSpec {
    return {
      type: 'ClusterIP',
      ...(r.clusterIp ? { clusterIp: r.clusterIp } : {}),
      selector: r.selectorLabels,
      ports: [
        { name: 'http', port: HTTP_SERVICE_PORT, targetPort: k8s.IntOrString.fromNumber(r.httpPort) },
        ...(r.certificate ? [{ name: 'https', port: HTTPS_SERVICE_PORT, targetPort: k8s.IntOrString.fromNumber(r.httpsPort) }] : []),
        { name: 'ssh', port: r.sshServicePort, targetPort: k8s.IntOrString.fromNumber(r.sshPort) },
        ...this.proxyPorts(r).map(([name, port]) => ({ name, port, targetPort: k8s.IntOrString.fromNumber(port) })),
      ],
    };
  }

  /**
   * In: anyone (clients arrive through the VIP, often from a node's address) to the containers' own ports only.
   * Out: only the listed destinations; none at all by default.
   */
  private networkPolicySpec(r: Resolved, tls: CertificateBinding | undefined): k8s.NetworkPolicySpec {
    const tcp = (port: number) => ({ protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) });
    const entries = [...tls?.egress ?? [], ...r.egress];
    // DNS once, first, however many entries need it (the database by its DNS name too)
    const dns = entries.some((e) => e.isDns) || r.database?.hostIsDnsName ? ServerEgress.dns().rules() : [];
    const database = r.database ? [{ to: [r.database.peer], ports: [tcp(r.database.port)] }] : [];
    const egress = [...dns, ...database, ...entries.filter((e) => !e.isDns).flatMap((e) => e.rules())];
    return {
      podSelector: { matchLabels: r.selectorLabels },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [
        { ports: [r.httpPort, ...(tls ? [r.httpsPort] : []), r.sshPort].map(tcp) },
        // the PROXY protocol listeners: only the shared entry (whoever reaches them says who the client is)
        ...(r.entry ? [{ from: [r.entry.peer], ports: this.proxyPorts(r).map(([, port]) => tcp(port)) }] : []),
        // the exporter: only the site's Prometheus
        ...(r.metrics ? [{ from: r.metrics.scrapers, ports: [tcp(METRICS_PORT)] }] : []),
      ],
      // no rule: nothing out (an empty list is dropped by the API server, and every apply would change the object again)
      ...(egress.length ? { egress } : {}),
    };
  }

  /** The PROXY protocol listeners, by port name, when a shared entry is in front (HTTPS's with a certificate). */
  private proxyPorts(r: Resolved): Array<[string, number]> {
    if (!r.entry) return [];
    return [['http-proxy', PROXY_HTTP_PORT], ...(r.certificate ? [['https-proxy', PROXY_HTTPS_PORT] as [string, number]] : [])];
  }

  /** A drain may take pods away only while another one keeps serving. */
  private disruptionBudgetSpec(r: Resolved): k8s.PodDisruptionBudgetSpec {
    return { minAvailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: r.selectorLabels } };
  }
}

/** A WebSshServer's props, checked and worked out: what its parts are built from. */
interface Resolved {
  readonly name: string;
  readonly replicas: number;
  readonly httpdImage: ImageReference;
  readonly sshdImage: ImageReference;
  readonly spread: NodeSpread;
  readonly evictionSeconds: number;
  readonly minReadySeconds: number;
  readonly httpPort: number;
  readonly sshPort: number;
  readonly sshServicePort: number;
  readonly sshPenaltyExempt: string[];
  readonly sftpOnly: boolean;
  readonly imagePullSecrets?: k8s.LocalObjectReference[] | undefined;
  readonly egress: ServerEgress[];
  readonly nodeRole: NodeRole;
  readonly docroot: INfsFolder;
  readonly docrootPath: string;
  readonly backups: INfsFolder | undefined;
  readonly probePath: string;
  readonly hostKeysSecret: string;
  readonly authorizedKeys: AuthorizedKeys;
  readonly selectorLabels: Record<string, string>;
  readonly labels: Record<string, string>;
  readonly httpdResources: k8s.ResourceRequirements;
  readonly sshdResources: k8s.ResourceRequirements;
  readonly hostnames: string[];
  readonly certificate?: ServerCertificate | undefined;
  readonly httpsPort: number;
  readonly redirectToHttps: boolean;
  /** The Strict-Transport-Security header's value. */
  readonly hsts?: string | undefined;
  readonly responseHeaders: Record<string, string>;
  readonly php?: ResolvedPhp | undefined;
  readonly cron: ResolvedCronTask[];
  readonly database?: DatabaseBinding | undefined;
  readonly entry?: ServerEntryBinding | undefined;
  readonly clusterIp?: string | undefined;
  /** The labels of the cron jobs' pods. */
  readonly cronLabels: Record<string, string>;
  readonly metrics?: {
    readonly image: ImageReference;
    readonly statusPort: number;
    readonly resources: k8s.ResourceRequirements;
    readonly scrapers: k8s.NetworkPolicyPeer[];
  } | undefined;
}

/** A volume the server's pods mount (`prop`) must be a claim in their own namespace. */
function requireClaimIn(scope: Construct, prop: string, volume: INfsFolder, namespace: string): void {
  if (volume.namespace !== namespace) {
    throw SiteError.invalidProp(scope, prop, `${volume.namespace}/${volume.podVolume.persistentVolumeClaim?.claimName}`,
      `be a claim in the server's own namespace "${namespace}": a pod cannot mount a claim of another namespace. `
      + `Put the ${prop} in a chart with namespace "${namespace}"`);
  }
}

/** Returns `hostnames` when each is a server's DNS name, once. */
export function requireHostnames(scope: IConstruct, prop: string, hostnames: string[]): string[] {
  const seen = new Set<string>();
  hostnames.forEach((hostname, i) => {
    const problem = hostnameProblem(hostname);
    if (problem) throw SiteError.invalidProp(scope, `${prop}[${i}]`, hostname, `be a DNS name such as "www.example.org" (this one ${problem})`);
    if (seen.has(hostname)) throw SiteError.invalidProp(scope, `${prop}[${i}]`, hostname, 'be listed once');
    seen.add(hostname);
  });
  return hostnames;
}

/** The NetworkPolicy peers of the scrapers: at least one, each a MetricsScraper. */
function requireScrapers(scope: IConstruct, prop: string, scrapers: MetricsScraper[]): k8s.NetworkPolicyPeer[] {
  if (!Array.isArray(scrapers) || scrapers.length === 0) {
    throw SiteError.invalidProp(scope, prop, scrapers, "name the site's Prometheus: MetricsScraper.from(Ipv4Subnet.of('192.168.1.10/32')) or MetricsScraper.pods({ ... })");
  }
  return scrapers.map((scraper, i) => {
    if (!(scraper instanceof Object) || typeof (scraper as MetricsScraper).peer !== 'function') {
      throw SiteError.invalidProp(scope, `${prop}[${i}]`, scraper, "be a MetricsScraper: MetricsScraper.from(Ipv4Subnet.of('192.168.1.10/32')) or MetricsScraper.pods({ ... })");
    }
    return scraper.peer(scope, `${prop}[${i}]`);
  });
}

/** The header value of an {@link Hsts} prop, or an error that names the type (a Duration before 0.9.0). */
function requireHsts(scope: IConstruct, prop: string, hsts: Hsts): string {
  if (!(hsts instanceof Object) || typeof (hsts as Hsts).headerValue !== 'function') {
    throw SiteError.invalidProp(scope, prop, hsts instanceof Duration ? hsts.toHumanString() : hsts,
      'be an Hsts: Hsts.maxAge(Duration.days(365)) or Hsts.preloadReady() (a plain Duration until 0.9.0)');
  }
  return hsts.headerValue(scope, prop);
}

/** A port a container listens on: a process without privilege may listen only on 1024 and above. */
function requireUnprivilegedPort(scope: IConstruct, prop: string, port: number): number {
  if (Number.isInteger(port) && port >= 1 && port < FIRST_UNPRIVILEGED_PORT) {
    throw SiteError.invalidProp(scope, prop, port, `be ${FIRST_UNPRIVILEGED_PORT}-65535: the container runs as a non-root user with no `
      + `capability, and only root may listen below ${FIRST_UNPRIVILEGED_PORT}. The Service keeps the well-known port outside; leave '${prop}' out`);
  }
  return port;
}

/** What PHP and the cron jobs are told of the customer's database, but the password. */
function databaseEnv(db: DatabaseBinding): Record<string, string> {
  return { DB_HOST: db.host, DB_PORT: String(db.port), DB_NAME: db.database, DB_USER: db.user };
}

/** The password, from the customer's Secret: never in the manifests. */
function databaseSecretEnv(db: DatabaseBinding): k8s.EnvVar[] {
  return [{ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: db.secret, key: 'password' } } }];
}

function antiAffinity(spread: NodeSpread, labels: Record<string, string>) {
  const term = { labelSelector: { matchLabels: labels }, topologyKey: 'kubernetes.io/hostname' };
  return spread === NodeSpread.REQUIRED
    ? { requiredDuringSchedulingIgnoredDuringExecution: [term] }
    : { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: term }] };
}
