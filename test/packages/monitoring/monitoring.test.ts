import * as fs from 'fs';
import * as path from 'path';
import { AppChecks, cronLongestGapSeconds, ImageReference, Ipv4Address, Ipv4Subnet, NodeFiles, Pushgateway } from '@cdk8s-vserver/core';
import { HostingSite, HostingSiteProps } from '@cdk8s-vserver/hosting';
import { LogCollector, LogCollectorProps, rsyslogConfig, serverPodPattern, SiteMonitoring, SiteMonitoringProps } from '@cdk8s-vserver/monitoring';
import { NfsFolder } from '@cdk8s-vserver/storage';
import { METRICS_PORT, MetricsScraper, WebSshServer } from '@cdk8s-vserver/web-ssh-server';
import { Chart, Testing } from 'cdk8s';
import { parse } from 'yaml';
import { LAB } from '../../../apps/lab/site';
import { DIST, distApps, find, objectsIn, synth } from '../../support';

const IMAGE = ImageReference.of('master.test:5000/myrepo/log-collector:v1');

/** A test app whose namespaces exist (made by hand, as far as the app checks know). */
function testApp() {
  const app = Testing.app();
  AppChecks.of(app).allowExternalNamespace('vserver-logs');
  return app;
}

function collector(props: Partial<LogCollectorProps> = {}, namespace = 'vserver-logs') {
  const app = testApp();
  const chart = new Chart(app, 'logs', { namespace, disableResourceNameHashes: true });
  const logs = new NfsFolder(chart, 'Logs', { host: 'nas.test', path: '/export/logs', claimName: 'logs' });
  const c = new LogCollector(chart, 'LogCollector', { image: IMAGE, logs, servers: [{ name: 'myweb', namespace: 'default' }], ...props });
  return { app, chart, collector: c };
}

