import {
  AppChecks, clusterScoped, containerResources, ImageReference, k8s, MANAGED_BY, OperatorContract, requireImagePullSecrets, requireInteger,
  requireInterfaceName, requirePinnedImage, Warnings,
} from '@cdk8s-vserver/core';
import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { LoadBalancerVip, LoadBalancerVipProps } from './load-balancer-vip';
import { VipAgent } from './vip-controller';

/** The kube-vip release whose manifests this package renders (`pkg/kubevip/config_generator.go` at tag v1.2.3). */
export const KUBE_VIP_VERSION = 'v1.2.3';

/** The annotation a Service asks kube-vip for its address with (read before `spec.loadBalancerIP`). */
export const KUBE_VIP_ADDRESS_ANNOTATION = 'kube-vip.io/loadbalancerIPs';

/**
 * kube-vip's leader election for a Lease of `lease` seconds (`vip_leaseduration`): the renew deadline and retry
 * period in upstream's ratio (its defaults are 15/10/2: the deadline two thirds of the lease, the retry a seventh).
 */
export function kubeVipLeaderElection(lease: number): { readonly renew: number; readonly retry: number } {
  return { renew: Math.max(2, Math.floor((lease * 2) / 3)), retry: Math.max(1, Math.floor(lease / 7)) };
}

/** Upstream's image of that release. */
export const KUBE_VIP_IMAGE = `ghcr.io/kube-vip/kube-vip:${KUBE_VIP_VERSION}`;

/**
 * Props of {@link KubeVip}. `nodeRole` is the role kube-vip runs on (its DaemonSet's nodeSelector): its pods elect a
 * leader through a Lease; the leader answers ARP for the VIPs, and another takes over when it stops renewing.
 */
export interface KubeVipProps extends LoadBalancerVipProps {
  /**
   * The kube-vip image, pinned. The environment rendered is that of kube-vip v1.2.3; another tag gets a synth-time
   * warning.
   * @default ImageReference.of('ghcr.io/kube-vip/kube-vip:v1.2.3')
   */
  readonly image?: ImageReference | undefined;

  /**
   * Secrets (`kubernetes.io/dockerconfigjson`, in kube-system, the controller's namespace) with the credentials of a registry that asks
   * for them (Harbor, a registry with basic auth): `kubectl create secret docker-registry <name> --docker-server=...`.
   * @default - none: the registry is open to the nodes
   */
  readonly imagePullSecrets?: string[] | undefined;

  /**
   * The interface the VIPs are added to (`vip_interface`, e.g. `eth0`).
   * @default - the interface of the node's default route
   */
  readonly interface?: string | undefined;

  /**
   * One leader per Service (`svc_election`) instead of one for every VIP: spreads the VIPs over the routers.
   * @default false
   */
  readonly servicesElection?: boolean | undefined;

  /**
   * The leader's Lease (seconds): how long the VIPs stay on a router that stopped renewing, so roughly the longest
   * failover. Renew deadline and retry period keep upstream's ratio (15/10/2).
   * @default 15 - upstream's default
   */
  readonly leaseDurationSeconds?: number | undefined;
}

/**
 * kube-vip in ARP mode holding the site's VIPs for `type: LoadBalancer` Services: its ServiceAccount, ClusterRole and
 * ClusterRoleBinding exactly as `kube-vip manifest rbac` v1.2.3 generates them, and its DaemonSet (`kube-vip-ds`, as
 * `kube-vip manifest daemonset --services --arp --leaderElection --inCluster` renders it) on the router role's nodes,
 * in the node's network with only NET_ADMIN and NET_RAW. `expose()` makes the Service `type: LoadBalancer` with
 * the annotation `kube-vip.io/loadbalancerIPs: <address>` and no node ports; it never sets `externalIPs`.
 *
 * Put it in a chart of namespace `kube-system` (or give the chart another namespace: the Leases live there too).
 */
export class KubeVip extends LoadBalancerVip {
  /** `kube-vip`. */
  public readonly backend = 'kube-vip';
  /** `kube-vip.io/loadbalancerIPs`. */
  public readonly addressAnnotation = KUBE_VIP_ADDRESS_ANNOTATION;
  /** Namespace of the DaemonSet, its ServiceAccount and the Leases. */
  public readonly namespace: string;
  /** `kube-vip`. */
  public readonly serviceAccount: k8s.KubeServiceAccount;
  /** `system:kube-vip-role`, as upstream generates it. */
  public readonly clusterRole: k8s.KubeClusterRole;
  /** `system:kube-vip-binding`. */
  public readonly clusterRoleBinding: k8s.KubeClusterRoleBinding;
  /** `kube-vip-ds`, on the router role. */
  public readonly daemonSet: k8s.KubeDaemonSet;
  /** Its DaemonSet, as a site's monitoring watches it. */
  public get agent(): VipAgent {
    return { namespace: this.namespace, name: this.daemonSet.name, what: 'the VIP controller', nodes: 'router' };
  }

