import { App } from 'cdk8s';
import { DocrootChart } from './charts/docroot';
import { WebChart } from './charts/web';

/** The charts of the reference site, in apply order. */
export interface LabCharts {
  readonly docroot: DocrootChart;
  readonly web: WebChart;
}

/**
 * Adds the reference site's charts to `app`. Each chart becomes one file of dist/lab, numbered in the order
 * `kubectl apply -f dist/lab` needs (dependencies first).
 *
 * The virtual IPs (kube-keepalived-vip) and the Kubernetes Dashboard come as charts of their own, after the
 * web chart.
 */
export function buildLab(app: App): LabCharts {
  const docroot = new DocrootChart(app, 'docroot');
  const web = new WebChart(app, 'web', { docroot: docroot.docroot });
  web.addDependency(docroot);
  return { docroot, web };
}
