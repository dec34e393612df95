import {
  clusterScoped, ImageReference, k8s, KUBERNETES_NAMESPACES, ownershipLabels, requireDnsLabel, SiteError,
} from '@cdk8s-vserver/core';
import { Headlamp, KubernetesDashboard } from '@cdk8s-vserver/dashboard';
import { DocrootBackup, NfsDocroot } from '@cdk8s-vserver/storage';
import { IVipController, VipBackend, VipEntry } from '@cdk8s-vserver/vip';
import { WebSshServer } from '@cdk8s-vserver/web-ssh-server';
import { App, Chart, Size } from 'cdk8s';
import { Construct } from 'constructs';
import { acmeStorePath, checkDeclaration, HostingSiteProps, serverCertificate, SiteFacts, VirtualServerSpec } from './declaration';

/**
 * A hosting site from one declaration: the cluster's facts and a list of virtual servers. It adds the app's charts,
 * in apply order (one file each): `namespace` (when the servers' namespace is not one Kubernetes has), the VIP
 * backend's (`keepalived`, `metallb` or `kube-vip`), `docroot` (per server, its NFS PersistentVolume and claim),
 * `web` (per server, its Deployment, Service, PodDisruptionBudget and VIP entry) and, when the facts name them,
 * `dashboard` and `headlamp`. Every chart carries the app's ownership labels. Adding a server is one entry in
 * `servers` (or one `addServer()` call).
 *
 * The charts are the app's own top-level charts (cdk8s names each file after its chart), so the scope is the App.
 */
export class HostingSite extends Construct {
  /** The chart of the servers' Namespace, when the site creates it (any namespace Kubernetes does not have). */
  public readonly namespaceChart?: Chart;
  /** The charts, in apply order. The VIP backend's chart is named after it: `keepalived`, `metallb` or `kube-vip`. */
  public readonly vipChart: Chart;
  public readonly docrootChart: Chart;
  public readonly webChart: Chart;
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
  /** The NetworkPolicy that denies everything in the servers' Namespace but what each server's own allows, when the site creates it. */
  public readonly defaultDeny?: k8s.KubeNetworkPolicy;
  /** The servers' Namespace, when the site creates it (any namespace Kubernetes does not have). */
  public readonly namespace?: k8s.KubeNamespace;

  private readonly props: HostingSiteProps;
  private readonly facts: SiteFacts;
  private readonly serversNamespace: string;
  private readonly exportRoot: string;
  private readonly backupRoot?: string;
  private readonly serverMap = new Map<string, WebSshServer>();
  /** Servers added with addServer(), after the declaration's. */
  private readonly added: VirtualServerSpec[] = [];
  private readonly docrootMap = new Map<string, NfsDocroot>();
  private readonly backupMap = new Map<string, DocrootBackup>();

  constructor(app: App, id: string, props: HostingSiteProps) {
    super(app, id);
    const name = requireDnsLabel(this, 'name', props.name);
    checkDeclaration(this, props);
    this.props = props;
    const facts = this.facts = props.facts;
    this.exportRoot = facts.nas.exportRoot;
    this.backupRoot = facts.backup?.exportRoot;
    this.serversNamespace = facts.namespace ?? 'default';
    const backend = facts.vipBackend ?? VipBackend.keepalivedVip();

    const chart = (chartId: string, chartNamespace?: string) =>
      new Chart(app, chartId, { namespace: chartNamespace, labels: ownershipLabels(name), disableResourceNameHashes: true });
    if (!KUBERNETES_NAMESPACES.includes(this.serversNamespace)) {
      this.namespaceChart = chart('namespace');
      this.namespace = clusterScoped(new k8s.KubeNamespace(this.namespaceChart, 'Namespace', { metadata: { name: this.serversNamespace } }));
      // Nothing in or out of a pod of the namespace but what a policy of its own allows (each server's, each backup's).
      this.defaultDeny = new k8s.KubeNetworkPolicy(this.namespaceChart, 'DefaultDeny', {
        metadata: { name: 'default-deny', namespace: this.serversNamespace },
        spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'], ingress: [], egress: [] },
      });
    }
    this.vipChart = chart(backend.chartName, backend.namespace);
    this.docrootChart = chart('docroot', this.serversNamespace);
    this.webChart = chart('web', this.serversNamespace);
    for (const c of [this.vipChart, this.docrootChart]) {
      if (this.namespaceChart) c.addDependency(this.namespaceChart);
    }
    this.webChart.addDependency(this.vipChart, this.docrootChart);
    this.vipController = backend.bind(this.vipChart, { lanSubnet: facts.lanSubnet, registry: facts.registry });

    for (const spec of props.servers) this.buildServer(spec);

    if (facts.dashboard) {
      this.dashboardChart = chart('dashboard');
      this.dashboardChart.addDependency(this.vipChart);
      this.dashboard = new KubernetesDashboard(this.dashboardChart, 'Dashboard', {
        image: facts.dashboard.image, metricsScraperImage: facts.dashboard.metricsScraperImage,
      });
      this.dashboardVip = this.vipController.expose(this.dashboard.service, facts.dashboard.address);
    }
    if (facts.headlamp) {
      this.headlampChart = chart('headlamp');
      this.headlampChart.addDependency(this.vipChart);
      this.headlamp = new Headlamp(this.headlampChart, 'Headlamp', { image: facts.headlamp.image, viewerAccount: facts.headlamp.viewerAccount });
      this.headlampVip = this.vipController.expose(this.headlamp.service, facts.headlamp.address);
    }
  }

