import {
  AppChecks, isLabelValue, MANAGED_BY, NodeFiles, Pushgateway, requireDnsLabel, requireHost, requireInteger, requirePushgateway, ResolvedPushgateway,
  SiteError,
} from '@cdk8s-vserver/core';
import { Lazy, Yaml } from 'cdk8s';
import { Construct } from 'constructs';
import {
  PodMonitor, PodMonitorSpecPodMetricsEndpointsRelabelings, PodMonitorSpecPodMetricsEndpointsRelabelingsAction, PrometheusRule,
  PrometheusRuleSpec, PrometheusRuleSpecGroupsRulesExpr,
} from './imports/monitoring.coreos.com';

/** The folder of an app's output the plain Prometheus files go in (`dist/<app>/monitoring/`). */
export const MONITORING_FOLDER = 'monitoring';
/** The plain scrape configuration (`scrape_configs:` for a Prometheus without the operator). */
export const SCRAPE_CONFIG_FILE = `${MONITORING_FOLDER}/prometheus-scrape.yml`;
/** The plain rules file (`rule_files:`), the same groups as the PrometheusRule. */
export const RULES_FILE = `${MONITORING_FOLDER}/vserver-rules.yml`;
/** The name of the metrics port on every server's pods (the Apache exporter) and on the log collector's (mtail). */
export const METRICS_PORT_NAME = 'metrics';
/** The port of the Apache exporter beside each server's httpd. */
export const APACHE_EXPORTER_PORT = 9117;

/** A virtual server, as its alerts and scrape targets need it. */
export interface MonitoredServer {
  /** Its name: the `server` label of its metrics and alerts. */
  readonly name: string;
  readonly namespace: string;
  /** Its HTTPS hostnames (probed for the certificate's expiry when `blackboxExporter` is given); none: HTTP only. */
  readonly httpsHostnames: string[];
  /**
   * The labels that select its pods (`WebSshServer.selectorLabels`): those every server shares select the servers'
   * pods for scraping, and the one whose value is the server's name becomes the `server` label of its metrics.
   * @default - web-ssh-server's: `app.kubernetes.io/name: web-ssh-server`, `app.kubernetes.io/instance: <name>`
   */
  readonly podLabels?: Readonly<Record<string, string>> | undefined;
  /**
   * Its nightly backup: the CronJob (whose run succeeds only when its check does: a success is a verified backup),
   * how old the newest successful run may be before the alert (the longest gap between two runs of its schedule, and
   * an hour for the run itself), the labels of its Jobs, for the alert's advice (`ResticBackup.jobLabels`), and its
   * restore drill's CronJob and age.
   */
  readonly backup?: {
    readonly cronJob: string;
    readonly maxAgeSeconds: number;
    /** @default - none: the advice lists the namespace's Jobs */
    readonly jobLabels?: Readonly<Record<string, string>> | undefined;
    /** @default - none: no drill is watched */
    readonly drill?: { readonly cronJob: string; readonly maxAgeSeconds: number } | undefined;
    /**
     * Whether its jobs push each run's result to the site's `pushgateway` (`ResticBackup.pushesResults`): a failed
     * backup, check, prune or drill is then an alert at once.
     * @default false
     */
    readonly pushesResults?: boolean | undefined;
  } | undefined;
}

/** How the servers' pods are found: the labels they share, and the label that names each server. */
interface ServerPods {
  readonly match: Record<string, string>;
  readonly nameLabel: string;
}

/** `podLabels` of a server, or web-ssh-server's. */
function podLabelsOf(server: MonitoredServer): Readonly<Record<string, string>> {
  return server.podLabels ?? { 'app.kubernetes.io/name': 'web-ssh-server', 'app.kubernetes.io/instance': server.name };
}

/**
 * The labels every server's pods carry with one value (what selects them), and the label whose value is each
 * server's name; undefined when the servers share none, or no label names each of them.
 */
function serverPods(servers: readonly MonitoredServer[]): ServerPods | undefined {
  const all = (servers.length ? servers : [{ name: '', namespace: '', httpsHostnames: [] }]).map((s) => ({ name: s.name, labels: podLabelsOf(s) }));
  const nameLabel = Object.keys(all[0].labels).find((key) => all.every((s) => s.labels[key] === s.name));
  const shared = Object.entries(all[0].labels).filter(([key, value]) => key !== nameLabel && all.every((s) => s.labels[key] === value));
  const match = Object.fromEntries(shared);
  return nameLabel === undefined || Object.keys(match).length === 0 ? undefined : { match, nameLabel };
}

