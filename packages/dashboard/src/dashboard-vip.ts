import { KeepalivedVip, VipEntry, VipMethod } from '@cdk8s-vserver/vip';
import { Construct } from 'constructs';
import { KubernetesDashboard } from './kubernetes-dashboard';

/** Props of {@link DashboardVip}. */
export interface DashboardVipProps {
  /** The Dashboard to publish. */
  readonly dashboard: KubernetesDashboard;
  /** The kube-keepalived-vip that holds the VIP. */
  readonly vip: KeepalivedVip;
  /** The VIP, a host address of the site's LAN (`192.168.1.33`). */
  readonly address: string;
  /**
   * How IPVS forwards the traffic.
   * @default VipMethod.NAT
   */
  readonly method?: VipMethod;
}

/**
 * Publishes the Kubernetes Dashboard's Service (port 443) on a VIP: the ConfigMap entry and the Service's
 * externalIPs come from the one `address`, through {@link KeepalivedVip.expose}.
 */
export class DashboardVip extends Construct {
  /** The published entry. */
  public readonly entry: VipEntry;

  constructor(scope: Construct, id: string, props: DashboardVipProps) {
    super(scope, id);
    this.entry = props.vip.expose(props.dashboard.service, props.address, { method: props.method });
  }
}
