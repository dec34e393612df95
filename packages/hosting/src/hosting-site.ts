import { ControlPlane } from '@cdk8s-vserver/control-plane';
import {
  clusterScoped, FieldPath, ImageReference, k8s, KUBERNETES_NAMESPACES, namespaceOf, OperatorContract, ownershipLabels, POD_SECURITY_ENFORCE,
  requireDnsLabel, SiteError, Warnings,
} from '@cdk8s-vserver/core';
import { Headlamp, KubernetesDashboard } from '@cdk8s-vserver/dashboard';
import { LogCollector, MonitoredServer, SiteMonitoring, WatchedDaemonSet } from '@cdk8s-vserver/monitoring';
import { DatabaseBinding, ISiteDatabase, MariaDbOperatorDatabase, NfsFolder, ResticBackup, SiteDatabase } from '@cdk8s-vserver/storage';
import { GATEWAY_ENTRY_PORTS, GatewayEntry, IVipController, SharedEntry, VipBackend, VipEntry } from '@cdk8s-vserver/vip';
import { APP_NAME, HTTP_SERVICE_PORT, HTTPS_SERVICE_PORT, PROXY_HTTP_PORT, PROXY_HTTPS_PORT, ServerEntryBinding, ServerNamespace, WebSshServer } from '@cdk8s-vserver/web-ssh-server';
import { App, Chart, Size } from 'cdk8s';
import { Construct } from 'constructs';
import {
  acmeStorePath, checkDeclaration, databaseEngine, databaseName, databaseNamespace, entryNamespace, HostingSiteProps, logsNamespace,
  serverCertificate, serverEntry, serverProp, SiteFacts, Tenancy, VirtualServerSpec,
} from './declaration';

/**
 * A hosting site from one declaration: the cluster's facts and a list of virtual servers. It adds the app's charts,
 * in apply order (one file each): `namespace` (when the servers' namespace is not one Kubernetes has), the VIP
 * backend's (`keepalived`, `metallb` or `kube-vip`), `docroot` (per server, its NFS PersistentVolume and claim),
 * `web` (per server, its Deployment, Service, PodDisruptionBudget and VIP entry), `logs` (with `facts.logs`: the log
 * collector and its NAS folder, in its own namespace, made in `namespace`), `monitoring` (with the Prometheus
 * Operator: PodMonitors and a PrometheusRule) and, when the facts name them, `dashboard` and `headlamp`. With
 * `Tenancy.NAMESPACE_PER_SERVER`, `namespace` holds every server's Namespace,
 * quota, limits and default-deny policy, and each server's objects are in a chart of its own, `server-<name>`,
 * in place of `docroot` and `web`. Every chart carries the app's ownership labels. Adding a server is one entry in
 * `servers` (or one `addServer()` call).
 *
 * The charts are the app's own top-level charts (cdk8s names each file after its chart), wherever the site is placed.
 */
export class HostingSite extends Construct {
  /** The chart of the servers' Namespace, when the site creates it (any namespace Kubernetes does not have). */
  public readonly namespaceChart?: Chart;
  /** The charts, in apply order. The VIP backend's chart is named after it: `keepalived`, `metallb` or `kube-vip`. */
  public readonly vipChart: Chart;
  /** The servers' docroots and their objects, with `Tenancy.SHARED_NAMESPACE`. */
  public readonly docrootChart?: Chart;
  public readonly webChart?: Chart;
  public readonly dashboardChart?: Chart;
  public readonly headlampChart?: Chart;
  /** The controller that holds every VIP of the site (the backend `facts.vipBackend` chose). */
  public readonly vipController: IVipController;
  /** The Dashboard, when the facts name one, and its Service on its VIP. */
  public readonly dashboard?: KubernetesDashboard;
  public readonly dashboardVip?: VipEntry;
  /** Headlamp, when the facts name it, and its Service on its VIP. */
  public readonly headlamp?: Headlamp;
  public readonly headlampVip?: VipEntry;
  /** The redundant control plane, when the facts declare one: its files go to `control-plane/` of the app's output. */
  public readonly controlPlane?: ControlPlane;
  /** The NetworkPolicy that denies everything in the servers' Namespace but what each server's own allows, when the site creates it. */
  public readonly defaultDeny?: k8s.KubeNetworkPolicy;
  /** The servers' Namespace, when the site creates it (any namespace Kubernetes does not have). */
  public readonly namespace?: k8s.KubeNamespace;
  /** The chart of the site's database, when the facts declare one. */
  public readonly databaseChart?: Chart;
  /** The site's database, when the facts declare one. */
  public readonly database?: ISiteDatabase;
  /** The chart of the shared entry, when the facts declare one. */
  public readonly entryChart?: Chart;
  /** The shared entry, when the facts declare the built-in one. */
  public readonly entry?: SharedEntry;
  /** The shared entry, when the facts declare a Gateway (`facts.entry.gatewayClassName`). */
  public readonly gatewayEntry?: GatewayEntry;
  /** The shared entry's VIP, when the facts declare one. */
  public readonly entryVip?: VipEntry;
  /** The chart of the log collector, its namespace's NAS folder and claim, when the facts ask for logs. */
  public readonly logsChart?: Chart;
  /** The log collector, when the facts ask for logs. */
  public readonly logCollector?: LogCollector;
  /** Scrape targets and alert rules, when the facts ask for monitoring. */
  public readonly monitoring?: SiteMonitoring;