/** A pod label as Prometheus's Kubernetes discovery names it (`app.kubernetes.io/name` -> `__meta_kubernetes_pod_label_app_kubernetes_io_name`). */
function podLabelMeta(label: string): string {
  return `__meta_kubernetes_pod_label_${label.replace(/[^a-zA-Z0-9_]/g, '_')}`;
}

/** `-l key=value,...`, for the advice of an alert. */
function selectorArg(labels: Readonly<Record<string, string>>): string {
  return `-l ${Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',')}`;
}

/** A DaemonSet that must run on every node it is meant for (`kube_daemonset_status_*` of kube-state-metrics). */
export interface WatchedDaemonSet {
  readonly namespace: string;
  readonly name: string;
  /** What it is, in an alert's words: "the VIP controller", "the log collector". */
  readonly what: string;
  /** The nodes it runs on, in an alert's words: "router", "worker". */
  readonly nodes: string;
}

/** A claim on the NAS whose filling is an alert (kubelet's `kubelet_volume_stats_*`). */
export interface WatchedClaim {
  readonly namespace: string;
  readonly name: string;
  /** What it holds, in an alert's words: "the logs", "myweb's backups". */
  readonly what: string;
}

/** Props of `SiteMonitoring`. */
export interface SiteMonitoringProps {
  /** The site's (app's) name: the rule groups are `vserver-<site>-...`. */
  readonly site: string;
  readonly servers: MonitoredServer[];
  /** The log collector (its metrics are the HTTP status and SSH login counters). @default - none: no 5xx alert */
  readonly collector?: WatchedDaemonSet | undefined;
  /** The VIP controller's DaemonSet, when the backend has one. @default - none */
  readonly vipController?: WatchedDaemonSet | undefined;
  /** Claims of the NAS to watch (logs, backups). @default - none */
  readonly claims?: WatchedClaim[] | undefined;
  /**
   * A Prometheus blackbox exporter (`host:port`) that probes each HTTPS hostname, for the certificates' expiry.
   * @default - none: no probe job and no certificate alert
   */
  readonly blackboxExporter?: string | undefined;
  /**
   * The Pushgateway the backups push each run's result to (`ResticBackup`'s `pushgateway`). The plain scrape
   * configuration then scrapes it (`honor_labels`, the site's namespaces only); with the operator, the Pushgateway's
   * own ServiceMonitor does (the prometheus-pushgateway chart's, with `honorLabels: true`).
   * @default - none
   */
  readonly pushgateway?: Pushgateway | undefined;
  /** Emit the Prometheus Operator's PodMonitors and PrometheusRule (the operator's CRDs must be installed). @default false */
  readonly prometheusOperator?: boolean | undefined;
  /**
   * Labels on the PodMonitors and the PrometheusRule, those the operator's Prometheus selects them by
   * (kube-prometheus-stack: `{ release: '<its Helm release>' }`). @default - none
   */
  readonly operatorLabels?: Record<string, string> | undefined;
  /** Share of 5xx responses over 5 minutes above which a server's errors are an alert, in percent. @default 5 */
  readonly errorPercent?: number | undefined;
  /** How long a server has no ready pod answering before the alert fires, in seconds. @default 60 */
  readonly serverDownSeconds?: number | undefined;
}

/** One alerting rule, as Prometheus's rules files and the PrometheusRule have it. */
export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly labels: Record<string, string>;
  readonly annotations: { readonly summary: string; readonly description: string };
}

/** One group of rules. */
export interface RuleGroup {
  readonly name: string;
  readonly rules: AlertRule[];
}

/**
 * What a Prometheus needs to watch a hosting site: scrape targets (each server's Apache exporter, the log
 * collector's counters, and the HTTPS certificates through a blackbox exporter) and alert rules, in the two forms
 * clusters have them. Without the operator: `dist/<app>/monitoring/prometheus-scrape.yml` (its `scrape_configs`,
 * Kubernetes service discovery of pods) and `vserver-rules.yml` (for `rule_files`). With it
 * (`prometheusOperator`): PodMonitors and a PrometheusRule with the same targets and groups.
 *
 * Alerts: a server with no ready pod answering HTTP (from Prometheus's own scrapes), a server answering 5xx above
 * `errorPercent` (the collector's counts), a certificate expiring within 14 days (the blackbox probe), a backup
 * older than its schedule allows, the VIP controller or the log collector not running on every node it should, and
 * a NAS claim over 90 % full. The last three read kube-state-metrics (`kube_cronjob_*`, `kube_daemonset_*`) and
 * kubelet's volume statistics, which a cluster's Prometheus usually scrapes already.
 */