describe('LogCollector', () => {
  const { chart } = collector();
  const manifests = synth(chart);
  const ds = find(manifests, 'DaemonSet', 'log-collector');
  const pod = ds.spec.template.spec;
  const byName = Object.fromEntries(pod.containers.map((c: any) => [c.name, c]));

  test('rsyslog, mtail and keeper on the workers, from one pinned image', () => {
    expect(pod.containers.map((c: any) => [c.name, c.image, c.args[0]])).toEqual([
      ['rsyslog', IMAGE.reference, 'rsyslog'], ['mtail', IMAGE.reference, 'mtail'], ['keeper', IMAGE.reference, 'keeper'],
    ]);
    expect(pod.nodeSelector).toEqual({ role: 'worker' });
    expect(pod.automountServiceAccountToken).toBe(false);
  });

  test('least privilege: only rsyslog reads the nodes\' pod logs (read-only, DAC_READ_SEARCH alone), mtail is nobody', () => {
    expect(byName.rsyslog.securityContext).toMatchObject({
      runAsUser: 0,
      privileged: false,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'], add: ['DAC_READ_SEARCH'] },
    });
    expect(byName.rsyslog.volumeMounts).toContainEqual({ name: 'pod-logs', mountPath: '/var/log/pods', readOnly: true });
    expect(byName.mtail.securityContext).toMatchObject({ runAsUser: 65534, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
    expect(byName.mtail.volumeMounts.map((m: any) => m.name)).not.toContain('pod-logs');
    expect(byName.keeper.securityContext.capabilities).toEqual({ drop: ['ALL'] });
    expect(pod.volumes.find((v: any) => v.name === 'state').hostPath).toEqual({ path: '/var/lib/vserver-log-collector/vserver-logs-log-collector', type: 'DirectoryOrCreate' });
  });

  test('the ConfigMap routes each server\'s pods only, and mtail counts by server', () => {
    const cm = find(manifests, 'ConfigMap', 'log-collector');
    expect(cm.data['rsyslog.conf']).toContain('file="/var/log/pods/default_*_*/httpd/*.log"');
    expect(cm.data['rsyslog.conf']).toContain('set $!server = lookup("servers", $!ns & "/" & re_extract($!pod, ');
    expect(JSON.parse(cm.data['servers.json'])).toEqual({ version: 1, nomatch: '', type: 'string', table: [{ index: 'default/myweb', value: 'myweb' }] });
    expect(cm.data['vserver.mtail']).toMatch(/counter vserver_http_responses_total by server, code/);
  });

  test("a Deployment's pod names match its server's pattern only (negative control: a look-alike's and a bare name)", () => {
    const re = new RegExp(serverPodPattern('myweb'));
    expect(re.test('myweb-5d8f7c9b6-x2kqz')).toBe(true);
    expect(re.test('myweb-twin-5d8f7c9b6-x2kqz')).toBe(false);
    expect(re.test('myweb')).toBe(false);
    expect(re.test('myweb-5d8f7c9b6-abcde')).toBe(false);
  });

  test('forward: every line to a syslog server too (RFC 5424, TCP, octet-counted), the only address the collector may reach', () => {
    const { chart: c } = collector({ forward: { address: Ipv4Address.of('192.168.1.40') } });
    const out = synth(c);
    expect(find(out, 'ConfigMap', 'log-collector').data['rsyslog.conf'])
      .toContain('action(type="omfwd" target="192.168.1.40" port="514" protocol="tcp" TCP_Framing="octet-counted" template="rfc5424" ');
    expect(find(out, 'NetworkPolicy', 'log-collector').spec.egress).toEqual([{ to: [{ ipBlock: { cidr: '192.168.1.40/32' } }], ports: [{ protocol: 'TCP', port: 514 }] }]);
    // negative control: without it, no forwarding and no way out
    expect(find(manifests, 'ConfigMap', 'log-collector').data['rsyslog.conf']).not.toContain('omfwd');
    expect(find(manifests, 'NetworkPolicy', 'log-collector').spec.egress).toBeUndefined();
  });

  test('joins up to 8 pieces of a long line', () => {
    expect(new Set(rsyslogConfig([{ name: 'a', namespace: 'n' }]).match(/field\(\$msg, 10, \d\)/g))).toHaveProperty('size', 8);
  });

  test('addServer() after the construct is in the configuration the app writes', () => {
    const { chart: c, collector: lc } = collector();
    lc.addServer({ name: 'shop', namespace: 'shop' });
    const data = find(synth(c), 'ConfigMap', 'log-collector').data;
    expect(data['rsyslog.conf']).toContain('file="/var/log/pods/shop_*_*/sshd/*.log"');
    expect(JSON.parse(data['servers.json']).table).toContainEqual({ index: 'shop/shop', value: 'shop' });
  });

  test.each([
    [{ retentionDays: 0 }, "'retentionDays' must be"],
    [{ stateDir: 'var/lib/x' }, "'stateDir' must be an absolute path"],
    [{ stateDir: '/' }, "'stateDir' must be a folder of its own"],
    [{ servers: [] }, "'servers' must list at least one server"],
    [{ servers: [{ name: 'myweb', namespace: 'default' }, { name: 'myweb', namespace: 'shop' }] }, "'servers[1].name' must be listed once"],
    [{ servers: [{ name: 'My_Web', namespace: 'default' }] }, "'servers[0].name'"],
    [{ image: ImageReference.of('master.test:5000/myrepo/log-collector') }, "'image'"],
  ])('fails on %j', (props, message) => {
    expect(() => collector(props as Partial<LogCollectorProps>)).toThrow(message);
  });

  test('fails on a logs claim in another namespace, and on one the nodes cannot all write', () => {
    expect(() => {
      const app = Testing.app();
      const other = new Chart(app, 'other', { namespace: 'default' });
      const logsChart = new Chart(app, 'logs', { namespace: 'vserver-logs' });
      const logs = new NfsFolder(other, 'Logs', { host: 'nas.test', path: '/export/logs' });
      new LogCollector(logsChart, 'C', { image: IMAGE, logs, servers: [{ name: 'myweb', namespace: 'default' }] });
    }).toThrow(/'logs' must be a claim in the collector's namespace "vserver-logs"/);
    expect(() => {
      const app = Testing.app();
      const logsChart = new Chart(app, 'logs', { namespace: 'vserver-logs' });
      const logs = new NfsFolder(logsChart, 'Logs', { host: 'nas.test', path: '/export/logs', accessMode: 'ReadWriteOnce' as any });
      new LogCollector(logsChart, 'C', { image: IMAGE, logs, servers: [{ name: 'myweb', namespace: 'default' }] });
    }).toThrow(/'logs' must be ReadWriteMany/);
  });
});

describe('SiteMonitoring', () => {
  const props: SiteMonitoringProps = {
    site: 'lab',
    servers: [{ name: 'myweb', namespace: 'default', httpsHostnames: ['www.myweb.test'], backup: { cronJob: 'myweb-backup', maxAgeSeconds: 90000 } }],
    collector: { namespace: 'vserver-logs', name: 'log-collector', what: 'the log collector', nodes: 'worker' },
    blackboxExporter: 'blackbox.monitoring.svc:9115',
  };
  const files = (p: SiteMonitoringProps, operator = false) => {
    const app = testApp();
    const chart = new Chart(app, 'monitoring', { namespace: 'vserver-logs' });
    const m = new SiteMonitoring(operator ? chart : app, 'M', { ...p, prometheusOperator: operator });
    return { m, chart, files: Object.fromEntries(NodeFiles.of(app).list().map((f) => [f.path, parse(f.content)])) };
  };

  test.each([
    [{ operatorLabels: { release: 'x' } }, "[M] 'operatorLabels' must be left out without prometheusOperator: true"],
    [{ prometheusOperator: true, operatorLabels: { release: 'not valid!' } }, "[M] 'operatorLabels.release' must be a Kubernetes label"],
    [{ blackboxExporter: 'http://blackbox:9115' }, "[M] 'blackboxExporter' must be host:port"],
  ])('throws on its own props, naming itself when no site declared it: %j', (change, message) => {
    expect(() => new SiteMonitoring(testApp(), 'M', { ...props, ...change })).toThrow(message);
  });

  test('finds the servers\' pods by the labels each server carries (podLabels), not by a scheme of its own', () => {
    const own = { ...props, servers: [{ ...props.servers[0], podLabels: { 'example.org/kind': 'site', 'example.org/site': 'myweb' } }] };
    const { chart, files: plain } = files(own, true);
    const monitor = find(synth(chart), 'PodMonitor', 'vserver-lab-servers');
    expect(monitor.spec.selector.matchLabels).toEqual({ 'example.org/kind': 'site' });
    expect(monitor.spec.podMetricsEndpoints[0].relabelings[0]).toMatchObject({ sourceLabels: ['__meta_kubernetes_pod_label_example_org_site'], targetLabel: 'server' });
    const job = plain['monitoring/prometheus-scrape.yml'].scrape_configs.find((c: any) => c.job_name === 'vserver-lab-servers');
    expect(job.relabel_configs[0]).toEqual({ source_labels: ['__meta_kubernetes_pod_label_example_org_kind', '__meta_kubernetes_pod_container_port_name'], regex: 'site;metrics', action: 'keep' });
    expect(job.relabel_configs).toContainEqual({ source_labels: ['__meta_kubernetes_pod_label_example_org_site'], target_label: 'server' });
  });

  test('throws on servers whose pods share no label, or whose labels name no server', () => {
    const blog = { ...props.servers[0], name: 'blog', podLabels: { 'example.org/kind': 'blog', 'example.org/site': 'blog' } };
    expect(() => files({ ...props, servers: [props.servers[0], blog] })).toThrow("[M] 'servers[1].podLabels' must share a label and its value with every other server's");
    expect(() => files({ ...props, servers: [{ ...props.servers[0], podLabels: { tier: 'web' } }] })).toThrow("[M] 'servers[0].podLabels' must share a label");
  });

  test('one VirtualServerDown per server, with the server in its labels and summary', () => {
    const { m } = files(props);
    const down = m.groups[0].rules.find((r) => r.alert === 'VirtualServerDown')!;
    expect(down.expr).toBe('absent(apache_up{namespace="default",server="myweb",pod_ready="true"} == 1)');
    expect(down.labels).toMatchObject({ server: 'myweb', namespace: 'default' });
    expect(down.annotations.summary).toMatch(/^myweb /);
  });

  test('a backup is watched for a verified run within its schedule, and its restore drill only when the server has one (negative control)', () => {
    const rules = (p: SiteMonitoringProps) => files(p).m.groups[0].rules;
    const stale = rules(props).find((r) => r.alert === 'VirtualServerBackupStale')!;
    expect(stale.expr).toBe('time() - kube_cronjob_status_last_successful_time{namespace="default",cronjob="myweb-backup"} > 90000');
    expect(stale.annotations.summary).toMatch(/^myweb has no verified backup for /);
    expect(rules(props).find((r) => r.alert === 'VirtualServerRestoreDrillStale')).toBeUndefined();
    const withDrill = { ...props, servers: [{ ...props.servers[0], backup: { ...props.servers[0].backup!, drill: { cronJob: 'myweb-drill', maxAgeSeconds: 608400 } } }] };
    const drill = rules(withDrill).find((r) => r.alert === 'VirtualServerRestoreDrillStale')!;
    expect(drill.expr).toBe('time() - kube_cronjob_status_last_successful_time{namespace="default",cronjob="myweb-drill"} > 608400');
    expect(drill.labels).toEqual({ severity: 'warning', namespace: 'default', server: 'myweb' });
  });

  test("with a Pushgateway, a failed run of a backup's jobs is an alert at once, and the plain Prometheus scrapes the gateway for this site's results (negative controls: neither without)", () => {
    const pushing = {
      ...props,
      pushgateway: Pushgateway.at('http://192.168.1.10:9091'),
      servers: [{ ...props.servers[0], backup: { ...props.servers[0].backup!, pushesResults: true } }],
    };
    const { m, files: written } = files(pushing);
    const failed = m.groups[0].rules.find((r) => r.alert === 'VirtualServerBackupFailed')!;
    expect(failed.expr).toBe('vserver_backup_success{job="vserver-backup",namespace="default",server="myweb"} == 0');
    expect(failed.for).toBe('0s');
    expect(failed.labels).toEqual({ severity: 'warning', namespace: 'default', server: 'myweb' });
    expect(failed.annotations.summary).toBe("myweb's last {{ $labels.task }} failed: its backups are not verified until one succeeds");
    const job = written['monitoring/prometheus-scrape.yml'].scrape_configs.find((c: any) => c.job_name === 'vserver-lab-backups');
    expect(job).toEqual({
      job_name: 'vserver-lab-backups',
      honor_labels: true,
      scheme: 'http',
      static_configs: [{ targets: ['192.168.1.10:9091'] }],
      metric_relabel_configs: [{ source_labels: ['job', 'namespace'], regex: 'vserver-backup;(default)', action: 'keep' }],
    });
    // the operator's Prometheus scrapes the gateway through the chart's own ServiceMonitor: no job here
    expect(files(pushing, true).files['monitoring/prometheus-scrape.yml'].scrape_configs.map((c: any) => c.job_name)).not.toContain('vserver-lab-backups');
    // no server that pushes: neither the alert nor the job
    const quiet = files({ ...props, pushgateway: Pushgateway.at('http://192.168.1.10:9091') });
    expect(quiet.m.groups[0].rules.map((r) => r.alert)).not.toContain('VirtualServerBackupFailed');
    expect(quiet.files['monitoring/prometheus-scrape.yml'].scrape_configs.map((c: any) => c.job_name)).not.toContain('vserver-lab-backups');
  });

  test('the certificate probe job and rule exist only with a blackbox exporter and HTTPS hostnames (negative control)', () => {
    const alerts = (p: SiteMonitoringProps) => files(p).m.groups.flatMap((g) => g.rules.map((r) => r.alert));
    expect(alerts(props)).toContain('VirtualServerCertificateExpiresSoon');
    expect(alerts({ ...props, blackboxExporter: undefined })).not.toContain('VirtualServerCertificateExpiresSoon');
    const jobs = files(props).files['monitoring/prometheus-scrape.yml'].scrape_configs.map((j: any) => j.job_name);
    expect(jobs).toEqual(['vserver-lab-servers', 'vserver-lab-log-collector', 'vserver-lab-certificates']);
  });

  test('the operator\'s objects carry the same groups as the rules file', () => {
    const { chart, files: written } = files(props, true);
    const rule = find(synth(chart), 'PrometheusRule', 'vserver-lab');
    expect(rule.spec.groups).toEqual(written['monitoring/vserver-rules.yml'].groups);
    expect(synth(chart).filter((o) => o.kind === 'PodMonitor').map((o) => o.metadata.name)).toEqual(['vserver-lab-servers', 'vserver-lab-log-collector']);
  });

  test.each([
    [{ errorPercent: 0 }, "'errorPercent' must be a share of responses in percent"],
    [{ errorPercent: 100 }, "'errorPercent' must be a share of responses in percent"],
    [{ serverDownSeconds: 5 }, "'serverDownSeconds' must be"],
    [{ blackboxExporter: 'blackbox.monitoring.svc' }, "'blackboxExporter' must be host:port"],
    [{ site: 'Lab' }, "'site'"],
    [{ pushgateway: Pushgateway.at('pushgateway:9091') }, "'pushgateway.url' must be the Pushgateway's http(s) URL with no path, user or query"],
  ])('fails on %j', (change, message) => {
    expect(() => files({ ...props, ...change } as SiteMonitoringProps)).toThrow(message);
  });
});

describe('WebSshServer metrics', () => {
  const server = (metrics: any) => {
    const app = Testing.app();
    const chart = new Chart(app, 'web', { namespace: 'default', disableResourceNameHashes: true });
    const docroot = new NfsFolder(chart, 'Docroot', { host: 'nas.test', path: '/export/web/myweb', claimName: 'docroot' });
    new WebSshServer(chart, 'Myweb', {
      name: 'myweb',
      docroot,
      version: 'v2',
      metrics,
      httpdImage: ImageReference.of('master.test:5000/myrepo/httpd:v1'),
      sshdImage: ImageReference.of('master.test:5000/myrepo/sshd:v1'),
    });
    return synth(chart);
  };

  test('an exporter beside httpd, retagged with the version, reading the status page on the loopback', () => {
    const manifests = server({ exporterImage: ImageReference.of('master.test:5000/myrepo/apache-exporter:v1') });
    const pod = find(manifests, 'Deployment', 'myweb').spec.template.spec;
    const exporter = pod.containers.find((c: any) => c.name === 'exporter');
    expect(exporter.image).toBe('master.test:5000/myrepo/apache-exporter:v2');
    expect(exporter.args).toEqual(['--scrape_uri=http://127.0.0.1:8081/server-status?auto', `--web.listen-address=:${METRICS_PORT}`]);
    expect(exporter.readinessProbe).toBeUndefined();
    expect(pod.containers[0].env).toContainEqual({ name: 'STATUS_PORT', value: '8081' });
    // the Service never exposes the metrics or the status page
    expect(find(manifests, 'Service', 'myweb').spec.ports.map((p: any) => p.port)).toEqual([80, 22]);
  });

  test('negative control: without metrics, no exporter and no status page', () => {
    const pod = find(server(undefined), 'Deployment', 'myweb').spec.template.spec;
    expect(pod.containers.map((c: any) => c.name)).toEqual(['httpd', 'sshd']);
    expect(pod.containers[0].env.map((e: any) => e.name)).not.toContain('STATUS_PORT');
  });

  test("the exporter's port is reachable only from the site's Prometheus (NetworkPolicy); the web and SSH ports from anyone", () => {
    const exporterImage = ImageReference.of('master.test:5000/myrepo/apache-exporter:v1');
    const ingress = (metrics: any) => find(server(metrics), 'NetworkPolicy', 'myweb').spec.ingress;
    const open = { ports: [{ protocol: 'TCP', port: 8080 }, { protocol: 'TCP', port: 2222 }] };
    const exporterPort = [{ protocol: 'TCP', port: METRICS_PORT }];
    // by default the Prometheus Operator's pods, in any namespace
    expect(ingress({ exporterImage })).toEqual([open,
      { from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } }, namespaceSelector: {} }], ports: exporterPort }]);
    expect(ingress({ exporterImage, scrapers: [MetricsScraper.from(Ipv4Subnet.of('192.168.1.10/32')), MetricsScraper.pods({ app: 'prom' }, 'monitoring')] }))
      .toEqual([open, {
        from: [{ ipBlock: { cidr: '192.168.1.10/32' } },
          { podSelector: { matchLabels: { app: 'prom' } }, namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }],
        ports: exporterPort,
      }]);
    // negative control: no exporter, no rule for its port
    expect(ingress(undefined)).toEqual([open]);
    expect(() => server({ exporterImage, scrapers: [] })).toThrow("[web/Myweb] 'metrics.scrapers' must name the site's Prometheus");
    expect(() => server({ exporterImage, scrapers: [MetricsScraper.pods({})] })).toThrow("[web/Myweb] 'metrics.scrapers[0]' must name the Prometheus pods' labels");
    expect(() => server({ exporterImage, scrapers: ['192.168.1.10'] })).toThrow("[web/Myweb] 'metrics.scrapers[0]' must be a MetricsScraper");
  });

  test('fails on a status port that clashes with httpd\'s or is privileged', () => {
    const exporterImage = ImageReference.of('master.test:5000/myrepo/apache-exporter:v1');
    expect(() => server({ exporterImage, statusPort: 8080 })).toThrow(/metrics.statusPort/);
    expect(() => server({ exporterImage, statusPort: 80 })).toThrow(/'metrics.statusPort' must be 1024-65535/);
  });
});

