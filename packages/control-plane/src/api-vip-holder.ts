import {
  containerResources, ImageReference, ImageSource, Ipv4Address, k8s, NodeFile, OperatorContract, requireInteger, requireInterfaceName,
  requirePinnedImage, requirePort, SiteError,
} from '@cdk8s-vserver/core';
import { KUBE_VIP_IMAGE, KUBE_VIP_VERSION, kubeVipLeaderElection } from '@cdk8s-vserver/vip';
import { Yaml } from 'cdk8s';
import { IConstruct } from 'constructs';

/** The API server's own port on every control-plane node (kubeadm's `bindPort`). */
export const API_SERVER_PORT = 6443;

/** The Dockerfile folder of the control plane's images in this project (`<folder>/keepalived`, `<folder>/haproxy`). */
export const CONTROL_PLANE_IMAGE_FOLDER = 'packages/control-plane/images';

/**
 * Ports a control-plane node's own components listen on (etcd, kubelet, kube-proxy, controller-manager, scheduler):
 * haproxy must not take one of them on the same host.
 */
export const CONTROL_PLANE_PORTS: Readonly<Record<number, string>> = {
  [API_SERVER_PORT]: "the API server's own port",
  2379: "etcd's client port",
  2380: "etcd's peer port",
  10250: "the kubelet's API",
  10256: "kube-proxy's health check",
  10257: "the controller-manager's secure port",
  10259: "the scheduler's secure port",
};

/** One control-plane node of the site. */
export interface ControlPlaneNode {
  /** The node's name (`kubectl get nodes`; kubeadm's `nodeRegistration.name`), a DNS subdomain such as `master1`. */
  readonly name: string;
  /** Its address on the LAN: the address its API server advertises and haproxy balances to. */
  readonly address: Ipv4Address;
}

/** What a holder renders from: the control plane as its construct checked it. */
export interface ApiVipHolderContext {
  /** The construct that holds the files (errors name it). */
  readonly scope: IConstruct;
  /** The prop the holder came in through (`apiVipHolder`, or `facts.controlPlane.apiVipHolder`). */
  readonly prop: string;
  readonly nodes: readonly ControlPlaneNode[];
  readonly apiAddress: Ipv4Address;
  /** The site's registry, for the holder's images when they are not given. */
  readonly registry?: string | undefined;
  /** The folder of node `index` (0-based) under the app's output: `control-plane/1-master1`. */
  readonly folderOf: (index: number) => string;
}

/** Options of {@link ApiVipHolder.keepalivedHaproxy}. */
export interface KeepalivedHaproxyOptions {
  /** The control-plane nodes' network interface on the LAN, where keepalived adds the API VIP (`eth0`, `ens192`). */
  readonly interface: string;
  /**
   * keepalived's `virtual_router_id`, 1-255: the same on every control-plane node, and unique among the VRRP groups of
   * the LAN (a site on kube-keepalived-vip has one more: its `vrid`, 50 by default).
   * @default 51
   */
  readonly virtualRouterId?: number | undefined;
  /**
   * The port haproxy listens on, on every address of the node (the API VIP's too): never 6443, which the node's own
   * API server holds on every address. Clients, kubelets and `kubectl` reach the API at `<API VIP>:<port>`.
   * @default 8443
   */
  readonly haproxyPort?: number | undefined;
  /**
   * keepalived's image (from `packages/control-plane/images/keepalived`: Debian's keepalived and curl).
   * @default - `<registry>/keepalived:v1`
   */
  readonly keepalivedImage?: ImageReference | undefined;
  /**
   * haproxy's image (from `packages/control-plane/images/haproxy`: Debian's haproxy).
   * @default - `<registry>/haproxy:v1`
   */
  readonly haproxyImage?: ImageReference | undefined;
}

/** Options of {@link ApiVipHolder.kubeVip}. */
export interface KubeVipControlPlaneOptions {
  /**
   * The interface kube-vip adds the API VIP to (`vip_interface`).
   * @default - the interface of the node's default route
   */
  readonly interface?: string | undefined;
  /**
   * The kube-vip image, pinned; the environment rendered is that of v1.2.3 (`kube-vip manifest pod --controlplane --arp
   * --leaderElection`).
   * @default ImageReference.of('ghcr.io/kube-vip/kube-vip:v1.2.3')
   */
  readonly image?: ImageReference | undefined;
  /**
   * The leader's Lease (seconds) in kube-system (`plndr-cp-lock`): how long the API VIP can stay on a master that
   * stopped renewing. Renew deadline and retry period keep upstream's ratio (15/10/2).
   * @default 15
   */
  readonly leaseDurationSeconds?: number | undefined;
}