  private readonly props: HostingSiteProps;
  private readonly facts: SiteFacts;
  private readonly serversNamespace: string;
  private readonly tenancy: Tenancy;
  private readonly chartOf: (chartId: string, chartNamespace?: string) => Chart;
  private readonly exportRoot: string;
  private readonly backupRoot?: string;
  private readonly serverMap = new Map<string, WebSshServer>();
  /** Servers added with addServer(), after the declaration's. */
  private readonly added: VirtualServerSpec[] = [];
  private readonly docrootMap = new Map<string, NfsFolder>();
  private readonly backupMap = new Map<string, ResticBackup>();

  /**
   * @param scope the App, or any construct in it (a Chart, as cdk8s's app template makes one): the site's charts are
   * always the App's own, since cdk8s writes one file per top-level chart
   */
  constructor(scope: Construct, id: string, props: HostingSiteProps) {
    super(scope, id);
    const app = scope.node.root as App;
    const name = requireDnsLabel(this, 'name', props.name);
    checkDeclaration(this, props);
    this.props = props;
    const facts = this.facts = props.facts;
    this.exportRoot = facts.nas.exportRoot;
    this.backupRoot = facts.backup?.exportRoot;
    this.tenancy = facts.tenancy ?? Tenancy.SHARED_NAMESPACE;
    this.serversNamespace = facts.namespace ?? 'default';
    const backend = facts.vipBackend ?? VipBackend.keepalivedVip();

    const chart = (chartId: string, chartNamespace?: string) =>
      new Chart(app, chartId, { namespace: chartNamespace, labels: ownershipLabels(name), disableResourceNameHashes: true });
    this.chartOf = chart;
    const perServer = this.tenancy === Tenancy.NAMESPACE_PER_SERVER;
    if (perServer || !KUBERNETES_NAMESPACES.includes(this.serversNamespace) || facts.logs || facts.database || facts.entry) this.namespaceChart = chart('namespace');
    if (!perServer && !KUBERNETES_NAMESPACES.includes(this.serversNamespace)) {
      FieldPath.of(this, 'facts.namespace').declare(this.namespaceChart!, 'Servers');
      const made = new ServerNamespace(this.namespaceChart!, 'Servers', { name: this.serversNamespace });
      this.namespace = made.namespace;
      this.defaultDeny = made.defaultDeny;
    }
    // the VIP controller's errors name the facts it was given
    FieldPath.of(this, 'facts.vipBackend').declare(app, backend.chartName, {
      lanSubnet: 'facts.lanSubnet', registry: 'facts.registry', imagePullSecrets: 'facts.imagePullSecrets',
    });
    this.vipChart = chart(backend.chartName, backend.namespace);
    if (this.namespaceChart) this.vipChart.addDependency(this.namespaceChart);
    if (!perServer) {
      this.docrootChart = chart('docroot', this.serversNamespace);
      this.webChart = chart('web', this.serversNamespace);
      if (this.namespaceChart) this.docrootChart.addDependency(this.namespaceChart);
      this.webChart.addDependency(this.vipChart, this.docrootChart);
    }
    this.vipController = backend.bind(this.vipChart, {
      lanSubnet: facts.lanSubnet, registry: facts.registry, imagePullSecrets: facts.imagePullSecrets,
    });
    if (facts.entry) {
      const built = this.buildEntry(name, facts);
      this.entryChart = built.chart;
      if (built.entry instanceof GatewayEntry) this.gatewayEntry = built.entry; else this.entry = built.entry;
      this.entryVip = built.vip;
    }
    if (facts.database) {
      const built = this.buildDatabase(name, facts);
      this.databaseChart = built.chart;
      this.database = built.database;
      // the database (and its customers' Jobs) before the servers that connect to it
      this.docrootChart?.addDependency(built.chart);
    }

    props.servers.forEach((spec, i) => this.buildServer(spec, FieldPath.of(this).child('servers').index(i)));

    if (facts.controlPlane) this.controlPlane = this.buildControlPlane(name, facts);
    if (facts.logs) {
      const built = this.buildLogs(facts);
      this.logsChart = built.chart;
      this.logCollector = built.collector;
    }
    if (facts.monitoring) this.monitoring = this.buildMonitoring(name, facts);

    if (facts.dashboard) {
      this.dashboardChart = chart('dashboard');
      this.dashboardChart.addDependency(this.vipChart);
      this.dashboard = new KubernetesDashboard(this.dashboardChart, 'Dashboard', {
        image: facts.dashboard.image,
        metricsScraperImage: facts.dashboard.metricsScraperImage,
        // a mirrored image is in the site's registry: its credentials go with it
        imagePullSecrets: facts.dashboard.image ? facts.imagePullSecrets : undefined,
      });
      this.dashboardVip = this.vipController.expose(this.dashboard.service, facts.dashboard.address);
    }
    if (facts.headlamp) {
      this.headlampChart = chart('headlamp');
      this.headlampChart.addDependency(this.vipChart);
      this.headlamp = new Headlamp(this.headlampChart, 'Headlamp', {
        image: facts.headlamp.image,
        viewerAccount: facts.headlamp.viewerAccount,
        imagePullSecrets: facts.headlamp.image ? facts.imagePullSecrets : undefined,
      });
      this.headlampVip = this.vipController.expose(this.headlamp.service, facts.headlamp.address);
    }
  }