describe('facts.logs and facts.monitoring in the declaration', () => {
  const site = (facts: Partial<HostingSiteProps['facts']>) => new HostingSite(Testing.app(), 'Site', { ...LAB, facts: { ...LAB.facts, ...facts } });
  const logs = LAB.facts.logs!;

  test.each([
    [{ logs: { ...logs, exportPath: '/export/web/myweb/logs' } }, "'facts.logs.exportPath' must not overlap another folder the site mounts: the logs of every server lies inside the docroot of myweb"],
    [{ logs: { ...logs, exportPath: '/export/web' } }, 'Logs inside a docroot are served to anyone'],
    [{ logs: { ...logs, exportPath: 'export/logs' } }, "'facts.logs.exportPath'"],
    [{ logs: { ...logs, version: 'latest' } }, "'facts.logs.version' must be a pinned tag"],
    [{ logs: { ...logs, retentionDays: 0 } }, "'facts.logs.retentionDays'"],
    [{ logs: { ...logs, namespace: 'kube-system' } }, "'facts.logs.namespace' must not be kube-system"],
    [{ logs: { ...logs, namespace: 'default' } }, "'facts.logs.namespace' must not be default"],
    [{ namespace: 'sites', logs: { ...logs, namespace: 'sites' } }, "'facts.logs.namespace' must differ from every namespace of the servers"],
    [{ logs: { ...logs, forward: { address: Ipv4Address.of('192.168.1.40'), port: 70000 } } }, "'facts.logs.forward.port'"],
    [{ monitoring: { operatorLabels: { release: 'x' } } }, "'facts.monitoring.operatorLabels' must be left out without prometheusOperator"],
    [{ monitoring: { errorPercent: 150 } }, "'facts.monitoring.errorPercent' must be a share of responses in percent"],
    [{ monitoring: { serverDownSeconds: 5 } }, "[Site] 'facts.monitoring.serverDownSeconds' must be an integer from 15 to 86400, got 5"],
    [{ monitoring: { blackboxExporter: 'http://blackbox:9115' } }, "'facts.monitoring.blackboxExporter' must be host:port"],
    [{ monitoring: { prometheusOperator: true, operatorLabels: { release: 'not valid!' } } }, "'facts.monitoring.operatorLabels.release' must be a Kubernetes label"],
  ])('fails on %j', (facts, message) => {
    expect(() => site(facts as Partial<HostingSiteProps['facts']>)).toThrow(message);
  });

  test('a server added after the declaration is collected and watched too', () => {
    const app = Testing.app();
    const s = new HostingSite(app, 'Site', LAB);
    s.addServer({ name: 'shop', address: Ipv4Address.of('192.168.1.32'), version: 'v1' });
    expect(s.monitoring!.groups[0].rules.filter((r) => r.alert === 'VirtualServerDown').map((r) => r.labels.server)).toEqual(['myweb', 'shop']);
    expect(JSON.parse(synth(s.logsChart!).find((o) => o.kind === 'ConfigMap')!.data['servers.json']).table.map((e: any) => e.value)).toEqual(['myweb', 'shop']);
  });
});

