import { Ipv4Address } from '@cdk8s-vserver/core';
import { IVipController, ServiceVip, VipMethod } from '@cdk8s-vserver/vip';
import { Construct } from 'constructs';
import { KubernetesDashboard } from './kubernetes-dashboard';

/** Props of {@link DashboardVip}: those of a `ServiceVip`, with the Dashboard in place of the Service. */
export interface DashboardVipProps {
  /** What holds the VIP: a `KeepalivedVip`, `MetalLbVip` or `KubeVip`. */
  readonly vip: IVipController;
  /** The Dashboard to publish. */
  readonly dashboard: KubernetesDashboard;
  /** The VIP, a host address of the site's LAN (`Ipv4Address.of('192.168.1.33')`). */
  readonly address: Ipv4Address;
  /**
   * How IPVS forwards the traffic (kube-keepalived-vip only).
   * @default VipMethod.NAT
   */
  readonly method?: VipMethod;
}

/**
 * The Kubernetes Dashboard's Service (port 443) on a VIP: a {@link ServiceVip} of the Dashboard's Service.
 */
export class DashboardVip extends ServiceVip {
  constructor(scope: Construct, id: string, props: DashboardVipProps) {
    super(scope, id, { vip: props.vip, service: props.dashboard.service, address: props.address, method: props.method });
  }
}