  /** Each server by name. */
  public get servers(): ReadonlyMap<string, WebSshServer> {
    return this.serverMap;
  }

  /** Each server's docroot, by server name. */
  public get docroots(): ReadonlyMap<string, NfsFolder> {
    return this.docrootMap;
  }

  /** Each server's backup, by server name, when the facts ask for backups. */
  public get backups(): ReadonlyMap<string, ResticBackup> {
    return this.backupMap;
  }

  /**
   * Adds one virtual server, as one entry of `servers` would: its docroot (and backup target) in `docroot`, its
   * Deployment, Service, disruption budget (and backup) in `web`, and its Service on its address.
   */
  public addServer(spec: VirtualServerSpec): WebSshServer {
    // checked with every server declared before it, as one more entry of `servers` would be
    checkDeclaration(this, { ...this.props, servers: [...this.props.servers, ...this.added, spec] });
    this.added.push(spec);
    return this.buildServer(spec, FieldPath.of(this).child('servers').index(this.props.servers.length + this.added.length - 1));
  }

  /**
   * A namespace the site creates for servers: Pod Security "restricted" enforced (Kubernetes 1.23+ refuses any other
   * pod; warnings and audit too), and a NetworkPolicy that denies everything in and out but what a policy of the
   * server's own allows (each server's, each backup's).
   */
  /**
   * The control plane's files, from the facts (errors name `facts.controlPlane.*`). Its keepalived and a
   * kube-keepalived-vip backend speak VRRP on the same LAN: one virtual router id each.
   */
  private buildControlPlane(name: string, facts: SiteFacts): ControlPlane {
    const cp = facts.controlPlane!;
    FieldPath.of(this, 'facts.controlPlane').declare(this, 'ControlPlane');
    const controlPlane = new ControlPlane(this, 'ControlPlane', {
      ...cp,
      lanSubnet: facts.lanSubnet,
      clusterName: name,
      registry: facts.registry,
    });
    const apiVrid = controlPlane.apiVipHolder.virtualRouterId;
    const serviceVrid = this.vipController.vrrpId;
    if (apiVrid !== undefined && apiVrid === serviceVrid) {
      throw SiteError.invalidProp(this, 'facts.controlPlane.apiVipHolder virtualRouterId', apiVrid, `differ from the vrid ${serviceVrid} of `
        + 'facts.vipBackend: both keepalived groups speak VRRP on the LAN, and one id makes them one group that hands VIPs to the wrong nodes. '
        + 'Leave it out (51) or pick another id');
    }
    return controlPlane;
  }