/**
 * What holds the API VIP on the control-plane nodes, as static Pods in `/etc/kubernetes/manifests`, in the two ways
 * kubeadm's high-availability guide documents (kubeadm's `docs/ha-considerations.md`).
 */
export abstract class ApiVipHolder {
  /**
   * keepalived (VRRP, unicast between the control-plane nodes) holds the API VIP on one node; haproxy on every node
   * listens on `haproxyPort` and balances TCP over every API server that answers `GET /readyz` (checked each second,
   * out after 2 failures). keepalived gives the VIP up (its FAULT state) when its node's haproxy stops answering.
   * The endpoint is `<API VIP>:<haproxyPort>`.
   */
  public static keepalivedHaproxy(options: KeepalivedHaproxyOptions): ApiVipHolder {
    return new KeepalivedHaproxy(options);
  }

  /**
   * kube-vip in control-plane mode (ARP, leader election on a Lease): the leader answers ARP for the API VIP and the
   * API server on that node answers on it, port 6443. kube-vip reads the API through `/etc/kubernetes/admin.conf`;
   * since Kubernetes 1.29 that file has no rights until `kubeadm init` has finished, so the first node's manifest reads
   * `super-admin.conf` during init and is replaced by the `admin.conf` one after it (kube-vip's documented workaround,
   * kube-vip#684).
   */
  public static kubeVip(options: KubeVipControlPlaneOptions = {}): ApiVipHolder {
    return new KubeVipHolder(options);
  }

  /** `keepalived-haproxy` or `kube-vip`. */
  public abstract readonly kind: string;

  /** The VRRP virtual router id it speaks on the LAN, when it speaks VRRP (keepalived). */
  public abstract readonly virtualRouterId?: number | undefined;

  /** Checks the options; throws naming `prop`. */
  public abstract validate(scope: IConstruct, prop: string): void;

  /** The port the API answers on at the API VIP. */
  public abstract get endpointPort(): number;

  /** The files of every node. */
  public abstract render(context: ApiVipHolderContext): NodeFile[];
}

/** A static Pod as the kubelet reads it from `/etc/kubernetes/manifests`. */
function staticPod(props: k8s.KubePodProps): string {
  return Yaml.stringify(k8s.KubePod.manifest(props));
}

function requireInterface(scope: IConstruct, prop: string, name: string | undefined): void {
  if (name !== undefined) requireInterfaceName(scope, prop, name, 'control-plane nodes');
}

function imageOf(context: ApiVipHolderContext, prop: string, given: ImageReference | undefined, name: string): string {
  if (!given && !context.registry) {
    throw SiteError.invalidProp(context.scope, prop, undefined, `name the ${name} image (built from ${CONTROL_PLANE_IMAGE_FOLDER}/${name}), or the `
      + `construct's 'registry' so it is <registry>/${name}:v1`);
  }
  const image = given ? requirePinnedImage(context.scope, prop, given) : ImageReference.of(`${context.registry}/${name}:v1`);
  OperatorContract.of(context.scope).pullsImage(image, ImageSource.build(`${CONTROL_PLANE_IMAGE_FOLDER}/${name}`));
  return image.reference;
}

const KEEPALIVED_CONF = '/etc/keepalived/keepalived.conf';
const CHECK_SCRIPT = '/etc/keepalived/check_apiserver.sh';
const HAPROXY_CFG = '/etc/haproxy/haproxy.cfg';

class KeepalivedHaproxy extends ApiVipHolder {
  public readonly kind = 'keepalived-haproxy';
  constructor(private readonly options: KeepalivedHaproxyOptions) {
    super();
  }

  public get endpointPort(): number {
    return this.options.haproxyPort ?? 8443;
  }

  /** keepalived's virtual router id. */
  public get virtualRouterId(): number {
    return this.options.virtualRouterId ?? 51;
  }

