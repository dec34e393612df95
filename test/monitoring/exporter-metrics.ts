import * as fs from 'fs';
import * as path from 'path';

/**
 * The metrics the alert rules may select, and the labels each has, from sources nobody here writes
 * (exporter-series.json): the Apache exporter's and mtail's as Prometheus stored them from the real pods of the node
 * tier, and kube-state-metrics', kubelet's and the blackbox exporter's from their upstream documentation, pinned to a
 * version (none of them runs here). A rule that selects a metric or a label none of them has never fires.
 */
export interface ExporterMetrics {
  readonly captured: { readonly how: string; readonly metrics: Record<string, string[]> };
  readonly documented: Record<string, { readonly labels: string[]; readonly source: string; readonly job?: string }>;
}

export const EXPORTER_METRICS_FILE = path.join(__dirname, 'exporter-series.json');

export function exporterMetrics(): ExporterMetrics {
  return JSON.parse(fs.readFileSync(EXPORTER_METRICS_FILE, 'utf-8'));
}

/** One metric selected by an expression, with the label names its matchers use. */
export interface Selector { readonly metric: string; readonly labels: string[] }

const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset']);

/** Every metric a PromQL expression selects, with its matchers' label names (`time()` and `sum by (server)` are not metrics). */
export function selectorsIn(expr: string): Selector[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const selectors: Selector[] = [];
  for (const m of bare.matchAll(/(?<![\w.:])([a-zA-Z_:][a-zA-Z0-9_:]*)(?![\w:])\s*(\{[^}]*\})?(?!\s*\()/g)) {
    if (KEYWORDS.has(m[1])) continue;
    const labels = m[2] ? [...m[2].matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)/g)].map((x) => x[1]) : [];
    selectors.push({ metric: m[1], labels });
  }
  return selectors;
}

/**
 * The label names a metric's series have in Prometheus, or undefined for a metric no known exporter has: a captured
 * metric's as stored; a documented one's own labels, with `instance` and `job`, and, when a job of the site's scrape
 * configuration scrapes it, every label that job's static configs and relabelling add.
 */
export function labelsOf(metric: string, scrapeConfigs: Record<string, any>[], known: ExporterMetrics = exporterMetrics()): string[] | undefined {
  if (known.captured.metrics[metric]) return [...known.captured.metrics[metric]].sort();
  const doc = known.documented[metric];
  if (!doc) return undefined;
  const labels = new Set([...doc.labels, 'instance', 'job']);
  if (doc.job) {
    const job = scrapeConfigs.find((c) => String(c.job_name).endsWith(`-${doc.job}`));
    if (!job) throw new Error(`${metric} is scraped by the site's ${doc.job} job, which its scrape configuration lacks`);
    // a label every target has: one each static config sets
    const statics = (job.static_configs ?? []).map((s: any) => Object.keys(s.labels ?? {}));
    for (const l of statics.length ? statics[0].filter((k: string) => statics.every((s: string[]) => s.includes(k))) : []) labels.add(l);
    for (const r of job.relabel_configs ?? []) if (r.target_label && !r.target_label.startsWith('__')) labels.add(r.target_label);
  }
  return [...labels].sort();
}

/** What is wrong with an expression's selectors: each metric no exporter has, and each label its metric lacks. */
export function unknownSelections(expr: string, scrapeConfigs: Record<string, any>[], known: ExporterMetrics = exporterMetrics()): string[] {
  return selectorsIn(expr).flatMap(({ metric, labels }) => {
    const real = labelsOf(metric, scrapeConfigs, known);
    if (!real) return [`${metric}: no exporter the site scrapes has this metric`];
    return labels.filter((l) => !real.includes(l)).map((l) => `${metric}{${l}}: ${metric} has no label ${l} (it has ${real.join(', ')})`);
  });
}