  /**
   * The log collector in a namespace of its own (Pod Security "privileged": it reads the nodes' pod logs), with the
   * NAS folder of the logs as its claim.
   */
  private buildDatabase(siteName: string, facts: SiteFacts): { chart: Chart; database: ISiteDatabase } {
    const db = facts.database!;
    const namespace = databaseNamespace(siteName, db);
    FieldPath.of(this, 'facts.database.namespace').declare(this.namespaceChart!, 'Database');
    new ServerNamespace(this.namespaceChart!, 'Database', { name: namespace });
    const chart = this.chartOf('database', namespace);
    chart.addDependency(this.namespaceChart!);
    const engine = databaseEngine(db)!;
    if (engine.kind === 'mariadb-operator') {
      FieldPath.of(this, 'facts.database').declare(chart, 'Database', { image: 'facts.database.engine', imagePullSecrets: 'facts.imagePullSecrets' });
      const database = new MariaDbOperatorDatabase(chart, 'Database', {
        name: 'mariadb',
        image: engine.image,
        volume: db.volume,
        resources: db.resources,
        imagePullSecrets: facts.imagePullSecrets,
      });
      return { chart, database };
    }
    FieldPath.of(this, 'facts.database').declare(chart, 'Database', { image: 'facts.database.version', imagePullSecrets: 'facts.imagePullSecrets' });
    const database = new SiteDatabase(chart, 'Database', {
      name: 'mariadb',
      image: ImageReference.of(`${facts.registry}/mariadb:${db.version}`),
      volume: db.volume,
      clusterIp: db.clusterIp,
      resources: db.resources,
      imagePullSecrets: facts.imagePullSecrets,
    });
    return { chart, database };
  }

  private buildLogs(facts: SiteFacts): { chart: Chart; collector: LogCollector } {
    const logs = facts.logs!;
    const namespace = logsNamespace(this.props.name, logs);
    const podSecurity = { [POD_SECURITY_ENFORCE]: 'privileged' };
    clusterScoped(new k8s.KubeNamespace(this.namespaceChart!, 'LogsNamespace', { metadata: { name: namespace, labels: podSecurity } }));
    const chart = this.chartOf('logs', namespace);
    chart.addDependency(this.namespaceChart!);
    FieldPath.of(this, 'facts.logs').declare(chart, 'Logs', {
      host: logs.host !== undefined ? 'facts.logs.host' : 'facts.nas.host', path: 'facts.logs.exportPath', mountOptions: 'facts.nas.mountOptions',
    });
    FieldPath.of(this, 'facts.logs').declare(chart, 'LogCollector', { image: 'facts.logs.version', imagePullSecrets: 'facts.imagePullSecrets' });
    const folder = new NfsFolder(chart, 'Logs', {
      host: logs.host ?? facts.nas.host,
      path: logs.exportPath,
      capacity: logs.capacity ?? Size.gibibytes(10),
      mountOptions: facts.nas.mountOptions,
      // volumes are cluster-wide: named after the site
      volumeName: `${this.props.name}-logs`,
      claimName: 'logs',
    });
    const collector = new LogCollector(chart, 'LogCollector', {
      image: ImageReference.of(`${facts.registry}/log-collector:${logs.version}`),
      logs: folder,
      servers: [...this.serverMap.values()].map((s) => ({ name: s.name, namespace: namespaceOf(s) })),
      retentionDays: logs.retentionDays,
      forward: logs.forward,
      imagePullSecrets: facts.imagePullSecrets,
    });
    return { chart, collector };
  }

