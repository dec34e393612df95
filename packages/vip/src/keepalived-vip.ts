import {
  AppChecks, AppReport, clusterScoped, containerResources, ImageReference, Ipv4Address, Ipv4Subnet, k8s, MANAGED_BY, namespaceOf, NodeRole,
  OperatorContract, requireEnum, requireImagePullSecrets, requireInteger, requireIpv4Subnet, requireNodeRole, requirePinnedImage, requirePort,
  resourceName, SiteError, Warnings,
} from '@cdk8s-vserver/core';
import { ApiObject, JsonPatch, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { KEEPALIVED_VIP_0_35 } from './controller-release';
import { IVipController, registerVipController, VipAgent, VipEntry, VipExposeOptions, VipMethod, VipTable } from './vip-controller';

/** Props of {@link KeepalivedVip}. */
export interface KeepalivedVipProps {
  /** The site's LAN (`Ipv4Subnet.of('192.168.1.0/24')`); every VIP must be a host address of it. */
  readonly lanSubnet: Ipv4Subnet;

  /**
   * Name of the DaemonSet, ServiceAccount, ClusterRole and ClusterRoleBinding.
   * @default 'kube-keepalived-vip'
   */
  readonly name?: string | undefined;

  /**
   * Name of the ConfigMap that maps each VIP to `namespace/service`.
   * @default 'vip-configmap'
   */
  readonly configMapName?: string | undefined;

  /**
   * The node role that holds the VIPs, rendered as the DaemonSet's `spec.template.spec.nodeSelector`.
   * The controller reads its own pod's nodeSelector to find its peers, so node affinity would not do.
   * @default NodeRole.ROUTER
   */
  readonly nodeRole?: NodeRole | undefined;

  /**
   * The kube-keepalived-vip image, pinned. Its `modprobe` also loads `ip_vs` in the init container.
   * The args rendered are those of release 0.35 (`KEEPALIVED_VIP_0_35.flags`); an image with another tag gets a
   * synth-time warning, since the controller exits on any flag it does not know.
   * @default ImageReference.of('aledbf/kube-keepalived-vip:0.35') - upstream's last image (keepalived, ipvsadm, iproute2)
   */
  readonly image?: ImageReference | undefined;

  /**
   * Secrets (`kubernetes.io/dockerconfigjson`, in kube-system, the controller's namespace) with the credentials of a registry that asks
   * for them (Harbor, a registry with basic auth): `kubectl create secret docker-registry <name> --docker-server=...`.
   * @default - none: the registry is open to the nodes
   */
  readonly imagePullSecrets?: string[] | undefined;

  /**
   * Port of the controller's `/health` endpoint (`--http-port`), probed by the liveness probe. With hostNetwork
   * it listens on the router node itself, so the port must be free there.
   * @default 8080
   */
  readonly healthPort?: number | undefined;

  /**
   * keepalived's virtual router id (`--vrid`), 1-255 (the controller lets 0 through, keepalived refuses it); unique on the LAN.
   * @default 50
   */
  readonly vrid?: number | undefined;

  /**
   * Talk to the peers by unicast instead of multicast VRRP (`--use-unicast`), for networks that drop multicast.
   * @default false
   */
  readonly useUnicast?: boolean | undefined;

  /**
   * Run in the node's network namespace. keepalived must add the VIP to the node's own interface and program
   * the node's IPVS table, so this is on by default; it is a prop only to make the privilege explicit.
   * @default true
   */
  readonly hostNetwork?: boolean | undefined;
}

/** A Service published on a kube-keepalived-vip VIP, with its IPVS forwarding method. */
export interface KeepalivedVipEntry extends VipEntry {
  /** The forwarding method. */
  readonly method: VipMethod;
}

/**
 * kube-keepalived-vip: keepalived + IPVS on the router node, publishing Services on virtual IPs of the LAN.
 *
 * It emits a ServiceAccount, a ClusterRole limited to what the controller calls (get pods; get and list nodes;
 * list and watch endpoints, services and configmaps; never secrets), its ClusterRoleBinding, the VIP ConfigMap, and a privileged, hostNetwork
 * DaemonSet on the router role. `expose()` writes a Service's ConfigMap entry AND sets the same address as the
 * Service's `externalIPs`, from one value.
 */
export class KeepalivedVip extends Construct implements IVipController {
  /** `kube-keepalived-vip`. */
  public readonly backend = 'kube-keepalived-vip';
  /** Name of the DaemonSet, ServiceAccount and RBAC objects. */
  public readonly name: string;
  /** Name of the VIP ConfigMap. */
  public readonly configMapName: string;
  /** Namespace of the ConfigMap and the DaemonSet. */
  public readonly namespace: string;
  /** The LAN the VIPs belong to. */
  public readonly lanSubnet: Ipv4Subnet;
  /** The controller's ServiceAccount. */
  public readonly serviceAccount: k8s.KubeServiceAccount;
  /** What the controller may read (cluster-wide). */
  public readonly clusterRole: k8s.KubeClusterRole;
  /** Binds {@link clusterRole} to {@link serviceAccount}. */
  public readonly clusterRoleBinding: k8s.KubeClusterRoleBinding;
  /** The VIP ConfigMap: `address: namespace/service` per published Service. */
  public readonly configMap: k8s.KubeConfigMap;
  /** The controller: privileged, on the router role's nodes. */
  public readonly daemonSet: k8s.KubeDaemonSet;
  /** Its DaemonSet, as a site's monitoring watches it. */
  public get agent(): VipAgent {
    return { namespace: this.namespace, name: this.daemonSet.name, what: 'the VIP controller', nodes: 'router' };
  }
  /** Its `vrid`: the VRRP virtual router id it speaks on the LAN. */
  public get vrrpId(): number {
    return this.vrid;
  }

  /** keepalived's virtual router id. */
  public readonly vrid: number;
  /** The node role the controller runs on. */
  public readonly nodeRole: NodeRole;

  private readonly table = new VipTable(this);
  private readonly methods = new Map<string, VipMethod>();

  constructor(scope: Construct, id: string, props: KeepalivedVipProps) {
    super(scope, id);
    this.lanSubnet = requireIpv4Subnet(this, 'lanSubnet', props.lanSubnet);
    this.name = resourceName(this, 'name', props.name, 'kube-keepalived-vip');
    this.configMapName = resourceName(this, 'configMapName', props.configMapName, 'vip-configmap');
    this.namespace = namespaceOf(this);
    const nodeRole = this.nodeRole = requireNodeRole(this, 'nodeRole', props.nodeRole ?? NodeRole.ROUTER);
    const release = KEEPALIVED_VIP_0_35;
    const image = requirePinnedImage(this, 'image', props.image ?? ImageReference.of(release.image));
    OperatorContract.of(this).pullsCopyOf(image, ImageReference.of(release.image));
    const vrid = this.vrid = requireInteger(this, 'vrid', props.vrid ?? 50, 1, 255);
    const checks = AppChecks.of(this).trust(this);
    registerVipController(this);
    const controllers = KEEPALIVED_CONTROLLERS.get(checks) ?? [];
    if (controllers.length === 0) checks.add({ check: (report) => checkVrids(controllers, report) });
    controllers.push(this);
    KEEPALIVED_CONTROLLERS.set(checks, controllers);
    const hostNetwork = props.hostNetwork ?? true;
    const healthPort = requirePort(this, 'healthPort', props.healthPort ?? release.defaultHealthPort);
    const taken = hostNetwork ? NODE_PORTS[healthPort] : undefined;
    if (taken) {
      throw SiteError.invalidProp(this, 'healthPort', healthPort, 'be a port free on the router nodes: with hostNetwork the controller\'s /health '
        + `listens on the node itself, where ${healthPort} is ${taken}. Use another, such as 8080`);
    }
    if (image.tag !== undefined && image.tag !== release.version) {
      Warnings.of(this).add(`'image' ${image.reference} is not tagged ${release.version}: the args rendered are those of `
        + `kube-keepalived-vip ${release.version}, and the controller exits on any flag it does not know. Use a ${release.version} image.`);
    }

    const labels = {
      'app.kubernetes.io/name': 'kube-keepalived-vip',
      'app.kubernetes.io/instance': this.name,
      ...MANAGED_BY,
    };
    const selector = { 'app.kubernetes.io/name': labels['app.kubernetes.io/name'], 'app.kubernetes.io/instance': this.name };

    this.serviceAccount = new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata: { name: this.name, labels } });
    // Exactly what the 0.35 controller calls: its own pod (for its nodeSelector), the nodes (its own address and
    // its VRRP peers), and informers on endpoints, services and configmaps.
    this.clusterRole = clusterScoped(new k8s.KubeClusterRole(this, 'ClusterRole', {
      metadata: { name: this.name, labels },
      rules: [
        { apiGroups: [''], resources: ['pods'], verbs: ['get'] },
        { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list'] },
        { apiGroups: [''], resources: ['endpoints', 'services', 'configmaps'], verbs: ['list', 'watch'] },
      ],
    }));
    this.clusterRoleBinding = clusterScoped(new k8s.KubeClusterRoleBinding(this, 'ClusterRoleBinding', {
      metadata: { name: this.name, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: this.name },
      subjects: [{ kind: 'ServiceAccount', name: this.name, namespace: this.namespace }],
    }));

    this.configMap = new k8s.KubeConfigMap(this, 'ConfigMap', {
      metadata: { name: this.configMapName, labels },
      data: Lazy.any({ produce: () => this.configMapData() }),
    });

    const modules = { name: 'modules', mountPath: '/lib/modules', readOnly: true };
    const privileged = { privileged: true, allowPrivilegeEscalation: true, readOnlyRootFilesystem: false, runAsUser: 0, runAsNonRoot: false };
    this.daemonSet = new k8s.KubeDaemonSet(this, 'DaemonSet', {
      metadata: { name: this.name, labels },
      spec: {
        selector: { matchLabels: selector },
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: k8s.IntOrString.fromNumber(1) } },
        template: {
          metadata: { labels },
          spec: {
            hostNetwork: hostNetwork || undefined,
            dnsPolicy: hostNetwork ? 'ClusterFirstWithHostNet' : 'ClusterFirst',
            // The controller reads its own pod's nodeSelector to find its peers: a real nodeSelector, never affinity.
            nodeSelector: nodeRole.nodeSelector,
            serviceAccountName: this.name,
            // It watches Services, Endpoints and the ConfigMap through the API, so it needs its token.
            automountServiceAccountToken: true,
            imagePullSecrets: requireImagePullSecrets(this, 'imagePullSecrets', props.imagePullSecrets),
            terminationGracePeriodSeconds: 5,
            initContainers: [{
              // IPVS must be loaded before keepalived starts; stock images failed to load it on some hosts.
              name: 'load-ip-vs',
              image: image.reference,
              imagePullPolicy: 'IfNotPresent',
              command: ['modprobe', 'ip_vs'],
              securityContext: privileged,
              volumeMounts: [modules],
              resources: containerResources('10m', '16Mi', '100m', '32Mi'),
            }],
            containers: [{
              name: 'keepalived',
              image: image.reference,
              imagePullPolicy: 'IfNotPresent',
              // Only flags the release has (KEEPALIVED_VIP_0_35.flags); --watch-namespace's default "" watches every namespace.
              args: [
                `--services-configmap=${this.namespace}/${this.configMapName}`,
                `--vrid=${vrid}`,
                `--${release.healthPortFlag}=${healthPort}`,
                ...(props.useUnicast ? ['--use-unicast'] : []),
              ],
              // As upstream's DaemonSet: restarted when /health stops answering.
              livenessProbe: {
                httpGet: { path: release.healthPath, port: k8s.IntOrString.fromNumber(healthPort) },
                initialDelaySeconds: 15,
                timeoutSeconds: 3,
              },
              env: [
                { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
              ],
              securityContext: privileged,
              volumeMounts: [modules],
              resources: containerResources('50m', '64Mi', '500m', '256Mi'),
            }],
            volumes: [{ name: 'modules', hostPath: { path: '/lib/modules', type: 'Directory' } }],
          },
        },
      },
    });
  }

  /**
   * Publishes `service` on the VIP `address`: writes the ConfigMap entry `address: namespace/name` AND sets
   * `address` as the Service's `externalIPs`, so the two can never disagree. Every port of the Service is
   * forwarded.
   *
   * @param service the Service: a `k8s.KubeService` such as `WebSshServer.service`, or any cdk8s `ApiObject` of
   * kind Service (for a cdk8s-plus Service, `ApiObject.of(service)`)
   * @param address the VIP, a host address of the LAN (`Ipv4Address.of('192.168.1.31')`)
   */
  public expose(service: ApiObject, address: Ipv4Address, options: VipExposeOptions = {}): KeepalivedVipEntry {
    const method = requireEnum(this, 'expose method', options.method ?? VipMethod.NAT, { 'VipMethod.NAT': VipMethod.NAT, 'VipMethod.DR': VipMethod.DR });
    const entry: KeepalivedVipEntry = { ...this.table.add(service, address), method };
    this.methods.set(entry.address, method);
    const externalIPs = service.toJson().spec?.externalIPs;
    service.addJsonPatch(Array.isArray(externalIPs)
      ? JsonPatch.add('/spec/externalIPs/-', entry.address)
      : JsonPatch.add('/spec/externalIPs', [entry.address]));
    const { ports, service: ref } = entry;

    if (ports.includes(22)) {
      Warnings.of(this).add(`VIP ${entry.address} publishes port 22 of ${ref}: the router node's own sshd listens on `
        + '0.0.0.0:22 and takes those connections, so SSH through the VIP reaches the router instead of the server. '
        + "Make the node's sshd listen on its own address only (ListenAddress), or publish SSH on another Service port "
        + '(WebSshServer sshServicePort, e.g. 2222).');
    }
    return entry;
  }

  /** Refused: kube-keepalived-vip's ConfigMap maps a VIP to a Service, and a Gateway's Service is its implementation's. */
  public exposeGateway(gateway: ApiObject, address: Ipv4Address, _ports: number[]): VipEntry {
    throw SiteError.invalidProp(this, 'exposeGateway gateway', `${gateway.kind}/${gateway.name} on ${address.text}`,
      'be published by MetalLB or kube-vip: kube-keepalived-vip maps a VIP to a Service it is told the name of, and a Gateway\'s '
      + 'Service is made by its implementation. Use VipBackend.metalLb() or VipBackend.kubeVip(), or the built-in entry');
  }

  /** Every VIP published so far, sorted by address, with its forwarding method. */
  public get vips(): KeepalivedVipEntry[] {
    return this.table.sorted.map((entry) => ({ ...entry, method: this.methods.get(entry.address) ?? VipMethod.NAT }));
  }

  private configMapData(): Record<string, string> {
    return Object.fromEntries(this.vips.map((e) => [e.address, e.method === VipMethod.NAT ? e.service : `${e.service}:${e.method}`]));
  }
}

