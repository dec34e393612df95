export * from './log-collector';
export * from './site-monitoring';
/** The Prometheus Operator's PodMonitor and PrometheusRule (v0.93.0), as `cdk8s import` generates them. */
export * as monitoring from './imports/monitoring.coreos.com';