  /**
   * Scrape targets and alert rules for the site: the plain files always, and the operator's objects in a chart of
   * their own (`monitoring`) when asked.
   */
  private buildMonitoring(name: string, facts: SiteFacts): SiteMonitoring {
    const monitoring = facts.monitoring!;
    const scope = monitoring.prometheusOperator ? this.chartOf('monitoring', facts.logs ? logsNamespace(name, facts.logs) : this.serversNamespace) : this;
    if (scope instanceof Chart && this.namespaceChart) scope.addDependency(this.namespaceChart);
    const daemonSet = (object: k8s.KubeDaemonSet | undefined, what: string, nodes: string): WatchedDaemonSet | undefined => (object
      ? { namespace: object.metadata.namespace ?? namespaceOf(object), name: object.metadata.name!, what, nodes } : undefined);
    FieldPath.of(this, 'facts.monitoring').declare(scope, 'Monitoring', { site: 'name' });
    return new SiteMonitoring(scope, 'Monitoring', {
      site: name,
      servers: [...this.serverMap.values()].map((s) => this.monitoredServer(s)),
      collector: daemonSet(this.logCollector?.daemonSet, 'the log collector', 'worker'),
      // the backend's own DaemonSet (kube-keepalived-vip, kube-vip), or MetalLB's speakers from upstream's manifest
      vipController: this.vipController.agent,
      claims: [
        ...(facts.logs ? [{ namespace: logsNamespace(name, facts.logs), name: 'logs', what: 'the logs' }] : []),
        ...[...this.backupMap.values()].map((b) => ({ namespace: namespaceOf(b), name: `${b.name}-backup`, what: `${b.name}'s backups` })),
      ],
      blackboxExporter: monitoring.blackboxExporter,
      prometheusOperator: monitoring.prometheusOperator,
      operatorLabels: monitoring.operatorLabels,
      errorPercent: monitoring.errorPercent,
      serverDownSeconds: monitoring.serverDownSeconds,
      pushgateway: monitoring.pushgateway,
    });
  }

  /** A server as Prometheus watches it: its namespace, HTTPS names and backup. */
  private monitoredServer(server: WebSshServer): MonitoredServer {
    const backup = this.backupMap.get(server.name);
    return {
      name: server.name,
      namespace: namespaceOf(server),
      httpsHostnames: server.certificate ? server.hostnames : [],
      podLabels: server.selectorLabels,
      backup: backup
        ? {
          cronJob: backup.backup.metadata.name!,
          maxAgeSeconds: backup.staleAfterSeconds,
          jobLabels: backup.jobLabels,
          drill: { cronJob: backup.drill.metadata.name!, maxAgeSeconds: backup.drillStaleAfterSeconds },
          pushesResults: backup.pushesResults,
        }
        : undefined,
    };
  }

  /**
   * The charts one server's objects go in: the site's shared ones or, with a namespace per server, a chart of its own
   * (made here, with the server's Namespace and default-deny policy in the `namespace` chart).
   */
  private chartsFor(spec: VirtualServerSpec, at: FieldPath): { docroot: Chart; web: Chart; namespace?: ServerNamespace } {
    if (this.tenancy !== Tenancy.NAMESPACE_PER_SERVER) return { docroot: this.docrootChart!, web: this.webChart! };
    const own = this.chartOf(`server-${spec.name}`, spec.name);
    own.addDependency(this.namespaceChart!, this.vipChart, ...(this.databaseChart ? [this.databaseChart] : []));
    at.declare(this.namespaceChart!, `${constructId(spec.name)}Namespace`);
    const namespace = new ServerNamespace(this.namespaceChart!, `${constructId(spec.name)}Namespace`, { name: spec.name });
    return { docroot: own, web: own, namespace };
  }

