import { App } from 'cdk8s';
import { DashboardChart } from './charts/dashboard';
import { DocrootChart } from './charts/docroot';
import { KeepalivedChart } from './charts/keepalived';
import { WebChart } from './charts/web';

/** The charts of the reference site, in apply order. */
export interface LabCharts {
  readonly keepalived: KeepalivedChart;
  readonly docroot: DocrootChart;
  readonly web: WebChart;
  readonly dashboard: DashboardChart;
}

/** Changes to the reference site, for a rollout or a test. */
export interface LabOptions {
  /**
   * The version (image tag) myweb runs.
   * @default - LAB.myweb.version
   */
  readonly mywebVersion?: string;
}

/**
 * Adds the reference site's charts to `app`. Each chart becomes one file of dist/lab, numbered in the order
 * `kubectl apply -f dist/lab` needs: kube-keepalived-vip's RBAC and ConfigMap, the docroot, the virtual server,
 * then the Dashboard (whose file creates its namespace first).
 */
export function buildLab(app: App, options: LabOptions = {}): LabCharts {
  const keepalived = new KeepalivedChart(app, 'keepalived');
  const docroot = new DocrootChart(app, 'docroot');
  const web = new WebChart(app, 'web', { docroot: docroot.docroot, vip: keepalived.vip, version: options.mywebVersion });
  const dashboard = new DashboardChart(app, 'dashboard', { vip: keepalived.vip });
  web.addDependency(keepalived, docroot);
  dashboard.addDependency(keepalived);

  return { keepalived, docroot, web, dashboard };
}
