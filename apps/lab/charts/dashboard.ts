import { DashboardVip, KubernetesDashboard } from '@cdk8s-vserver/dashboard';
import { KeepalivedVip } from '@cdk8s-vserver/vip';
import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { LAB, LAB_LABELS } from '../site';

/** Props of {@link DashboardChart}. */
export interface DashboardChartProps {
  /** The kube-keepalived-vip that publishes the Dashboard. */
  readonly vip: KeepalivedVip;
}

/** The Kubernetes Dashboard (its own namespace) on its VIP. */
export class DashboardChart extends Chart {
  public readonly dashboard: KubernetesDashboard;

  constructor(scope: Construct, id: string, props: DashboardChartProps) {
    super(scope, id, { disableResourceNameHashes: true, labels: LAB_LABELS });
    this.dashboard = new KubernetesDashboard(this, 'Dashboard');
    new DashboardVip(this, 'DashboardVip', { vip: props.vip, dashboard: this.dashboard, address: LAB.vips.dashboard });
  }
}