  /** One server's objects: its docroot (and backup target), Deployment, Service, disruption budget, VIP and backup. */
  private buildServer(spec: VirtualServerSpec, at: FieldPath): WebSshServer {
    const facts = this.facts;
    const charts = this.chartsFor(spec, at);
    // Each construct of the server names the declaration's paths in its errors: what the entry wrote under `at`, and
    // the site's facts it was given.
    const nas = { host: 'facts.nas.host', mountOptions: 'facts.nas.mountOptions' };
    at.child('docroot').declare(charts.docroot, docrootId(spec.name), {
      ...nas, path: spec.docroot?.exportPath !== undefined ? `${at}.docroot.exportPath` : `${at}.name`,
    });
    const docroot = new NfsFolder(charts.docroot, docrootId(spec.name), {
      host: facts.nas.host,
      path: spec.docroot?.exportPath ?? `${this.exportRoot}/${spec.name}`,
      capacity: spec.docroot?.capacity,
      mountOptions: facts.nas.mountOptions,
      volumeName: spec.docroot?.volumeName,
      claimName: spec.docroot?.claimName ?? `${spec.name}-docroot`,
    });
    const certificate = serverCertificate(spec, facts.certificate);
    // mod_md's store: a folder of the NAS of its own, shared by the server's replicas, never inside a docroot
    FieldPath.of(this, facts.nas.acmeStoreRoot !== undefined ? 'facts.nas.acmeStoreRoot' : 'facts.nas.exportRoot')
      .declare(charts.docroot, `${docrootId(spec.name)}Acme`, nas);
    const acmeStore = certificate?.needsAcmeStore ? new NfsFolder(charts.docroot, `${docrootId(spec.name)}Acme`, {
      host: facts.nas.host,
      path: acmeStorePath(facts, spec.name),
      capacity: Size.mebibytes(64),
      mountOptions: facts.nas.mountOptions,
      claimName: `${spec.name}-acme`,
    }) : undefined;
    // the entry's props of WebSshServer (0.9.0's `overrides` first, so the entry's own win), less the site's own fields
    const { address: _address, quota: _quota, docroot: _docroot, php, database: _database, entry: _entry, overrides, name, version, ...entry } = spec;
    // (a prop left undefined on the entry, `{ ...lab.servers[0], hsts: undefined }`, is not written: it does not hide the override)
    const own = Object.fromEntries(Object.entries(entry).filter(([, value]) => value !== undefined)) as typeof entry;
    const given = { ...overrides, ...own };
    const imagePullSecrets = serverProp(spec, `${at}`, 'imagePullSecrets');
    const metrics = serverProp(spec, `${at}`, 'metrics');
    at.declare(charts.web, constructId(spec.name), {
      ...Object.fromEntries(Object.keys(overrides ?? {}).filter((key) => !(key in own)).map((key) => [key, `${at}.overrides.${key}`])),
      httpdImage: `${at}.version`,
      sshdImage: `${at}.version`,
      imagePullSecrets: imagePullSecrets.value ? imagePullSecrets.path : 'facts.imagePullSecrets',
      ...(spec.certificate ? {} : { certificate: `facts.certificate (for ${at})` }),
      acmeStore: facts.nas.acmeStoreRoot !== undefined ? 'facts.nas.acmeStoreRoot' : 'facts.nas.exportRoot',
      metrics: facts.monitoring ? 'facts.monitoring' : metrics.path,
    });
    if (overrides !== undefined) {
      Warnings.of(this).add(`'${at}.overrides' is deprecated: write its props on the entry itself (${Object.keys(overrides).map((k) => `${k}: ...`).join(', ')}), `
        + 'as the CHANGELOG of 0.10.0 shows.');
    }
    // the backups' folder on the NAS: the backup's repository, and the customer's copy that sshd shows
    let backupTarget: NfsFolder | undefined;
    if (facts.backup && this.backupRoot) {
      FieldPath.of(this, 'facts.backup').declare(charts.docroot, `${docrootId(spec.name)}Backup`, {
        host: facts.backup.host !== undefined ? 'facts.backup.host' : 'facts.nas.host', path: 'facts.backup.exportRoot', mountOptions: nas.mountOptions,
      });
      backupTarget = new NfsFolder(charts.docroot, `${docrootId(spec.name)}Backup`, {
        host: facts.backup.host ?? facts.nas.host,
        path: `${this.backupRoot}/${spec.name}`,
        mountOptions: facts.nas.mountOptions,
        claimName: `${spec.name}-backup`,
      });
    }
    const database = this.databaseOf(spec, `${at}`, charts.web.namespace ?? 'default');
    const server = new WebSshServer(charts.web, constructId(spec.name), {
      ...given,
      name,
      replicas: spec.replicas ?? 2,
      httpdImage: ImageReference.of(`${facts.registry}/httpd:${version}`),
      sshdImage: ImageReference.of(`${facts.registry}/sshd:${version}`),
      php: php ? { ...php, image: ImageReference.of(`${facts.registry}/${php.version?.imageName ?? 'php-fpm'}:${version}`) } : undefined,
      database,
      entry: this.entryOf(spec, `${at}`, charts.web, certificate !== undefined),
      version,
      docroot,
      backups: facts.backup?.customerCopy === false ? undefined : backupTarget,
      certificate,
      acmeStore,
      imagePullSecrets: imagePullSecrets.value ?? facts.imagePullSecrets,
      metrics: facts.monitoring
        ? { exporterImage: ImageReference.of(`${facts.registry}/apache-exporter:${version}`), scrapers: facts.monitoring.scrapers }
        : metrics.value,
    });
    // One value, whatever the backend: the ConfigMap entry and externalIPs, or the Service's load-balancer address.
    if (spec.address !== undefined) this.vipController.expose(server.service, spec.address);
    this.serverMap.set(spec.name, server);
    this.docrootMap.set(spec.name, docroot);
    if (facts.backup && this.backupRoot && backupTarget) {
      FieldPath.of(this, 'facts.backup').declare(charts.web, `${constructId(spec.name)}Backup`, {
        name: `${at}.name`,
        image: `${at}.version`,
        imagePullSecrets: 'facts.imagePullSecrets',
        pushgateway: 'facts.monitoring.pushgateway',
        database: `${at}.database`,
      });
      this.backupMap.set(spec.name, new ResticBackup(charts.web, `${constructId(spec.name)}Backup`, {
        name: spec.name,
        docroot,
        target: backupTarget,
        // built from the same release as the server's images, and tagged alike
        image: ImageReference.of(`${facts.registry}/restic:${spec.version}`),
        imagePullSecrets: facts.imagePullSecrets,
        schedule: facts.backup.schedule,
        keep: facts.backup.keep,
        checkShare: facts.backup.checkShare,
        pruneSchedule: facts.backup.pruneSchedule,
        drillSchedule: facts.backup.drillSchedule,
        drillScratch: facts.backup.drillScratch,
        customerCopy: facts.backup.customerCopy,
        database,
        // a bucket the site's servers share: under the site's name unless the facts give a prefix
        s3: facts.backup.s3 && { ...facts.backup.s3, prefix: facts.backup.s3.prefix ?? this.props.name },
        // each run's result, for the site's alerts
        pushgateway: facts.monitoring?.pushgateway,
      }));
    }
    const backup = this.backupMap.get(spec.name);
    charts.namespace?.fitTo(server, { quota: spec.quota, jobs: backup ? [backup.container] : [] });
    // a server added after the site was built: the collector and Prometheus watch it too
    this.logCollector?.addServer({ name: server.name, namespace: charts.web.namespace ?? 'default' });
    this.monitoring?.addServer(this.monitoredServer(server));
    return server;
  }