  public validate(scope: IConstruct, prop: string): void {
    if (this.options.interface === undefined) {
      throw SiteError.invalidProp(scope, `${prop} interface`, undefined, 'name the control-plane nodes\' interface on the LAN, such as "eth0"');
    }
    requireInterface(scope, `${prop} interface`, this.options.interface);
    requireInteger(scope, `${prop} virtualRouterId`, this.virtualRouterId, 1, 255);
    const port = requirePort(scope, `${prop} haproxyPort`, this.endpointPort);
    const owner = CONTROL_PLANE_PORTS[port];
    if (owner) {
      throw SiteError.invalidProp(scope, `${prop} haproxyPort`, port, `not be ${port}, ${owner} on every control-plane node: haproxy runs on the same `
        + 'hosts and could not bind it. Leave it out for 8443 (kubeadm\'s guide), or pick another free port');
    }
  }

  public render(context: ApiVipHolderContext): NodeFile[] {
    const keepalivedImage = imageOf(context, `${context.prop} keepalivedImage`, this.options.keepalivedImage, 'keepalived');
    const haproxyImage = imageOf(context, `${context.prop} haproxyImage`, this.options.haproxyImage, 'haproxy');
    const haproxy = this.haproxyConfig(context);
    const check = this.checkScript(context);
    const pods = [
      { file: 'keepalived.yaml', text: this.keepalivedPod(keepalivedImage) },
      { file: 'haproxy.yaml', text: this.haproxyPod(haproxyImage) },
    ];
    return context.nodes.flatMap((_, i) => {
      const folder = context.folderOf(i);
      return [
        ...pods.map((pod) => ({ path: `${folder}/etc/kubernetes/manifests/${pod.file}`, content: pod.text })),
        { path: `${folder}${KEEPALIVED_CONF}`, content: this.keepalivedConfig(context, i) },
        { path: `${folder}${CHECK_SCRIPT}`, content: check, executable: true },
        { path: `${folder}${HAPROXY_CFG}`, content: haproxy },
      ];
    });
  }

  /**
   * Every node BACKUP with `nopreempt`, priorities falling in the order the nodes are declared: the first node takes
   * the VIP when the control plane starts, and a node that comes back never takes it back (one interruption, not two).
   * Unicast between the nodes (no multicast needed, no stranger joins the group); VRRP version 3, whose
   * advertisements carry no password (version 2's PASS was plain text on the wire).
   */
  private keepalivedConfig(context: ApiVipHolderContext, index: number): string {
    const node = context.nodes[index];
    const peers = context.nodes.filter((_, j) => j !== index).map((n) => `    ${n.address.text}`);
    return [
      `! keepalived of the API VIP ${context.apiAddress.text} on ${node.name} (cdk8s-vserver; the same group on every control-plane node)`,
      'global_defs {',
      `  router_id ${node.name}`,
      '  vrrp_version 3',
      '  # the check runs as root inside the container, and only a file root can write may be run',
      '  script_user root',
      '  enable_script_security',
      '}',
      '',
      '# the API answers through this node\'s haproxy: once it fails 3 times in a row the VIP leaves (FAULT), 2 passes bring it back',
      'vrrp_script check_apiserver {',
      `  script "${CHECK_SCRIPT}"`,
      '  interval 1',
      '  timeout 3',
      '  fall 3',
      '  rise 2',
      '}',
      '',
      'vrrp_instance api_vip {',
      '  state BACKUP',
      '  nopreempt',
      `  interface ${this.options.interface}`,
      `  virtual_router_id ${this.virtualRouterId}`,
      `  priority ${150 - index}`,
      '  advert_int 1',
      `  unicast_src_ip ${node.address.text}`,
      ...(peers.length > 0 ? ['  unicast_peer {', ...peers, '  }'] : []),
      '  virtual_ipaddress {',
      `    ${context.apiAddress.text}/32 dev ${this.options.interface}`,
      '  }',
      '  track_script {',
      '    check_apiserver',
      '  }',
      '}',
      '',
    ].join('\n');
  }

  private checkScript(context: ApiVipHolderContext): string {
    return [
      '#!/bin/sh',
      `# keepalived's check of the node that may hold the API VIP ${context.apiAddress.text} (cdk8s-vserver): the API answers`,
      `# through this node's haproxy (port ${this.endpointPort}). Only reachability is checked; clients verify the certificate.`,
      `exec curl --silent --fail --max-time 2 --insecure --output /dev/null https://127.0.0.1:${this.endpointPort}/readyz`,
      '',
    ].join('\n');
  }

