import {
  AppChecks, containerResources, ImageReference, ImageSource, Ipv4Address, k8s, MANAGED_BY, namespaceOf, NodeRole, OperatorContract,
  requireAbsolutePath, requireDnsLabel, requireImagePullSecrets, requireInteger, requireIpv4Address, requireNodeRole, requirePinnedImage,
  requirePort, resourceName, SiteError,
} from '@cdk8s-vserver/core';
import { INfsFolder } from '@cdk8s-vserver/storage';
import { Lazy } from 'cdk8s';
import { Construct } from 'constructs';

/** One virtual server whose logs the collector keeps: its name (the Deployment's) and namespace. */
export interface CollectedServer {
  /** The server's name: its Deployment's, and the folder of its logs (`<logs>/<name>/`). */
  readonly name: string;
  /** The namespace its pods run in. */
  readonly namespace: string;
}

/** Props of `LogCollector`. */
export interface LogCollectorProps {
  /**
   * The collector's image, built from this package's `images/log-collector/` (Debian's rsyslog and mtail), pinned
   * by tag or digest: `master.test:5000/myrepo/log-collector:v1`.
   */
  readonly image: ImageReference;
  /** Where the logs are kept: a ReadWriteMany volume of the NAS (an `NfsFolder`) in the collector's namespace. */
  readonly logs: INfsFolder;
  /** The servers whose httpd and sshd logs are kept, each in a folder of its own. */
  readonly servers: CollectedServer[];
  /**
   * Days a log file is kept: each node's daily files are compressed the day after and deleted after this many days.
   * @default 30
   */
  readonly retentionDays?: number | undefined;
  /**
   * The nodes the collector runs on: those of the servers' pods.
   * @default NodeRole.WORKER
   */
  readonly nodeRole?: NodeRole | undefined;
  /** Secrets with the registry's credentials, when it asks for them. @default - none */
  readonly imagePullSecrets?: string[] | undefined;
  /**
   * The node folder where the collector keeps how far it read each pod's log, so a restarted collector resumes there
   * (nothing lost, nothing twice). Two collectors on one node (two sites) must not share it.
   * @default '/var/lib/vserver-log-collector/<namespace>-<name>'
   */
  readonly stateDir?: string | undefined;
  /** The DaemonSet's name. @default 'log-collector' */
  readonly name?: string | undefined;
  /**
   * The same lines, also sent to a syslog server (rsyslog, syslog-ng, or Grafana Alloy's / Promtail's syslog receiver
   * in front of Loki): RFC 5424 over TCP with octet counting, the node as HOSTNAME, the server as APP-NAME and the kind
   * (access, error, sshd) as MSGID. The collector's NetworkPolicy lets it reach that address and port only.
   * @default - kept on the NAS only
   */
  readonly forward?: SyslogForward | undefined;
}

/** A syslog server the collector sends every kept line to as well. */
export interface SyslogForward {
  /** Its IPv4 address (a NetworkPolicy lets the collector reach it). */
  readonly address: Ipv4Address;
  /** Its TCP port. @default 514 */
  readonly port?: number | undefined;
}

/** The port of the collector's metrics (mtail's: HTTP responses and SSH logins counted from the logs). */
export const LOG_COLLECTOR_METRICS_PORT = 3903;
/** The Dockerfile folder of the collector's image in this project. */
export const LOG_COLLECTOR_IMAGE_FOLDER = 'packages/monitoring/images/log-collector';
/** The kinds of log kept per server, and the file name each starts with. */
export const LOG_KINDS = ['access', 'error', 'sshd'] as const;
/** Pieces of one long line (a container runtime splits lines over 16 KiB) the collector joins: up to 128 KiB. */
export const MAX_LINE_PIECES = 8;
/** The characters of the hashes Kubernetes appends to a Deployment's pod names (its "safe" alphabet). */
const POD_HASH = '[bcdfghjklmnpqrstvwxz2456789]';
const CONFIG_DIR = '/etc/log-collector';
const LOGS_DIR = '/logs';
const STREAM = '/run/log-collector/stream';
/** A pod's log file as the kubelet names it: /var/log/pods/<namespace>_<pod>_<uid>/<container>/<n>.log. */
const POD_LOG_PATH = '^/var/log/pods/([a-z0-9-]+)_([a-z0-9.-]+)_[^/]+/([a-z]+)/[0-9]+\\\\.log$';