  /**
   * The shared entry in its namespace (Pod Security "restricted"): the built-in haproxy published on its VIP with the
   * clients' own addresses kept, or a Gateway asking for the VIP.
   */
  private buildEntry(siteName: string, facts: SiteFacts): { chart: Chart; entry: SharedEntry | GatewayEntry; vip: VipEntry } {
    const spec = facts.entry!;
    const namespace = entryNamespace(siteName, spec);
    FieldPath.of(this, 'facts.entry.namespace').declare(this.namespaceChart!, 'Entry');
    new ServerNamespace(this.namespaceChart!, 'Entry', { name: namespace });
    const chart = this.chartOf('entry', namespace);
    chart.addDependency(this.namespaceChart!, this.vipChart);
    let entry: SharedEntry | GatewayEntry;
    let vip: VipEntry;
    if (spec.gatewayClassName !== undefined) {
      FieldPath.of(this, 'facts.entry').declare(chart, 'Entry');
      entry = new GatewayEntry(chart, 'Entry', { name: 'entry', gatewayClassName: spec.gatewayClassName, address: spec.address });
      vip = this.vipController.exposeGateway(entry.gateway, spec.address, Object.values(GATEWAY_ENTRY_PORTS));
    } else {
      FieldPath.of(this, 'facts.entry').declare(chart, 'Entry', { image: 'facts.entry.version', imagePullSecrets: 'facts.imagePullSecrets' });
      entry = new SharedEntry(chart, 'Entry', {
        name: 'entry',
        image: ImageReference.of(`${facts.registry}/entry:${spec.version}`),
        replicas: spec.replicas,
        nodeRole: spec.nodeRole,
        clusterDomain: spec.clusterDomain,
        resources: spec.resources,
        imagePullSecrets: facts.imagePullSecrets,
      });
      vip = this.vipController.expose(entry.service, spec.address, { keepClientAddress: true });
    }
    // the operator's preflight says where DNS points and which port leads to each customer's SSH
    const servers = () => (entry instanceof SharedEntry ? entry.servers : entry.servers.map((r) => ({ ...r, sshPort: undefined })));
    OperatorContract.of(this).sharedEntry(() => ({
      address: vip.address,
      hostnames: servers().flatMap((r) => r.hostnames).sort(),
      ssh: servers().flatMap((r) => (r.sshPort === undefined ? [] : [{ server: `${r.namespace}/${r.name}`, port: r.sshPort }])).sort((a, b) => a.port - b.port),
    }));
    return { chart, entry, vip };
  }