/** Ports a node's own components listen on, which a hostNetwork listener on that node cannot have. */
const NODE_PORTS: Readonly<Record<number, string>> = {
  22: "the node's sshd",
  2379: "etcd's (on a control-plane node)",
  2380: "etcd's peer port (on a control-plane node)",
  6443: "kube-apiserver's (on a control-plane node)",
  10248: "kubelet's health port",
  10249: "kube-proxy's metrics port",
  10250: "kubelet's API",
  10256: "kube-proxy's health port",
  10257: "kube-controller-manager's (on a control-plane node)",
  10259: "kube-scheduler's (on a control-plane node)",
};

/** Every KeepalivedVip of an app, for the vrid check across them. */
const KEEPALIVED_CONTROLLERS = new WeakMap<AppChecks, KeepalivedVip[]>();

/** Two KeepalivedVips on one node role with one vrid take each other's VIPs. */
function checkVrids(controllers: KeepalivedVip[], report: AppReport): void {
  const vrids = new Map<string, KeepalivedVip>();
  for (const controller of controllers) {
    const key = `${controller.nodeRole}/${controller.vrid}`;
    const twin = vrids.get(key);
    if (twin) {
      report.error(controller, `'vrid' ${controller.vrid} is also the vrid of [${twin.node.path}] on the same nodes (${controller.nodeRole}): `
        + 'two keepalived instances with one virtual router id on one LAN take each other\'s VIPs. Give each a distinct vrid (1-255)');
    } else {
      vrids.set(key, controller);
    }
  }
}