/**
 * Keeps every virtual server's logs on the NAS: a DaemonSet on the servers' nodes reads the pods' logs there (the
 * container runtime's files under /var/log/pods), and writes, per server, its httpd access log, error log and
 * sshd log as daily files, one per node: `<logs>/<server>/access-2026-12-02.node1.log` (one writer per file,
 * as NFS needs; `zgrep ... <logs>/myweb/access-*` reads them all). The day after, each file is compressed; after
 * `retentionDays` it is deleted.
 *
 * Three containers from one image: `rsyslog` (Debian's rsyslog: imfile follows each pod's log and keeps how far it
 * read in `stateDir` on the node, so a restart resumes there; a line split by the runtime is joined again; a line
 * goes to a server's folder only when its pod is one of that server's Deployment's, by namespace and pod name),
 * `mtail` (counts HTTP responses by status and SSH logins per server from the same lines, for Prometheus, on
 * port 3903) and `keeper` (compression and retention). rsyslog runs as root with one capability, reading any file
 * (DAC_READ_SEARCH), since the runtime writes pod logs readable by root only; it writes nothing on the node but its
 * state folder. On a NAS that squashes root, the logs folder must be writable by the squashed user (`nobody`).
 */
export class LogCollector extends Construct {
  /** The DaemonSet's name. */
  public readonly name: string;
  /** The collector's namespace (its chart's). */
  public readonly namespace: string;
  /** Labels that select the collector's pods. */
  public readonly selectorLabels: Record<string, string>;
  public readonly daemonSet: k8s.KubeDaemonSet;
  public readonly configMap: k8s.KubeConfigMap;
  public readonly networkPolicy: k8s.KubeNetworkPolicy;
  private readonly servers: CollectedServer[] = [];

