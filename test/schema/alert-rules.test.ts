import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AlertRule, RULES_FILE, RuleGroup, SCRAPE_CONFIG_FILE } from '@cdk8s-vserver/monitoring';
import { parse, stringify } from 'yaml';
import { exporterMetrics, labelsOf, unknownSelections } from '../monitoring/exporter-metrics';
import { lowerScrapeConfigs } from '../prometheus';
import { DIST, distApps } from '../support';

// Every alert rule every app writes, run by Prometheus's own rule engine (Debian's promtool, which the tier
// installs): for each rule, series that must fire it (with exactly its labels) and series that must not (the
// negative control). Every metric and label a rule selects, and every input series, must be one a real exporter has
// (test/monitoring/exporter-series.json: captured from the running exporters in the node tier, or pinned to the
// upstream documentation of those that cannot run here), so a name wrong in both a rule and its input fails.
// promtool compares annotations as rendered; the tests run on a copy without them, and `promtool check rules`
// checks the real file, templates included.
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'alert-rules-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const promtool = (args: string[]) => spawnSync('promtool', args, { encoding: 'utf-8' });

const monitored = distApps().filter((app) => fs.existsSync(path.join(DIST, app, RULES_FILE)));
const groupsOf = (app: string): RuleGroup[] => parse(fs.readFileSync(path.join(DIST, app, RULES_FILE), 'utf-8')).groups;