  /**
   * A server's way through the shared entry, when it has one: its hostnames and SSH port routed to its Service (the
   * built-in entry, through the server's PROXY protocol listeners), or its listeners and routes on the Gateway.
   */
  private entryOf(spec: VirtualServerSpec, at: string, chart: Chart, https: boolean): ServerEntryBinding | undefined {
    const route = serverEntry(spec);
    const namespace = chart.namespace ?? 'default';
    if (route && this.gatewayEntry) {
      this.gatewayEntry.addServer(this, `${at}.entry`, {
        name: spec.name, namespace, hostnames: spec.hostnames ?? [], httpPort: HTTP_SERVICE_PORT, httpsPort: https ? HTTPS_SERVICE_PORT : undefined,
      }, chart);
      return undefined;
    }
    if (!route || !this.entry) return undefined;
    return this.entry.addServer(this, `${at}.entry`, {
      name: spec.name,
      namespace,
      hostnames: spec.hostnames ?? [],
      httpProxyPort: PROXY_HTTP_PORT,
      httpsProxyPort: https ? PROXY_HTTPS_PORT : undefined,
      sshPort: route.sshPort,
      sshServicePort: spec.sshServicePort ?? 22,
      sshTargetPort: spec.sshPort ?? 2222,
      podLabels: { 'app.kubernetes.io/name': APP_NAME, 'app.kubernetes.io/instance': spec.name },
      clusterIp: spec.clusterIp?.text,
    });
  }

  /** A server's database on the site's, when it has one: made there, the customer's Secret named for the operator. */
  private databaseOf(spec: VirtualServerSpec, at: string, namespace: string): DatabaseBinding | undefined {
    const name = databaseName(spec);
    if (name === undefined || !this.database) return undefined;
    return this.database.addCustomer(this, `${at}.database`, { name, namespace, secret: `${spec.name}-database` });
  }

  /** The server named `name`; throws naming the site when there is none. */
  public server(name: string): WebSshServer {
    const server = this.serverMap.get(name);
    if (!server) throw SiteError.invalidProp(this, 'server', name, `be one of the site's servers (${[...this.serverMap.keys()].join(', ')})`);
    return server;
  }

}

/** `myweb` -> `MyWeb`-like construct ids stay stable: the server's name in PascalCase (`my-shop` -> `MyShop`). */
function constructId(name: string): string {
  return name.split('-').map((part) => part.charAt(0).toUpperCase() + part.slice(1)).join('');
}

function docrootId(name: string): string {
  return `${constructId(name)}Docroot`;
}
