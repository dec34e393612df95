import { AppChecks, Ipv4Address, MANAGED_BY, OperatorContract, requireDnsLabel, requireInterfaceName, resourceName } from '@cdk8s-vserver/core';
import { ApiObject, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { IpAddressPool, L2Advertisement } from './imports/metallb.io';
import { LoadBalancerVip, LoadBalancerVipProps } from './load-balancer-vip';
import { VipAgent, VipEntry } from './vip-controller';

/**
 * The MetalLB release whose custom resources this package emits: `src/imports/metallb.io.ts` is `cdk8s import` of
 * that release's CRDs (`crds/metallb-v0.16.1/`, `config/crd/bases` at tag v0.16.1).
 */
export const METALLB_VERSION = 'v0.16.1';

/** The annotation a Service asks MetalLB for its address with (MetalLB 0.13+; `spec.loadBalancerIP` is deprecated). */
export const METALLB_ADDRESS_ANNOTATION = 'metallb.io/loadBalancerIPs';

/** The namespace upstream's manifests and Helm chart install MetalLB in. */
export const METALLB_NAMESPACE = 'metallb-system';
/** The DaemonSet upstream's manifest runs on every node, whose speakers announce the VIPs. */
export const METALLB_SPEAKER = 'speaker';
/** The API group of MetalLB's custom resources. */
export const METALLB_GROUP = 'metallb.io';

/** How MetalLB itself is installed, pinned to {@link METALLB_VERSION} (its controller, speakers, CRDs and webhook). */
export const METALLB_INSTALL = `kubectl apply -f https://raw.githubusercontent.com/metallb/metallb/${METALLB_VERSION}/config/manifests/metallb-native.yaml`;

/** What the operator prints when the cluster lacks MetalLB's API group or namespace. */
const METALLB_INSTALL_HINT = `Install MetalLB first (docs/vip.md, "Moving off archived components"): ${METALLB_INSTALL}`;

/** The kinds of MetalLB's custom resources this package emits. */
export const METALLB_POOL_KIND = IpAddressPool.GVK.kind;
export const METALLB_ADVERTISEMENT_KIND = L2Advertisement.GVK.kind;

/** Props of {@link MetalLbVip}. `nodeRole` is the role that answers ARP (the L2Advertisement's `nodeSelectors`). */
export interface MetalLbVipProps extends LoadBalancerVipProps {
  /**
   * Name of the IPAddressPool and the L2Advertisement.
   * @default 'vserver-vips'
   */
  readonly name?: string | undefined;

  /**
   * The namespace MetalLB is installed in: MetalLB reads its custom resources from there only.
   * @default 'metallb-system' - upstream's manifests and Helm chart
   */
  readonly namespace?: string | undefined;

  /**
   * The interfaces the VIPs are announced on (`eth0`).
   * @default - every interface of the node
   */
  readonly interfaces?: string[] | undefined;
}

/**
 * MetalLB in layer 2 mode holding the site's VIPs: an `IPAddressPool` of exactly the VIPs published (one `/32`
 * each, never handed out on its own: `autoAssign: false`, and only to the namespaces of the Services published) and
 * an `L2Advertisement` of that pool limited to the router role's nodes. `expose()` makes the Service
 * `type: LoadBalancer` with the annotation `metallb.io/loadBalancerIPs: <address>` and no node ports; it never
 * sets `externalIPs`.
 *
 * MetalLB itself (its controller, speakers, CRDs and webhook) is installed from upstream's pinned manifest first
 * (docs/vip.md, "Moving off archived components"): its namespace is not created here.
 */
export class MetalLbVip extends LoadBalancerVip {
  /** `metallb`. */
  public readonly backend = 'metallb';
  /** `metallb.io/loadBalancerIPs`. */
  public readonly addressAnnotation = METALLB_ADDRESS_ANNOTATION;
  /** Name of the pool and the advertisement. */
  public readonly name: string;
  /** MetalLB's namespace. */
  public readonly namespace: string;
  /** The pool: one `/32` per published VIP. */
  public readonly addressPool: IpAddressPool;
  /** The pool announced by ARP from the router role's nodes. */
  public readonly l2Advertisement: L2Advertisement;
  /**
   * The pool of the Gateways' VIPs (`exposeGateway`), `<name>-gateways`, for a Service in any namespace (a Gateway's
   * implementation may make its Service in its own); made with the first.
   */
  public get gatewayPool(): IpAddressPool | undefined {
    return this.gatewaysPool;
  }
  private gatewaysPool?: IpAddressPool;
  /** MetalLB's speaker, from upstream's manifest: the DaemonSet that answers ARP for the VIPs. */
  public get agent(): VipAgent {
    return { namespace: this.namespace, name: METALLB_SPEAKER, what: "MetalLB's speaker (the VIP controller)", nodes: 'node' };
  }

  constructor(scope: Construct, id: string, props: MetalLbVipProps) {
    super(scope, id, props);
    this.name = resourceName(this, 'name', props.name, 'vserver-vips');
    this.namespace = requireDnsLabel(this, 'namespace', props.namespace ?? METALLB_NAMESPACE);
    OperatorContract.of(this).installHint({ apiGroup: METALLB_GROUP, namespace: this.namespace, install: METALLB_INSTALL_HINT });
    (props.interfaces ?? []).forEach((name, i) => requireInterfaceName(this, `interfaces[${i}]`, name, 'router nodes'));
    // MetalLB's own manifests create its namespace.
    AppChecks.of(this).allowExternalNamespace(this.namespace);

    const labels = { 'app.kubernetes.io/name': 'metallb', 'app.kubernetes.io/instance': this.name, ...MANAGED_BY };
    const metadata = { name: this.name, namespace: this.namespace, labels };
    this.addressPool = new IpAddressPool(this, 'IPAddressPool', {
      metadata,
      spec: {
        addresses: Lazy.any({ produce: () => this.services.map((e) => `${e.address}/32`) }),
        autoAssign: false,
        serviceAllocation: {
          namespaces: Lazy.any({ produce: () => [...new Set(this.services.map((e) => e.service.split('/')[0]))].sort() }),
        },
      },
    });
    this.l2Advertisement = new L2Advertisement(this, 'L2Advertisement', {
      metadata,
      spec: {
        ipAddressPools: Lazy.any({ produce: () => [this.name, ...(this.gatewayPool ? [this.gatewayPool.name] : [])] }) as unknown as string[],
        nodeSelectors: [{ matchLabels: this.nodeRole.nodeSelector }],
        interfaces: props.interfaces,
      },
    });
  }

  /** Holds `address` for a Gateway, in the pool of the Gateways' VIPs. */
  public exposeGateway(gateway: ApiObject, address: Ipv4Address, ports: number[]): VipEntry {
    const entry = super.exposeGateway(gateway, address, ports);
    this.gatewaysPool ??= new IpAddressPool(this, 'GatewayIPAddressPool', {
      metadata: { ...this.addressPool.metadata.toJson(), name: `${this.name}-gateways` },
      spec: {
        addresses: Lazy.any({ produce: () => this.vips.filter((e) => e.kind === 'Gateway').map((e) => `${e.address}/32`) }),
        autoAssign: false,
      },
    });
    return entry;
  }

  /** The VIPs of the site's own Services (not the Gateways'). */
  private get services(): VipEntry[] {
    return this.vips.filter((e) => e.kind !== 'Gateway');
  }
}