/** A label selector's equality matchers (`{namespace="default",server="myweb",pod_ready="true"}`). */
function matchers(expr: string, metric: string): Record<string, string> {
  const m = new RegExp(`${metric}\\{([^}]*)\\}`).exec(expr);
  if (!m) throw new Error(`no ${metric}{...} in ${expr}`);
  return Object.fromEntries([...m[1].matchAll(/([a-z_]+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
}
const series = (metric: string, labels: Record<string, string>, values: string) =>
  ({ series: `${metric}{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(',')}}`, values });

interface Case { readonly fire: object[]; readonly calm: object[]; readonly evalTime: string; readonly labels: Record<string, string> }

/** For each kind of rule: what fires it, what must not, and when to look. */
function caseFor(rule: AlertRule): Case {
  const at = (minutes: number) => `${minutes}m`;
  switch (rule.alert) {
    case 'VirtualServerDown': {
      const sel = matchers(rule.expr, 'apache_up');
      // pods that run but are not ready (or whose httpd does not answer) are no server
      return {
        fire: [series('apache_up', { ...sel, pod_ready: 'false' }, '1x20'), series('apache_up', sel, '0x20')],
        calm: [series('apache_up', sel, '1x20')],
        evalTime: at(5),
        labels: rule.labels,
      };
    }
    case 'VirtualServerErrors': {
      const server = 'myweb-errors';
      const ok = (perMinute: number) => series('vserver_http_responses_total', { server, code: '200' }, `0+${perMinute}x30`);
      return {
        // 50 % 5xx
        fire: [ok(60), series('vserver_http_responses_total', { server, code: '503' }, '0+60x30')],
        // 1 %
        calm: [ok(6000), series('vserver_http_responses_total', { server, code: '500' }, '0+60x30')],
        evalTime: at(20),
        labels: { ...rule.labels, server },
      };
    }
    case 'VirtualServerCertificateExpiresSoon': {
      const labels = { server: 'myweb', instance: 'https://www.myweb.test/healthz' };
      return {
        fire: [series('probe_ssl_earliest_cert_expiry', labels, `${10 * 86400}x30`)],
        calm: [series('probe_ssl_earliest_cert_expiry', labels, `${30 * 86400}x30`)],
        evalTime: at(20),
        labels: { ...rule.labels, ...labels },
      };
    }
    case 'VirtualServerBackupStale':
    case 'VirtualServerRestoreDrillStale': {
      const sel = matchers(rule.expr, 'kube_cronjob_status_last_successful_time');
      const maxAge = Number(/> (\d+)$/.exec(rule.expr)![1]);
      const minutes = Math.ceil(maxAge / 60) + 20;
      return {
        // the last success at time 0, never again
        fire: [series('kube_cronjob_status_last_successful_time', sel, `0x${minutes}`)],
        // a success every minute
        calm: [series('kube_cronjob_status_last_successful_time', sel, `0+60x${minutes}`)],
        evalTime: at(minutes),
        labels: { ...rule.labels, ...sel },
      };
    }
    case 'VirtualServerBackupFailed': {
      // as Prometheus stores it from the Pushgateway (honor_labels: the pushed group's labels, no instance)
      const sel = { ...matchers(rule.expr, 'vserver_backup_success'), task: 'backup' };
      return {
        // a run that succeeded, then one whose check failed
        fire: [series('vserver_backup_success', sel, '1x5 0x10')],
        // every run succeeded
        calm: [series('vserver_backup_success', sel, '1x15')],
        evalTime: at(10),
        labels: { ...rule.labels, ...sel },
      };
    }
    case 'VipControllerNotRunning':
    case 'LogCollectorNotRunning': {
      const sel = matchers(rule.expr, 'kube_daemonset_status_number_ready');
      const ds = (ready: number) => [series('kube_daemonset_status_number_ready', sel, `${ready}x20`),
        series('kube_daemonset_status_desired_number_scheduled', sel, '2x20')];
      return { fire: ds(1), calm: ds(2), evalTime: at(15), labels: rule.labels };
    }
    case 'NasFolderFilling': {
      const sel = matchers(rule.expr, 'kubelet_volume_stats_available_bytes');
      const stats = (available: number) => [series('kubelet_volume_stats_available_bytes', sel, `${available}x30`),
        series('kubelet_volume_stats_capacity_bytes', sel, '100x30')];
      return { fire: stats(5), calm: stats(50), evalTime: at(25), labels: rule.labels };
    }
    default:
      throw new Error(`no promtool case for alert ${rule.alert}: add one (a series that fires it and one that must not)`);
  }
}

/** promtool's verdict on one rule, given the input series and the alerts expected at evalTime. */
function runCase(app: string, rule: AlertRule, index: number, input: object[], evalTime: string, expected: object[]) {
  const dir = path.join(tmp, app);
  fs.mkdirSync(dir, { recursive: true });
  const rules = path.join(dir, `rule-${index}.yml`);
  // the one rule, without its annotations (rendered templates would have to be written out in the test)
  const { annotations: _annotations, ...bare } = rule;
  fs.writeFileSync(rules, stringify({ groups: [{ name: 'under-test', rules: [bare] }] }));
  const test = path.join(dir, `test-${index}-${expected.length ? 'fire' : 'calm'}.yml`);
  fs.writeFileSync(test, stringify({
    rule_files: [rules],
    evaluation_interval: '1m',
    tests: [{ interval: '1m', input_series: input, alert_rule_test: [{ eval_time: evalTime, alertname: rule.alert, exp_alerts: expected }] }],
  }));
  return promtool(['test', 'rules', test]);
}

test('the apps write rules to test (negative control: a check over nothing passes trivially)', () => {
  expect(monitored).toEqual(expect.arrayContaining(['agency', 'lab']));
});

describe.each(monitored)('dist/%s', (app) => {
  test(`${RULES_FILE} is a rules file Prometheus loads, templates included`, () => {
    const out = promtool(['check', 'rules', path.join(DIST, app, RULES_FILE)]);
    expect({ status: out.status, stderr: out.stderr }).toEqual({ status: 0, stderr: '' });
    expect(out.stdout).toMatch(/SUCCESS: \d+ rules found/);
  });

  // Debian's Prometheus has no Kubernetes service discovery: checked with each job's discovery lowered to a file
  // (test/prometheus.ts), every other line as written
  test(`${SCRAPE_CONFIG_FILE} is scrape configuration Prometheus loads (discovery lowered to files)`, () => {
    const written = parse(fs.readFileSync(path.join(DIST, app, SCRAPE_CONFIG_FILE), 'utf-8')).scrape_configs as Record<string, any>[];
    const dir = fs.mkdtempSync(path.join(tmp, `${app}-sd-`));
    const lowered = lowerScrapeConfigs(written, dir);
    expect(lowered.configs.map(({ file_sd_configs: _f, ...rest }) => rest)).toEqual(written.map(({ kubernetes_sd_configs: _k, ...rest }) => rest));
    const config = path.join(dir, 'prometheus.yml');
    fs.writeFileSync(config, stringify({ scrape_configs: lowered.configs, rule_files: [path.join(DIST, app, RULES_FILE)] }));
    const out = promtool(['check', 'config', config]);
    expect({ status: out.status, stderr: out.stderr }).toEqual({ status: 0, stderr: '' });
    // negative control: the same file with a relabelling Prometheus refuses
    fs.writeFileSync(config, stringify({ scrape_configs: [{ ...lowered.configs[0], relabel_configs: [{ action: 'keep', regex: '(' }] }] }));
    expect(promtool(['check', 'config', config]).status).not.toBe(0);
  });

  const rules = groupsOf(app).flatMap((g) => g.rules);
  const scrapeConfigs = parse(fs.readFileSync(path.join(DIST, app, SCRAPE_CONFIG_FILE), 'utf-8')).scrape_configs as Record<string, any>[];
  test.each(rules.map((rule, i) => [`${rule.alert} ${JSON.stringify(rule.labels)}`, rule, i] as const))('%s selects only series a real exporter has', (_name, rule) => {
    expect(unknownSelections(rule.expr, scrapeConfigs)).toEqual([]);
    // and so does every series its test below feeds it (each written as a selector: `metric{label="value",...}`)
    const c = caseFor(rule);
    expect([...c.fire, ...c.calm].flatMap((x: any) => unknownSelections(x.series, scrapeConfigs))).toEqual([]);
  });

  test.each(rules.map((rule, i) => [`${rule.alert} ${JSON.stringify(rule.labels)}`, rule, i] as const))('%s fires on its series, and not on the calm ones', (_name, rule, i) => {
    expect(rule.annotations.summary.length).toBeGreaterThan(0);
    const c = caseFor(rule);
    const fire = runCase(app, rule, i, c.fire, c.evalTime, [{ exp_labels: c.labels }]);
    expect({ status: fire.status, out: fire.stdout + fire.stderr }).toEqual({ status: 0, out: expect.stringContaining('SUCCESS') });
    const calm = runCase(app, rule, i, c.calm, c.evalTime, []);
    expect({ status: calm.status, out: calm.stdout + calm.stderr }).toEqual({ status: 0, out: expect.stringContaining('SUCCESS') });
  });
});

test('promtool fails a rule that does not fire as expected (negative control of the cases above)', () => {
  const rule: AlertRule = {
    alert: 'NasFolderFilling',
    expr: 'kubelet_volume_stats_available_bytes{namespace="x",persistentvolumeclaim="logs"} / '
      + 'kubelet_volume_stats_capacity_bytes{namespace="x",persistentvolumeclaim="logs"} < 0.1',
    for: '15m',
    labels: { severity: 'warning' },
    annotations: { summary: 's', description: 'd' },
  };
  const calm = caseFor(rule).calm;
  // the calm series, with the alert expected: promtool must say it did not fire
  const out = runCase('negative', rule, 0, calm, '25m', [{ exp_labels: rule.labels }]);
  expect(out.status).not.toBe(0);
  expect(out.stdout + out.stderr).toMatch(/FAILED/);
});

describe('the check of what a rule selects (negative controls)', () => {
  const scrape = parse(fs.readFileSync(path.join(DIST, 'agency', SCRAPE_CONFIG_FILE), 'utf-8')).scrape_configs;
  test('refuses a metric no exporter has, and a label its metric lacks', () => {
    expect(unknownSelections('absent(apache_upp{server="myweb"} == 1)', scrape)).toEqual(['apache_upp: no exporter the site scrapes has this metric']);
    expect(unknownSelections('absent(apache_up{servr="myweb"} == 1)', scrape)).toEqual([expect.stringMatching(/^apache_up\{servr\}: apache_up has no label servr/)]);
    expect(unknownSelections('kube_daemonset_status_number_ready{daemon_set="x"} < 1', scrape)).toEqual([expect.stringMatching(/^kube_daemonset_status_number_ready\{daemon_set\}/)]);
  });

  test("accepts what the exporters have: a documented metric gets instance, job and its job's target labels", () => {
    expect(unknownSelections('probe_ssl_earliest_cert_expiry{server!="",instance="x",job="y"} - time() < 1', scrape)).toEqual([]);
    expect(labelsOf('probe_ssl_earliest_cert_expiry', scrape)).toEqual(['instance', 'job', 'server']);
    // without the site's certificates job, nothing adds its server label
    expect(() => labelsOf('probe_ssl_earliest_cert_expiry', [])).toThrow(/certificates job/);
  });

  test('every metric the exporter file captured was captured for real (no metric listed without its labels)', () => {
    for (const [metric, labels] of Object.entries(exporterMetrics().captured.metrics)) {
      expect({ metric, labelled: labels.length > 0 }).toEqual({ metric, labelled: true });
    }
  });
});