  /**
   * TCP balancing (TLS ends at the API servers, so client certificates still work) over every API server that answers
   * `GET /readyz` with 200 over TLS, checked every second: a stopped one is out within about 2 s and gets no new
   * connection. A connection that cannot reach its server is sent to another (`redispatch`). Long timeouts: watches
   * (`kubectl get -w`, every controller) are idle for minutes.
   */
  private haproxyConfig(context: ApiVipHolderContext): string {
    return [
      `# haproxy of the API VIP ${context.apiAddress.text} (cdk8s-vserver): the same on every control-plane node`,
      'global',
      '  log stdout format raw local0 info',
      '',
      'defaults',
      '  mode tcp',
      '  log global',
      '  option tcplog',
      '  option dontlognull',
      '  option redispatch',
      '  retries 2',
      '  timeout connect 2s',
      '  timeout client 1h',
      '  timeout server 1h',
      '  timeout check 2s',
      '',
      'frontend kube-apiserver',
      `  bind *:${this.endpointPort}`,
      '  default_backend kube-apiserver',
      '',
      'backend kube-apiserver',
      '  balance roundrobin',
      '  option httpchk GET /readyz',
      '  http-check expect status 200',
      '  default-server check check-ssl verify none inter 1s fall 2 rise 2',
      ...context.nodes.map((n) => `  server ${n.name} ${n.address.text}:${API_SERVER_PORT}`),
      '',
    ].join('\n');
  }

  /** keepalived needs the node's network and NET_ADMIN, NET_RAW and NET_BROADCAST (VRRP, the VIP), nothing else. */
  private keepalivedPod(image: string): string {
    return staticPod({
      metadata: { name: 'keepalived', namespace: 'kube-system', labels: { 'app.kubernetes.io/name': 'keepalived', 'app.kubernetes.io/component': 'api-vip' } },
      spec: {
        hostNetwork: true,
        priorityClassName: 'system-node-critical',
        securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
        containers: [{
          name: 'keepalived',
          image,
          imagePullPolicy: 'IfNotPresent',
          args: ['--dont-fork', '--log-console', '--vrrp', '--use-file', KEEPALIVED_CONF],
          securityContext: {
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ['ALL'], add: ['NET_ADMIN', 'NET_BROADCAST', 'NET_RAW'] },
          },
          resources: containerResources('10m', '16Mi', '100m', '64Mi'),
          volumeMounts: [
            { name: 'config', mountPath: KEEPALIVED_CONF, readOnly: true },
            { name: 'check', mountPath: CHECK_SCRIPT, readOnly: true },
            { name: 'run', mountPath: '/run' },
          ],
        }],
        volumes: [
          { name: 'config', hostPath: { path: KEEPALIVED_CONF, type: 'File' } },
          { name: 'check', hostPath: { path: CHECK_SCRIPT, type: 'File' } },
          { name: 'run', emptyDir: { medium: 'Memory' } },
        ],
      },
    });
  }

  /** haproxy as nobody (65534) on an unprivileged port, with no capability, a read-only root and its liveness on /readyz through itself. */
  private haproxyPod(image: string): string {
    return staticPod({
      metadata: { name: 'haproxy', namespace: 'kube-system', labels: { 'app.kubernetes.io/name': 'haproxy', 'app.kubernetes.io/component': 'api-vip' } },
      spec: {
        hostNetwork: true,
        priorityClassName: 'system-node-critical',
        securityContext: { runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, seccompProfile: { type: 'RuntimeDefault' } },
        containers: [{
          name: 'haproxy',
          image,
          imagePullPolicy: 'IfNotPresent',
          args: ['-W', '-db', '-f', HAPROXY_CFG],
          securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
          resources: containerResources('25m', '32Mi', '500m', '128Mi'),
          livenessProbe: {
            httpGet: { host: '127.0.0.1', path: '/readyz', port: k8s.IntOrString.fromNumber(this.endpointPort), scheme: 'HTTPS' },
            failureThreshold: 8,
            periodSeconds: 10,
            timeoutSeconds: 5,
          },
          volumeMounts: [{ name: 'config', mountPath: HAPROXY_CFG, readOnly: true }],
        }],
        volumes: [{ name: 'config', hostPath: { path: HAPROXY_CFG, type: 'File' } }],
      },
    });
  }
}

