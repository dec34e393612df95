import { Ipv4Address, Ipv4Subnet, NodeRole, requireIpv4Subnet, requireNodeRole, SiteError } from '@cdk8s-vserver/core';
import { ApiObject, JsonPatch } from 'cdk8s';
import { Construct } from 'constructs';
import { IVipController, registerVipController, VipAgent, VipEntry, VipExposeOptions, VipTable } from './vip-controller';

/** What every load-balancer backend ({@link MetalLbVip}, {@link KubeVip}) takes. */
export interface LoadBalancerVipProps {
  /** The site's LAN (`Ipv4Subnet.of('192.168.1.0/24')`); every VIP must be a host address of it. */
  readonly lanSubnet: Ipv4Subnet;

  /**
   * The node role that holds the VIPs (answers ARP for them). With two or more such nodes, a VIP moves when its
   * holder fails.
   * @default NodeRole.ROUTER
   */
  readonly nodeRole?: NodeRole | undefined;
}

/**
 * The backends that hold VIPs for `type: LoadBalancer` Services (MetalLB and kube-vip): the Service asks for its
 * address through the backend's annotation, without node ports; `externalIPs` are never set. They differ in what
 * they emit beside it and in the annotation.
 */
export abstract class LoadBalancerVip extends Construct implements IVipController {
  /** Which controller this is, for messages and the site picture. */
  public abstract readonly backend: string;
  /** The DaemonSet on the routers that holds the VIPs. */
  public abstract readonly agent: VipAgent;
  /** The Service annotation the controller reads the requested address from. */
  public abstract readonly addressAnnotation: string;
  /** The LAN the VIPs belong to. */
  public readonly lanSubnet: Ipv4Subnet;
  /** The node role that holds the VIPs. */
  public readonly nodeRole: NodeRole;

  private readonly table = new VipTable(this);

  protected constructor(scope: Construct, id: string, props: LoadBalancerVipProps) {
    super(scope, id);
    this.lanSubnet = requireIpv4Subnet(this, 'lanSubnet', props.lanSubnet);
    this.nodeRole = requireNodeRole(this, 'nodeRole', props.nodeRole ?? NodeRole.ROUTER);
    registerVipController(this);
  }

  /**
   * Publishes `service` on the VIP `address`: makes the Service `type: LoadBalancer` asking for exactly that
   * address (through {@link addressAnnotation}), without node ports. Refuses a Service that has `externalIPs`
   * (clusters with the DenyServiceExternalIPs admission plugin refuse them) or is of another type, and an IPVS
   * `method` (only kube-keepalived-vip forwards with IPVS).
   */
  public expose(service: ApiObject, address: Ipv4Address, options: VipExposeOptions = {}): VipEntry {
    if (options.method !== undefined) {
      throw SiteError.invalidProp(this, 'expose method', options.method, `be left out: only kube-keepalived-vip forwards with IPVS, and this is ${this.backend}`);
    }
    const entry = this.table.add(service, address);
    const spec = service.toJson().spec ?? {};
    if (Array.isArray(spec.externalIPs) && spec.externalIPs.length > 0) {
      throw SiteError.invalidProp(this, 'expose service', `${service.kind}/${service.name}`,
        `have no spec.externalIPs (it has ${spec.externalIPs.join(', ')}): ${this.backend} announces the address of a type: LoadBalancer `
        + 'Service, and externalIPs are refused by clusters with the DenyServiceExternalIPs admission plugin. Remove them');
    }
    if (spec.type !== undefined && spec.type !== 'ClusterIP' && spec.type !== 'LoadBalancer') {
      throw SiteError.invalidProp(this, 'expose service', `${service.kind}/${service.name}`,
        `be of type ClusterIP or LoadBalancer (it is ${spec.type}): it becomes type LoadBalancer`);
    }
    service.metadata.addAnnotation(this.addressAnnotation, entry.address);
    service.addJsonPatch(JsonPatch.add('/spec/type', 'LoadBalancer'));
    // Node ports would publish the server on every node's address besides the VIP.
    service.addJsonPatch(JsonPatch.add('/spec/allocateLoadBalancerNodePorts', false));
    // the client's own address reaches the pods: kube-proxy hands the VIP's traffic only to pods on the node that
    // answers for it, without masquerading it to the node's address
    if (options.keepClientAddress) service.addJsonPatch(JsonPatch.add('/spec/externalTrafficPolicy', 'Local'));
    return entry;
  }

  /**
   * Holds `address` for a Gateway: its implementation's LoadBalancer Service asks for it (from the Gateway's
   * `spec.addresses`), and this controller announces it.
   */
  public exposeGateway(gateway: ApiObject, address: Ipv4Address, ports: number[]): VipEntry {
    return this.table.add(gateway, address, 'Gateway', ports);
  }

  /** Every VIP published so far, sorted by address. */
  public get vips(): VipEntry[] {
    return this.table.sorted;
  }
}
