import { Ipv4Address } from '@cdk8s-vserver/core';
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { KeepalivedVip, VipEntry, VipMethod } from './keepalived-vip';

/** Props of {@link ServiceVip}. */
export interface ServiceVipProps {
  /** The kube-keepalived-vip that holds the VIP. */
  readonly vip: KeepalivedVip;
  /** The Service to publish: a `k8s.KubeService` (`WebSshServer.service`) or any cdk8s `ApiObject` of kind Service. */
  readonly service: ApiObject;
  /** The VIP, a host address of the site's LAN (`Ipv4Address.of('192.168.1.31')`). */
  readonly address: Ipv4Address;
  /**
   * How IPVS forwards the traffic.
   * @default VipMethod.NAT
   */
  readonly method?: VipMethod;
}

/**
 * A Service published on a VIP: the ConfigMap entry `address: namespace/service` and the Service's `externalIPs`
 * come from the one `address`, through {@link KeepalivedVip.expose}.
 */
export class ServiceVip extends Construct {
  /** The published entry. */
  public readonly entry: VipEntry;

  constructor(scope: Construct, id: string, props: ServiceVipProps) {
    super(scope, id);
    this.entry = props.vip.expose(props.service, props.address, { method: props.method });
  }
}
