import * as fs from 'fs';
import * as path from 'path';

/**
 * Debian's Prometheus (bookworm's 2.42, trixie's 2.53) is built without Kubernetes service discovery: it refuses
 * `kubernetes_sd_configs`. The tests lower each such job to `file_sd_configs` whose targets carry exactly the meta
 * labels Prometheus's pod role sets (https://prometheus.io/docs/prometheus/latest/configuration/configuration/#pod),
 * read from the real API server's pods; everything else of the job (its relabelling above all) runs unchanged.
 */
export interface LoweredScrape {
  /** The scrape configurations, each `kubernetes_sd_configs` replaced by `file_sd_configs` of one file. */
  readonly configs: Record<string, any>[];
  /** The file each lowered job reads, by job name, with the namespaces its Kubernetes discovery names. */
  readonly files: Map<string, { file: string; namespaces: string[] }>;
}

export function lowerScrapeConfigs(configs: Record<string, any>[], dir: string): LoweredScrape {
  const files = new Map<string, { file: string; namespaces: string[] }>();
  const lowered = configs.map((job) => {
    if (!job.kubernetes_sd_configs) return job;
    const { kubernetes_sd_configs: sd, ...rest } = job;
    if (sd.length !== 1 || sd[0].role !== 'pod') throw new Error(`job ${job.job_name}: only one kubernetes_sd_configs of role pod is lowered`);
    const file = path.join(dir, `${job.job_name}.json`);
    if (!fs.existsSync(file)) fs.writeFileSync(file, '[]');
    files.set(job.job_name, { file, namespaces: sd[0].namespaces?.names ?? [] });
    return { ...rest, file_sd_configs: [{ files: [file], refresh_interval: '1s' }] };
  });
  return { configs: lowered, files };
}

/** A label name as Prometheus sanitizes it (`app.kubernetes.io/name` -> `app_kubernetes_io_name`). */
const sanitize = (name: string) => name.replace(/[^a-zA-Z0-9_]/g, '_');

/** The targets Prometheus's pod role discovers for `pods` (a `kubectl get pods -o json`'s items): one per container port. */
export function podTargets(pods: any[]): Array<{ targets: string[]; labels: Record<string, string> }> {
  return pods.filter((p) => p.status?.podIP).flatMap((p) => {
    const ready = (p.status.conditions ?? []).find((c: any) => c.type === 'Ready')?.status === 'True';
    const pod: Record<string, string> = {
      __meta_kubernetes_namespace: p.metadata.namespace,
      __meta_kubernetes_pod_name: p.metadata.name,
      __meta_kubernetes_pod_ip: p.status.podIP,
      __meta_kubernetes_pod_node_name: p.spec.nodeName ?? '',
      __meta_kubernetes_pod_ready: String(ready),
      __meta_kubernetes_pod_phase: p.status.phase,
      ...Object.fromEntries(Object.entries(p.metadata.labels ?? {}).flatMap(([k, v]) => [
        [`__meta_kubernetes_pod_label_${sanitize(k)}`, String(v)], [`__meta_kubernetes_pod_labelpresent_${sanitize(k)}`, 'true'],
      ])),
    };
    return (p.spec.containers as any[]).flatMap((c) => (c.ports ?? []).map((port: any) => ({
      targets: [`${p.status.podIP}:${port.containerPort}`],
      labels: {
        ...pod,
        __meta_kubernetes_pod_container_name: c.name,
        __meta_kubernetes_pod_container_port_name: port.name ?? '',
        __meta_kubernetes_pod_container_port_number: String(port.containerPort),
        __meta_kubernetes_pod_container_port_protocol: port.protocol ?? 'TCP',
      },
    })));
  });
}
