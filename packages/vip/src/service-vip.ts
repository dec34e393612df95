import { Ipv4Address, SiteError } from '@cdk8s-vserver/core';
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { KeepalivedVip, VipMethod } from './keepalived-vip';
import { IVipController, VipEntry } from './vip-controller';

/** Props of {@link ServiceVip}. */
export interface ServiceVipProps {
  /** What holds the VIP: a {@link KeepalivedVip}, {@link MetalLbVip} or {@link KubeVip}. */
  readonly vip: IVipController;
  /** The Service to publish: a `k8s.KubeService` (`WebSshServer.service`) or any cdk8s `ApiObject` of kind Service. */
  readonly service: ApiObject;
  /** The VIP, a host address of the site's LAN (`Ipv4Address.of('192.168.1.31')`). */
  readonly address: Ipv4Address;
  /**
   * How IPVS forwards the traffic (kube-keepalived-vip only; MetalLB and kube-vip hand it to kube-proxy).
   * @default VipMethod.NAT
   */
  readonly method?: VipMethod;
}

/**
 * A Service published on a VIP, from the one `address`, through whichever controller holds the site's VIPs:
 * - kube-keepalived-vip: the ConfigMap entry `address: namespace/service` and the Service's `externalIPs`;
 * - MetalLB (L2) and kube-vip (ARP): a `type: LoadBalancer` Service whose annotation asks for the address, and no
 *   `externalIPs`.
 */
export class ServiceVip extends Construct {
  /** The published entry. */
  public readonly entry: VipEntry;

  constructor(scope: Construct, id: string, props: ServiceVipProps) {
    super(scope, id);
    if (props.vip instanceof KeepalivedVip) {
      this.entry = props.vip.expose(props.service, props.address, { method: props.method });
    } else if (props.method !== undefined) {
      throw SiteError.invalidProp(this, 'method', props.method,
        `be left out: only kube-keepalived-vip forwards with IPVS, and [${props.vip.node.path}] is ${props.vip.backend}`);
    } else {
      this.entry = props.vip.expose(props.service, props.address);
    }
  }
}