export class SiteMonitoring extends Construct {
  public readonly podMonitors: PodMonitor[] = [];
  public readonly prometheusRule?: PrometheusRule;
  private readonly props: SiteMonitoringProps;
  private readonly servers: MonitoredServer[];
  private readonly site: string;
  private readonly errorRatio: number;
  private readonly downSeconds: number;
  /** The Pushgateway the backups push to, checked. */
  private readonly pushgateway?: ResolvedPushgateway;

  constructor(scope: Construct, id: string, props: SiteMonitoringProps) {
    super(scope, id);
    AppChecks.of(this).trust(this);
    const site = requireDnsLabel(this, 'site', props.site);
    const errorPercent = props.errorPercent ?? 5;
    if (!(errorPercent > 0 && errorPercent < 100)) {
      throw SiteError.invalidProp(this, 'errorPercent', errorPercent, 'be a share of responses in percent, above 0 and below 100, such as 5');
    }
    const downSeconds = requireInteger(this, 'serverDownSeconds', props.serverDownSeconds ?? 60, 15, 86400);
    // host:port first (a URL is the likely mistake), then the host
    if (props.blackboxExporter !== undefined && !/^[^\s:/]+:\d{1,5}$/.test(props.blackboxExporter)) {
      throw SiteError.invalidProp(this, 'blackboxExporter', props.blackboxExporter, 'be host:port, such as "blackbox.monitoring.svc:9115"');
    }
    if (props.blackboxExporter !== undefined) requireHost(this, 'blackboxExporter', props.blackboxExporter.replace(/:\d+$/, ''));
    for (const [key, value] of Object.entries(props.operatorLabels ?? {})) {
      if (!isLabelValue(value) || !/^([a-z0-9.-]+\/)?[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/.test(key)) {
        throw SiteError.invalidProp(this, `operatorLabels.${key}`, value, 'be a Kubernetes label (name and value of at most 63 letters, digits, ".", "_" or "-")');
      }
    }
    this.pushgateway = props.pushgateway === undefined ? undefined : requirePushgateway(this, 'pushgateway', props.pushgateway);
    if (props.operatorLabels && !props.prometheusOperator) {
      throw SiteError.invalidProp(this, 'operatorLabels', props.operatorLabels, 'be left out without prometheusOperator: true (they label the operator\'s objects)');
    }
    this.props = props;
    this.site = site;
    this.servers = [];
    this.errorRatio = errorPercent / 100;
    this.downSeconds = downSeconds;
    props.servers.forEach((server) => this.addServer(server));
    const namespaces = () => [...new Set(this.servers.map((s) => s.namespace))].sort();
    NodeFiles.of(this).add(this, () => [
      {
        path: SCRAPE_CONFIG_FILE,
        content: `# Scrape targets of the hosting site "${site}", for a Prometheus without the operator: add these to the\n`
          + '# scrape_configs of its prometheus.yml (Kubernetes service discovery of pods: Prometheus runs in the cluster,\n'
          + '# or names the API server and its credentials in each kubernetes_sd_configs).\n'
          + Yaml.stringify({ scrape_configs: this.scrapeConfigs }),
      },
      {
        path: RULES_FILE,
        content: `# Alert rules of the hosting site "${site}": list this file in the rule_files of prometheus.yml\n`
          + '# (promtool check rules checks it; the same groups are in the PrometheusRule when the operator is used).\n'
          + Yaml.stringify({ groups: this.groups }),
      },
    ]);
    if (props.prometheusOperator) {
      const labels = { ...props.operatorLabels, ...MANAGED_BY };
      const relabel = (source: string, target: string): PodMonitorSpecPodMetricsEndpointsRelabelings => ({
        sourceLabels: [source], targetLabel: target, action: PodMonitorSpecPodMetricsEndpointsRelabelingsAction.REPLACE,
      });
      this.podMonitors.push(new PodMonitor(this, 'Servers', {
        metadata: { name: `vserver-${site}-servers`, labels },
        spec: {
          selector: { matchLabels: Lazy.any({ produce: () => this.pods().match }) as unknown as Record<string, string> },
          namespaceSelector: { matchNames: Lazy.any({ produce: namespaces }) as unknown as string[] },
          podMetricsEndpoints: [{
            port: METRICS_PORT_NAME,
            relabelings: [
              { ...relabel('', 'server'), sourceLabels: Lazy.any({ produce: () => [podLabelMeta(this.pods().nameLabel)] }) as unknown as string[] },
              relabel('__meta_kubernetes_pod_ready', 'pod_ready'),
              relabel('__meta_kubernetes_pod_node_name', 'node'),
            ],
          }],
        },
      }));
      if (props.collector) {
        this.podMonitors.push(new PodMonitor(this, 'Collector', {
          metadata: { name: `vserver-${site}-log-collector`, labels },
          spec: {
            selector: { matchLabels: { 'app.kubernetes.io/component': 'log-collector' } },
            namespaceSelector: { matchNames: [props.collector.namespace] },
            podMetricsEndpoints: [{ port: METRICS_PORT_NAME, relabelings: [relabel('__meta_kubernetes_pod_node_name', 'node')] }],
          },
        }));
      }
      this.prometheusRule = new PrometheusRule(this, 'Rules', {
        metadata: { name: `vserver-${site}`, labels },
        // rendered at synth: servers added after the construct are in it
        spec: Lazy.any({
          produce: () => ({
            groups: this.groups.map((g) => ({
              name: g.name,
              rules: g.rules.map((r) => ({ ...r, expr: PrometheusRuleSpecGroupsRulesExpr.fromString(r.expr) })),
            })),
          }),
        }) as unknown as PrometheusRuleSpec,
      });
    }
  }

  /** How the servers' pods are found (checked as each server is added). */
  private pods(): ServerPods {
    return serverPods(this.servers)!;
  }

  /** Watches one more server (`HostingSite.addServer`): its targets and alerts are in what the app writes. */
  public addServer(server: MonitoredServer): void {
    requireDnsLabel(this, `servers[${this.servers.length}].name`, server.name);
    if (this.servers.some((s) => s.name === server.name)) {
      throw SiteError.invalidProp(this, `servers[${this.servers.length}].name`, server.name, 'be watched once: it is the `server` label of its metrics and alerts');
    }
    if (!serverPods([...this.servers, server])) {
      throw SiteError.invalidProp(this, `servers[${this.servers.length}].podLabels`, podLabelsOf(server), 'share a label and its value with every other '
        + "server's, and have one label whose value is the server's name, in every server (WebSshServer.selectorLabels do)");
    }
    this.servers.push(server);
  }

  /** The rule groups (the PrometheusRule's and the rules file's). */
  public get groups(): RuleGroup[] {
    return ruleGroups(this.site, { ...this.props, servers: this.servers }, this.errorRatio, this.downSeconds);
  }

  /** The plain scrape configurations. */
  public get scrapeConfigs(): Record<string, unknown>[] {
    return scrapeConfigs(this.site, { ...this.props, servers: this.servers }, this.pushgateway);
  }
}

/** The plain scrape configurations: Kubernetes service discovery of the servers' and the collector's pods, and the probes. */
function scrapeConfigs(site: string, props: SiteMonitoringProps, gateway: ResolvedPushgateway | undefined): Record<string, unknown>[] {
  const relabel = (source: string, target: string) => ({ source_labels: [source], target_label: target });
  const podJob = (job: string, namespaces: string[], keep: { label: string; value: string }, extra: Record<string, unknown>[]) => ({
    job_name: job,
    kubernetes_sd_configs: [{ role: 'pod', namespaces: { names: namespaces } }],
    relabel_configs: [
      // the pods of this kind, on their port named "metrics" only
      { source_labels: [keep.label, '__meta_kubernetes_pod_container_port_name'], regex: `${keep.value};${METRICS_PORT_NAME}`, action: 'keep' },
      relabel('__meta_kubernetes_namespace', 'namespace'),
      relabel('__meta_kubernetes_pod_name', 'pod'),
      relabel('__meta_kubernetes_pod_node_name', 'node'),
      ...extra,
    ],
  });
  const pods = serverPods(props.servers)!;
  const [kindLabel, kind] = Object.entries(pods.match)[0];
  const configs: Record<string, unknown>[] = [
    podJob(`vserver-${site}-servers`, [...new Set(props.servers.map((s) => s.namespace))].sort(),
      { label: podLabelMeta(kindLabel), value: kind },
      [relabel(podLabelMeta(pods.nameLabel), 'server'), relabel('__meta_kubernetes_pod_ready', 'pod_ready')]),
  ];
  if (props.collector) {
    configs.push(podJob(`vserver-${site}-log-collector`, [props.collector.namespace],
      { label: '__meta_kubernetes_pod_label_app_kubernetes_io_component', value: 'log-collector' }, []));
  }
  if (gateway && !props.prometheusOperator && props.servers.some((s) => s.backup?.pushesResults)) {
    configs.push({
      job_name: `vserver-${site}-backups`,
      // the jobs' own labels (job, namespace, server, task) kept, not the target's
      honor_labels: true,
      scheme: gateway.scheme,
      static_configs: [{ targets: [gateway.target] }],
      // a Pushgateway several sites share: this site's results only
      metric_relabel_configs: [{ source_labels: ['job', 'namespace'], regex: `vserver-backup;(${[...new Set(props.servers.map((s) => s.namespace))].sort().join('|')})`, action: 'keep' }],
    });
  }
  const probed = props.servers.filter((s) => s.httpsHostnames.length > 0);
  if (props.blackboxExporter && probed.length) {
    configs.push({
      job_name: `vserver-${site}-certificates`,
      metrics_path: '/probe',
      params: { module: ['http_2xx'] },
      static_configs: probed.map((s) => ({ targets: s.httpsHostnames.map((h) => `https://${h}/healthz`), labels: { server: s.name } })),
      relabel_configs: [
        { source_labels: ['__address__'], target_label: '__param_target' },
        { source_labels: ['__param_target'], target_label: 'instance' },
        { target_label: '__address__', replacement: props.blackboxExporter },
      ],
    });
  }
  return configs;
}

/** The alert rules, in groups: servers, then the site's parts. */
function ruleGroups(site: string, props: SiteMonitoringProps, errorRatio: number, downSeconds: number): RuleGroup[] {
  const servers: AlertRule[] = [];
  const pods = serverPods(props.servers)!;
  for (const s of props.servers) {
    servers.push({
      alert: 'VirtualServerDown',
      expr: `absent(apache_up{namespace="${s.namespace}",server="${s.name}",pod_ready="true"} == 1)`,
      for: `${downSeconds}s`,
      labels: { severity: 'critical', namespace: s.namespace, server: s.name },
      annotations: {
        summary: `${s.name} has no ready pod answering HTTP: its site is down`,
        description: `No pod of ${s.name} (namespace ${s.namespace}) is ready with httpd answering. Look at `
          + `\`kubectl get pods -n ${s.namespace} ${selectorArg({ [pods.nameLabel]: s.name })}\` and \`kubectl describe deployment ${s.name} -n ${s.namespace}\`.`,
      },
    });
  }
  if (props.collector) {
    const ratio = 'sum by (server) (rate(vserver_http_responses_total{code=~"5.."}[5m])) / sum by (server) (rate(vserver_http_responses_total[5m]))';
    servers.push({
      alert: 'VirtualServerErrors',
      expr: `${ratio} > ${errorRatio}`,
      for: '5m',
      labels: { severity: 'warning' },
      annotations: {
        summary: `{{ $labels.server }} answers {{ $value | humanizePercentage }} of its requests with 5xx (over ${+(errorRatio * 100).toFixed(2)} % for 5 minutes)`,
        description: 'Read its error log on the NAS (`<logs>/{{ $labels.server }}/error-<today>.*.log`) and `kubectl logs -c httpd` of its pods.',
      },
    });
  }
  if (props.blackboxExporter && props.servers.some((s) => s.httpsHostnames.length)) {
    servers.push({
      alert: 'VirtualServerCertificateExpiresSoon',
      expr: 'probe_ssl_earliest_cert_expiry{server!=""} - time() < 14 * 86400',
      for: '10m',
      labels: { severity: 'warning' },
      annotations: {
        summary: '{{ $labels.server }}\'s certificate for {{ $labels.instance }} expires in {{ $value | humanizeDuration }}',
        description: 'Renewal failed or never ran: read the renewals in `kubectl logs -c httpd` (ACME), or `kubectl describe certificate` (cert-manager); '
          + 'a Secret given by hand needs a new certificate.',
      },
    });
  }
  for (const s of props.servers) {
    if (!s.backup) continue;
    const runs = s.backup.jobLabels
      ? `\`kubectl get jobs -n ${s.namespace} ${selectorArg(s.backup.jobLabels)}\``
      : `\`kubectl get jobs -n ${s.namespace}\` (those of CronJob ${s.backup.cronJob} are named ${s.backup.cronJob}-<time>)`;
    servers.push({
      alert: 'VirtualServerBackupStale',
      expr: `time() - kube_cronjob_status_last_successful_time{namespace="${s.namespace}",cronjob="${s.backup.cronJob}"} > ${s.backup.maxAgeSeconds}`,
      for: '10m',
      labels: { severity: 'warning', namespace: s.namespace, server: s.name },
      annotations: {
        summary: `${s.name} has no verified backup for {{ $value | humanizeDuration }}, longer than its schedule allows`,
        description: `Look at its last runs: ${runs} and the failed Job's logs (a failed check names the repository's errors).`,
      },
    });
    if (s.backup.pushesResults) {
      servers.push({
        alert: 'VirtualServerBackupFailed',
        expr: `vserver_backup_success{job="vserver-backup",namespace="${s.namespace}",server="${s.name}"} == 0`,
        for: '0s',
        labels: { severity: 'warning', namespace: s.namespace, server: s.name },
        annotations: {
          summary: `${s.name}'s last {{ $labels.task }} failed: its backups are not verified until one succeeds`,
          description: `The run's log says why (a check that found errors, a drill that differs, a dump refused): ${runs}, `
            + 'then `kubectl logs job/<the failed one>`. The next scheduled run puts the alert out when it succeeds.',
        },
      });
    }
    if (!s.backup.drill) continue;
    servers.push({
      alert: 'VirtualServerRestoreDrillStale',
      expr: `time() - kube_cronjob_status_last_successful_time{namespace="${s.namespace}",cronjob="${s.backup.drill.cronJob}"} > ${s.backup.drill.maxAgeSeconds}`,
      for: '10m',
      labels: { severity: 'warning', namespace: s.namespace, server: s.name },
      annotations: {
        summary: `${s.name}'s last successful restore drill is {{ $value | humanizeDuration }} old, older than its schedule allows`,
        description: `A failed drill found a snapshot that does not restore as it was saved: ${runs} and the failed Job's logs.`,
      },
    });
  }
  const parts: AlertRule[] = [];
  for (const ds of [props.vipController, props.collector]) {
    if (!ds) continue;
    const sel = `{namespace="${ds.namespace}",daemonset="${ds.name}"}`;
    parts.push({
      alert: ds === props.collector ? 'LogCollectorNotRunning' : 'VipControllerNotRunning',
      expr: `kube_daemonset_status_number_ready${sel} < kube_daemonset_status_desired_number_scheduled${sel}`,
      for: '5m',
      labels: { severity: ds === props.collector ? 'warning' : 'critical', namespace: ds.namespace, daemonset: ds.name },
      annotations: {
        summary: `${ds.what} (${ds.namespace}/${ds.name}) is not running on every ${ds.nodes}: {{ $value }} ready`,
        description: `Find the node without it in \`kubectl get daemonset ${ds.name} -n ${ds.namespace}\` and \`kubectl get pods -n ${ds.namespace} -o wide\`, `
          + 'then `kubectl describe pod` of the one not ready.',
      },
    });
  }
  for (const c of props.claims ?? []) {
    const sel = `{namespace="${c.namespace}",persistentvolumeclaim="${c.name}"}`;
    parts.push({
      alert: 'NasFolderFilling',
      expr: `kubelet_volume_stats_available_bytes${sel} / kubelet_volume_stats_capacity_bytes${sel} < 0.1`,
      for: '15m',
      labels: { severity: 'warning', namespace: c.namespace, persistentvolumeclaim: c.name },
      annotations: {
        summary: `The NAS folder of ${c.what} (claim ${c.namespace}/${c.name}) is {{ $value | humanizePercentage }} free`,
        description: 'Free space on the NAS or grow the export; for logs, lower the retention (facts.logs.retentionDays).',
      },
    });
  }
  return [
    { name: `vserver-${site}-servers`, rules: servers },
    ...(parts.length ? [{ name: `vserver-${site}-site`, rules: parts }] : []),
  ];
}