  constructor(scope: Construct, id: string, props: LogCollectorProps) {
    super(scope, id);
    AppChecks.of(this).trust(this);
    this.name = resourceName(this, 'name', props.name, 'log-collector');
    const image = requirePinnedImage(this, 'image', props.image);
    OperatorContract.of(this).pullsImage(image, ImageSource.build(LOG_COLLECTOR_IMAGE_FOLDER));
    const retentionDays = requireInteger(this, 'retentionDays', props.retentionDays ?? 30, 1, 3650);
    const nodeRole = requireNodeRole(this, 'nodeRole', props.nodeRole ?? NodeRole.WORKER);
    this.namespace = namespaceOf(this);
    const stateDir = requireAbsolutePath(this, 'stateDir', props.stateDir ?? `/var/lib/vserver-log-collector/${this.namespace}-${this.name}`,
      '/var/lib/vserver-log-collector');
    if (stateDir.replace(/\/+$/, '') === '') throw SiteError.invalidProp(this, 'stateDir', stateDir, 'be a folder of its own, not the node\'s root');
    if (props.logs.namespace !== this.namespace) {
      throw SiteError.invalidProp(this, 'logs', props.logs.namespace, `be a claim in the collector's namespace "${this.namespace}"`);
    }
    if (props.logs.accessMode !== 'ReadWriteMany') {
      throw SiteError.invalidProp(this, 'logs', props.logs.accessMode, 'be ReadWriteMany: the collector on every node writes to it');
    }
    const forward = props.forward
      ? { address: requireIpv4Address(this, 'forward.address', props.forward.address).text, port: requirePort(this, 'forward.port', props.forward.port ?? 514) }
      : undefined;
    if (props.servers.length === 0) {
      throw SiteError.invalidProp(this, 'servers', [], 'list at least one server whose logs are kept');
    }
    props.servers.forEach((server) => this.addServer(server));
    this.selectorLabels = { 'app.kubernetes.io/name': this.name, 'app.kubernetes.io/component': 'log-collector' };
    const labels = { ...this.selectorLabels, ...MANAGED_BY };
    this.configMap = new k8s.KubeConfigMap(this, 'Config', {
      metadata: { name: this.name, labels },
      data: {
        // rendered at synth: servers added after the construct are in it
        'rsyslog.conf': Lazy.any({ produce: () => rsyslogConfig(this.servers, forward) }) as unknown as string,
        'servers.json': Lazy.any({ produce: () => serverTable(this.servers) }) as unknown as string,
        'vserver.mtail': MTAIL_PROGRAM,
      },
    });
    const uid0 = (capabilities: string[]): k8s.SecurityContext => ({
      runAsUser: 0,
      runAsNonRoot: false,
      privileged: false,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'], ...(capabilities.length ? { add: capabilities } : {}) },
    });
    const nodeName: k8s.EnvVar = { name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } };
    const config = { name: 'config', mountPath: CONFIG_DIR, readOnly: true };
    const run = { name: 'run', mountPath: '/run/log-collector' };
    const logsMount = { ...props.logs.mountAt(LOGS_DIR), name: 'logs' };
    this.daemonSet = new k8s.KubeDaemonSet(this, 'DaemonSet', {
      metadata: { name: this.name, labels },
      spec: {
        selector: { matchLabels: this.selectorLabels },
        // one node at a time: the others keep collecting
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: k8s.IntOrString.fromNumber(1) } },
        template: {
          metadata: { labels },
          spec: {
            nodeSelector: nodeRole.nodeSelector,
            automountServiceAccountToken: false,
            imagePullSecrets: requireImagePullSecrets(this, 'imagePullSecrets', props.imagePullSecrets),
            securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
            // rsyslog writes its last state and drains its queue on SIGTERM
            terminationGracePeriodSeconds: 30,
            containers: [
              {
                name: 'rsyslog',
                image: image.reference,
                imagePullPolicy: 'IfNotPresent',
                args: ['rsyslog'],
                env: [nodeName],
                securityContext: uid0(['DAC_READ_SEARCH']),
                resources: containerResources('20m', '32Mi', '500m', '128Mi'),
                volumeMounts: [
                  config, run,
                  { name: 'pod-logs', mountPath: '/var/log/pods', readOnly: true },
                  { name: 'state', mountPath: '/var/lib/rsyslog' },
                  logsMount,
                ],
              },
              {
                name: 'mtail',
                image: image.reference,
                imagePullPolicy: 'IfNotPresent',
                args: ['mtail', '--port', String(LOG_COLLECTOR_METRICS_PORT)],
                ports: [{ containerPort: LOG_COLLECTOR_METRICS_PORT, name: 'metrics' }],
                securityContext: {
                  runAsUser: 65534,
                  runAsGroup: 65534,
                  runAsNonRoot: true,
                  privileged: false,
                  readOnlyRootFilesystem: true,
                  allowPrivilegeEscalation: false,
                  capabilities: { drop: ['ALL'] },
                },
                resources: containerResources('10m', '32Mi', '200m', '128Mi'),
                readinessProbe: { httpGet: { path: '/metrics', port: k8s.IntOrString.fromNumber(LOG_COLLECTOR_METRICS_PORT) }, periodSeconds: 5 },
                volumeMounts: [config, run],
              },
              {
                name: 'keeper',
                image: image.reference,
                imagePullPolicy: 'IfNotPresent',
                args: ['keeper'],
                env: [nodeName, { name: 'RETENTION_DAYS', value: String(retentionDays) }],
                securityContext: uid0([]),
                resources: containerResources('5m', '16Mi', '200m', '64Mi'),
                volumeMounts: [logsMount],
              },
            ],
            volumes: [
              { name: 'config', configMap: { name: this.name } },
              { name: 'run', emptyDir: { sizeLimit: k8s.Quantity.fromString('16Mi') } },
              { name: 'pod-logs', hostPath: { path: '/var/log/pods', type: 'Directory' } },
              { name: 'state', hostPath: { path: stateDir, type: 'DirectoryOrCreate' } },
              { ...props.logs.podVolume, name: 'logs' },
            ],
          },
        },
      },
    });
    // In: Prometheus to the metrics port. Out: the syslog server when there is one; nothing else (the NAS is mounted
    // by the node, not reached by the pod).
    this.networkPolicy = new k8s.KubeNetworkPolicy(this, 'NetworkPolicy', {
      metadata: { name: this.name, labels },
      spec: {
        podSelector: { matchLabels: this.selectorLabels },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [{ ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(LOG_COLLECTOR_METRICS_PORT) }] }],
        ...(forward ? { egress: [{ to: [{ ipBlock: { cidr: `${forward.address}/32` } }], ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(forward.port) }] }] } : {}),
      },
    });
  }

  /** Keeps one more server's logs (`HostingSite.addServer`): the collector's configuration, rendered at synth, has it. */
  public addServer(server: CollectedServer): void {
    const i = this.servers.length;
    requireDnsLabel(this, `servers[${i}].name`, server.name);
    requireDnsLabel(this, `servers[${i}].namespace`, server.namespace);
    if (this.servers.some((s) => s.name === server.name)) {
      throw SiteError.invalidProp(this, `servers[${i}].name`, server.name, 'be listed once: each server has one folder of logs, named after it');
    }
    this.servers.push(server);
  }
}