  /** Each server by name. */
  public get servers(): ReadonlyMap<string, WebSshServer> {
    return this.serverMap;
  }

  /** Each server's docroot, by server name. */
  public get docroots(): ReadonlyMap<string, NfsDocroot> {
    return this.docrootMap;
  }

  /** Each server's backup, by server name, when the facts ask for backups. */
  public get backups(): ReadonlyMap<string, DocrootBackup> {
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
    return this.buildServer(spec);
  }

  /** One server's objects: its docroot (and backup target), Deployment, Service, disruption budget, VIP and backup. */
  private buildServer(spec: VirtualServerSpec): WebSshServer {
    const facts = this.facts;
    const docroot = new NfsDocroot(this.docrootChart, docrootId(spec.name), {
      server: facts.nas.server,
      path: spec.docroot?.exportPath ?? `${this.exportRoot}/${spec.name}`,
      capacity: spec.docroot?.capacity,
      mountOptions: facts.nas.mountOptions,
      volumeName: spec.docroot?.volumeName,
      claimName: spec.docroot?.claimName ?? `${spec.name}-docroot`,
    });
    const certificate = serverCertificate(spec, facts.certificate);
    // mod_md's store: a folder of the NAS of its own, shared by the server's replicas, never inside a docroot
    const acmeStore = certificate?.needsAcmeStore ? new NfsDocroot(this.docrootChart, `${docrootId(spec.name)}Acme`, {
      server: facts.nas.server,
      path: acmeStorePath(facts, spec.name),
      capacity: Size.mebibytes(64),
      mountOptions: facts.nas.mountOptions,
      claimName: `${spec.name}-acme`,
    }) : undefined;
    const server = new WebSshServer(this.webChart, constructId(spec.name), {
      ...spec.overrides,
      name: spec.name,
      replicas: spec.replicas ?? 2,
      httpdImage: ImageReference.of(`${facts.registry}/httpd:${spec.version}`),
      sshdImage: ImageReference.of(`${facts.registry}/sshd:${spec.version}`),
      version: spec.version,
      docroot,
      sshServicePort: spec.sshServicePort,
      authorizedKeys: spec.authorizedKeys,
      hostnames: spec.hostnames,
      certificate,
      acmeStore,
      egress: spec.egress,
    });
    // One value, whatever the backend: the ConfigMap entry and externalIPs, or the Service's load-balancer address.
    this.vipController.expose(server.service, spec.address);
    this.serverMap.set(spec.name, server);
    this.docrootMap.set(spec.name, docroot);
    if (facts.backup && this.backupRoot) {
      const target = new NfsDocroot(this.docrootChart, `${docrootId(spec.name)}Backup`, {
        server: facts.backup.server ?? facts.nas.server,
        path: `${this.backupRoot}/${spec.name}`,
        mountOptions: facts.nas.mountOptions,
        claimName: `${spec.name}-backup`,
      });
      this.backupMap.set(spec.name, new DocrootBackup(this.webChart, `${constructId(spec.name)}Backup`, {
        name: spec.name,
        docroot,
        target,
        // the server's own sshd image: its `web` user owns the docroot
        image: ImageReference.of(`${facts.registry}/sshd:${spec.version}`),
        schedule: facts.backup.schedule,
        keep: facts.backup.keep,
      }));
    }
    return server;
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