describe('cronLongestGapSeconds', () => {
  test.each([
    ['0 3 * * *', 24 * 3600], ['@weekly', 7 * 86400], ['*/15 * * * *', 900], ['0 3 * * 1-5', 3 * 86400], ['@every 6h', 6 * 3600],
    ['0 0 1 * *', 31 * 86400], ['0 3 * * mon', 7 * 86400],
  ])('%s: %d s', (schedule, seconds) => {
    expect(cronLongestGapSeconds(schedule)).toBe(seconds);
  });
});

describe('the alerts\' advice, against what the apps write', () => {
  /** Whether `labels` carry every `key=value` of a `-l` selector. */
  const selects = (selector: string, labels: Record<string, string> = {}) => selector.split(',').every((pair) => labels[pair.split('=')[0]] === pair.split('=')[1]);
  const advised = (app: string) => {
    const rules = parse(fs.readFileSync(path.join(DIST, app, 'monitoring/vserver-rules.yml'), 'utf-8'));
    return rules.groups.flatMap((g: any) => g.rules).flatMap((r: any) => [...String(r.annotations?.description ?? '')
      .matchAll(/kubectl get (pods|jobs) -n (\S+) -l ([^`\s]+)/g)].map((m) => ({ alert: r.alert, kind: m[1], namespace: m[2], selector: m[3] })));
  };

  test.each(distApps())('dist/%s: every `kubectl get pods|jobs -l` an alert advises finds what it is about', (app) => {
    const objects = objectsIn(path.join(DIST, app));
    const advice = advised(app);
    expect(advice.length).toBeGreaterThan(0);
    for (const a of advice) {
      const found = a.kind === 'pods'
        ? objects.filter((o) => o.kind === 'Deployment' && o.metadata.namespace === a.namespace && selects(a.selector, o.spec.template.metadata.labels))
        : objects.filter((o) => o.kind === 'CronJob' && o.metadata.namespace === a.namespace && selects(a.selector, o.spec.jobTemplate.metadata.labels));
      expect({ ...a, found: found.length > 0 }).toEqual({ ...a, found: true });
    }
  });

  test('negative control: 0.9.0\'s advice for a stale backup (the server\'s instance label) finds none of its Jobs', () => {
    const cronJobs = objectsIn(path.join(DIST, 'lab')).filter((o) => o.kind === 'CronJob');
    expect(cronJobs.length).toBeGreaterThan(0);
    expect(cronJobs.filter((o) => selects('app.kubernetes.io/instance=myweb', o.spec.jobTemplate.metadata.labels))).toEqual([]);
  });
});