/** The regular expression a pod name of `server`'s Deployment matches: `<server>-<replica set hash>-<pod hash>`. */
export function serverPodPattern(server: string): string {
  return `^${server}-${POD_HASH}{1,10}-${POD_HASH}{5}$`;
}

/**
 * The Deployment a pod's name comes from: all but its last two parts, the replica set's hash and the pod's (made of
 * Kubernetes' "safe" alphabet, without `-`), so `myweb-twin-5d8f7c9b6-x2kqz` is `myweb-twin`'s, never `myweb`'s.
 */
const POD_DEPLOYMENT = `^(.+)-${POD_HASH}{1,10}-${POD_HASH}{5}$`;

/** rsyslog's lookup table of the servers, `<namespace>/<Deployment>` -> server: one look-up per line, however many servers. */
export function serverTable(servers: CollectedServer[]): string {
  const table = servers.map((s) => ({ index: `${s.namespace}/${s.name}`, value: s.name }))
    .sort((a, b) => (a.index < b.index ? -1 : a.index > b.index ? 1 : 0));
  return `${JSON.stringify({ version: 1, nomatch: '', type: 'string', table }, undefined, 2)}\n`;
}

/**
 * rsyslog's configuration: each server's pods' logs (the container runtime's "CRI" format, `<time> <stream> <P|F>
 * <text>`) to that server's daily files of this node, and the same lines, prefixed with the server and kind, to
 * mtail's pipe.
 */