  constructor(scope: Construct, id: string, props: KubeVipProps) {
    super(scope, id, props);
    this.namespace = Chart.of(this).namespace ?? 'kube-system';
    const image = requirePinnedImage(this, 'image', props.image ?? ImageReference.of(KUBE_VIP_IMAGE));
    OperatorContract.of(this).pullsCopyOf(image, ImageReference.of(KUBE_VIP_IMAGE));
    if (image.tag !== undefined && image.tag !== KUBE_VIP_VERSION) {
      Warnings.of(this).add(`'image' ${image.reference} is not tagged ${KUBE_VIP_VERSION}: the environment rendered is that of kube-vip `
        + `${KUBE_VIP_VERSION}. Use a ${KUBE_VIP_VERSION} image, or check each variable against that release's pkg/kubevip/config_envvar.go.`);
    }
    const lease = requireInteger(this, 'leaseDurationSeconds', props.leaseDurationSeconds ?? 15, 3, 300);
    const { renew, retry } = kubeVipLeaderElection(lease);
    if (props.interface !== undefined) requireInterfaceName(this, 'interface', props.interface, 'router nodes');
    AppChecks.of(this).trust(this);

    const meta = { labels: { 'app.kubernetes.io/name': 'kube-vip-ds', 'app.kubernetes.io/version': KUBE_VIP_VERSION, ...MANAGED_BY } };
    // namespaced objects name their namespace: the binding's subject and the Leases must find them there
    this.serviceAccount = new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata: { name: 'kube-vip', namespace: this.namespace, ...meta } });
    this.clusterRole = clusterScoped(new k8s.KubeClusterRole(this, 'ClusterRole', {
      metadata: { name: 'system:kube-vip-role', ...meta },
      rules: [
        { apiGroups: [''], resources: ['services/status'], verbs: ['update'] },
        { apiGroups: [''], resources: ['services', 'endpoints'], verbs: ['list', 'get', 'watch', 'update'] },
        { apiGroups: [''], resources: ['nodes'], verbs: ['list', 'get', 'watch', 'update', 'patch'] },
        { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['list', 'get', 'watch', 'update', 'create'] },
        { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'get', 'watch', 'update'] },
        { apiGroups: [''], resources: ['pods'], verbs: ['list'] },
      ],
    }));
    this.clusterRoleBinding = clusterScoped(new k8s.KubeClusterRoleBinding(this, 'ClusterRoleBinding', {
      metadata: { name: 'system:kube-vip-binding', ...meta },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:kube-vip-role' },
      subjects: [{ kind: 'ServiceAccount', name: 'kube-vip', namespace: this.namespace }],
    }));

    const env: k8s.EnvVar[] = [
      { name: 'vip_arp', value: 'true' },
      { name: 'port', value: '6443' },
      { name: 'vip_nodename', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
      ...(props.interface ? [{ name: 'vip_interface', value: props.interface }] : []),
      { name: 'svc_enable', value: 'true' },
      { name: 'svc_leasename', value: 'plndr-svcs-lock' },
      ...(props.servicesElection ? [{ name: 'svc_election', value: 'true' }] : []),
      { name: 'vip_leaderelection', value: 'true' },
      { name: 'vip_leasename', value: 'plndr-cp-lock' },
      { name: 'vip_leaseduration', value: `${lease}` },
      { name: 'vip_renewdeadline', value: `${renew}` },
      { name: 'vip_retryperiod', value: `${retry}` },
      { name: 'prometheus_server', value: ':2112' },
    ];
    const selector = { 'app.kubernetes.io/name': 'kube-vip-ds' };
    this.daemonSet = new k8s.KubeDaemonSet(this, 'DaemonSet', {
      metadata: { name: 'kube-vip-ds', namespace: this.namespace, ...meta },
      spec: {
        selector: { matchLabels: selector },
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: k8s.IntOrString.fromNumber(1) } },
        template: {
          metadata: meta,
          spec: {
            hostNetwork: true,
            nodeSelector: this.nodeRole.nodeSelector,
            serviceAccountName: 'kube-vip',
            // leader election and Service watches go through the API
            automountServiceAccountToken: true,
            imagePullSecrets: requireImagePullSecrets(this, 'imagePullSecrets', props.imagePullSecrets),
            containers: [{
              name: 'kube-vip',
              image: image.reference,
              imagePullPolicy: 'IfNotPresent',
              args: ['manager'],
              env,
              securityContext: { capabilities: { add: ['NET_ADMIN', 'NET_RAW'], drop: ['ALL'] } },
              resources: containerResources('50m', '64Mi', '500m', '256Mi'),
            }],
          },
        },
      },
    });
  }
}