/**
 * The environment variables `kube-vip manifest pod` v1.2.3 renders for `--controlplane --arp --leaderElection`, in its
 * order (`pkg/kubevip/config_generator.go`), with `--address` for the VIP: each name is one of that release's
 * `pkg/kubevip/config_envvar.go`.
 */
export const KUBE_VIP_CONTROL_PLANE_ENV: readonly string[] = [
  'vip_arp', 'port', 'vip_nodename', 'vip_interface', 'cp_enable', 'cp_namespace', 'vip_leaderelection', 'vip_leasename',
  'vip_leaseduration', 'vip_renewdeadline', 'vip_retryperiod', 'address', 'prometheus_server',
];

class KubeVipHolder extends ApiVipHolder {
  public readonly kind = 'kube-vip';
  public readonly virtualRouterId = undefined;
  public readonly endpointPort = API_SERVER_PORT;
  constructor(private readonly options: KubeVipControlPlaneOptions) {
    super();
  }

  public validate(scope: IConstruct, prop: string): void {
    requireInterface(scope, `${prop} interface`, this.options.interface);
    requireInteger(scope, `${prop} leaseDurationSeconds`, this.options.leaseDurationSeconds ?? 15, 3, 300);
    if (this.options.image) requirePinnedImage(scope, `${prop} image`, this.options.image);
  }

  public render(context: ApiVipHolderContext): NodeFile[] {
    const image = (this.options.image ?? ImageReference.of(KUBE_VIP_IMAGE)).reference;
    OperatorContract.of(context.scope).pullsCopyOf(ImageReference.of(image), ImageReference.of(KUBE_VIP_IMAGE));
    const lease = this.options.leaseDurationSeconds ?? 15;
    const timings = kubeVipLeaderElection(lease);
    const env: k8s.EnvVar[] = [
      { name: 'vip_arp', value: 'true' },
      { name: 'port', value: `${API_SERVER_PORT}` },
      { name: 'vip_nodename', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
      ...(this.options.interface ? [{ name: 'vip_interface', value: this.options.interface }] : []),
      { name: 'cp_enable', value: 'true' },
      { name: 'cp_namespace', value: 'kube-system' },
      { name: 'vip_leaderelection', value: 'true' },
      { name: 'vip_leasename', value: 'plndr-cp-lock' },
      { name: 'vip_leaseduration', value: `${lease}` },
      { name: 'vip_renewdeadline', value: `${timings.renew}` },
      { name: 'vip_retryperiod', value: `${timings.retry}` },
      { name: 'address', value: context.apiAddress.text },
      { name: 'prometheus_server', value: ':2112' },
    ];
    const pod = (kubeconfig: string) => staticPod({
      metadata: {
        name: 'kube-vip',
        namespace: 'kube-system',
        labels: { 'app.kubernetes.io/name': 'kube-vip', 'app.kubernetes.io/version': KUBE_VIP_VERSION, 'app.kubernetes.io/component': 'api-vip' },
      },
      spec: {
        hostNetwork: true,
        hostAliases: [{ ip: '127.0.0.1', hostnames: ['kubernetes'] }],
        priorityClassName: 'system-node-critical',
        securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
        containers: [{
          name: 'kube-vip',
          image,
          imagePullPolicy: 'IfNotPresent',
          args: ['manager'],
          env,
          // upstream's capabilities; its root filesystem as upstream leaves it (what kube-vip writes is not documented)
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'], add: ['NET_ADMIN', 'NET_RAW'] } },
          resources: containerResources('10m', '32Mi', '200m', '128Mi'),
          volumeMounts: [{ name: 'kubeconfig', mountPath: '/etc/kubernetes/admin.conf', readOnly: true }],
        }],
        volumes: [{ name: 'kubeconfig', hostPath: { path: kubeconfig, type: 'File' } }],
      },
    });
    const joined = pod('/etc/kubernetes/admin.conf');
    return [
      // during `kubeadm init` only super-admin.conf has rights (Kubernetes 1.29+)
      { path: `${context.folderOf(0)}/etc/kubernetes/manifests/kube-vip.yaml`, content: pod('/etc/kubernetes/super-admin.conf') },
      { path: `${context.folderOf(0)}-after-init/etc/kubernetes/manifests/kube-vip.yaml`, content: joined },
      ...context.nodes.slice(1).map((_, j) => ({ path: `${context.folderOf(j + 1)}/etc/kubernetes/manifests/kube-vip.yaml`, content: joined })),
    ];
  }
}