export function rsyslogConfig(servers: CollectedServer[], forward?: { address: string; port: number }): string {
  const namespaces = [...new Set(servers.map((s) => s.namespace))].sort();
  const piece = (n: number) => `re_extract(field($msg, 10, ${n}), '^[^ ]+ (stdout|stderr) [PF] (.*)$', 0, 2, "")`;
  const joins = Array.from({ length: MAX_LINE_PIECES - 1 }, (_, i) => i + 2).map((n) =>
    `  if field($msg, 10, ${n}) != "***FIELD NOT FOUND***" then { set $!line = $!line & ${piece(n)}; }`);
  return [
    '# Written by the LogCollector construct of @cdk8s-vserver/monitoring.',
    '# Where each input stopped is kept in /var/lib/rsyslog (a folder of the node), so a restart resumes there.',
    'global(workDirectory="/var/lib/rsyslog" maxMessageSize="256k")',
    '# the inputs run the actions themselves: a line read is a line written before imfile notes it as read',
    'main_queue(queue.type="Direct")',
    'module(load="imfile" mode="inotify")',
    `lookup_table(name="servers" file="${CONFIG_DIR}/servers.json")`,
    ...namespaces.flatMap((ns) => ['httpd', 'sshd'].map((container) =>
      `input(type="imfile" file="/var/log/pods/${ns}_*_*/${container}/*.log" tag="${container}" ruleset="pods" addMetadata="on" `
      + 'escapeLF="off" endmsg.regex="^[^ ]+ (stdout|stderr) F " persistStateAfterSubmission="on" reopenOnTruncate="on" freshStartTail="off")')),
    '',
    'template(name="daily" type="string" string="/logs/%$!server%/%$!kind%-%$year%-%$month%-%$day%.%$!node%.log")',
    'template(name="line" type="string" string="%$!line%\\n")',
    'template(name="stream" type="string" string="%$!server% %$!kind% %$!line%\\n")',
    ...(forward ? ['# RFC 5424: <PRI>1 TIMESTAMP HOSTNAME(node) APP-NAME(server) PROCID MSGID(kind) SD MSG',
      'template(name="rfc5424" type="string" string="<%PRI%>1 %TIMESTAMP:::date-rfc3339% %$!node% %$!server% - %$!kind% - %$!line%")'] : []),
    '',
    'ruleset(name="pods") {',
    '  # /var/log/pods/<namespace>_<pod>_<uid>/<container>/<n>.log',
    `  set $!ns = re_extract($!metadata!filename, '${POD_LOG_PATH}', 0, 1, "");`,
    `  set $!pod = re_extract($!metadata!filename, '${POD_LOG_PATH}', 0, 2, "");`,
    '  # a line belongs to a server only when its pod is one of that server\'s Deployment\'s (never another server\'s whose name starts alike)',
    `  set $!server = lookup("servers", $!ns & "/" & re_extract($!pod, '${POD_DEPLOYMENT}', 0, 1, ""));`,
    '  if $!server == "" then { stop }',
    '  # the runtime splits a long line into pieces (P) ended by a last one (F): joined again here',
    `  set $!line = ${piece(1)};`,
    ...joins,
    '  set $!stream = re_extract($msg, \'^[^ ]+ (stdout|stderr) \', 0, 1, "stdout");',
    '  if $syslogtag == "sshd" then { set $!kind = "sshd"; } else if $!stream == "stderr" then { set $!kind = "error"; } else { set $!kind = "access"; }',
    '  set $!node = getenv("NODE_NAME");',
    '  action(type="omfile" dynaFile="daily" template="line" createDirs="on" dirCreateMode="0750" fileCreateMode="0640" dynaFileCacheSize="200" closeTimeout="10")',
    '  # to mtail (a pipe): its own queue, so a stopped mtail never holds up the files; tried again every 2 s',
    '  action(type="ompipe" pipe="' + STREAM + '" template="stream" queue.type="LinkedList" queue.size="20000" action.resumeRetryCount="-1" '
      + 'action.resumeInterval="2")',
    ...(forward ? [
      '  # to the site\'s syslog server: its own queue, kept while the server is away (up to 100000 lines), tried every 10 s',
      `  action(type="omfwd" target="${forward.address}" port="${forward.port}" protocol="tcp" TCP_Framing="octet-counted" template="rfc5424" `
        + 'queue.type="LinkedList" queue.size="100000" action.resumeRetryCount="-1" action.resumeInterval="10")',
    ] : []),
    '}',
    '',
  ].join('\n');
}

/** mtail's program: counters per server from the lines rsyslog passes on (`<server> <kind> <text>`). */
export const MTAIL_PROGRAM = [
  '# Written by the LogCollector construct of @cdk8s-vserver/monitoring. Lines: "<server> <kind> <text>".',
  'counter vserver_http_responses_total by server, code',
  'counter vserver_ssh_logins_total by server, method',
  'counter vserver_ssh_login_failures_total by server',
  '',
  '# httpd\'s access log, Apache\'s "combined" format: host ident user [time] "request" status bytes ...',
  '/^(?P<server>[a-z0-9-]+) access \\S+ \\S+ \\S+ \\[[^\\]]*\\] "(?:[^"\\\\]|\\\\.)*" (?P<code>\\d{3}) / {',
  '  vserver_http_responses_total[$server][$code]++',
  '}',
  '/^(?P<server>[a-z0-9-]+) sshd Accepted (?P<method>[a-z-]+) for / {',
  '  vserver_ssh_logins_total[$server][$method]++',
  '}',
  '/^(?P<server>[a-z0-9-]+) sshd (?:Failed [a-z-]+ for|Invalid user) / {',
  '  vserver_ssh_login_failures_total[$server]++',
  '}',
  '',
].join('\n');
