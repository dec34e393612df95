import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { KeepalivedVip } from '@cdk8s-vserver/vip';
import { Testing } from 'cdk8s';
import { buildGeneratedSite, GENERATED_ENTRY_VIP } from '../../apps/generated/site';
import { DIST, objectsIn } from '../support';

// The shared entry's configuration, checked by the real haproxy (Debian's, which the tier installs): dist/agency's,
// and one of 1,000 servers. The node tier runs it in Debian 13's haproxy 3.0 (the entry's image).
function check(files: Record<string, string>, dir = fs.mkdtempSync(path.join(os.tmpdir(), 'entry-cfg-'))) {
  for (const [file, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, file), text.replace(/\/etc\/haproxy\//g, `${dir}/`));
  const out = spawnSync('haproxy', ['-c', '-f', path.join(dir, 'haproxy.cfg')], { encoding: 'utf-8' });
  return { status: out.status, valid: out.stdout.trim(), stderr: out.stderr };
}

test("dist/agency's entry passes haproxy -c", () => {
  const config = objectsIn(path.join(DIST, 'agency')).find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'entry') as any;
  expect(Object.keys(config.data).sort()).toEqual(['haproxy.cfg', 'http-wildcard.map', 'http.map', 'https-wildcard.map', 'https.map']);
  const out = check(config.data);
  expect(out.status).toBe(0);
  expect(out.valid.split('\n').pop()).toBe('Configuration file is valid');
  // its only warnings: the servers' Service names do not resolve outside the cluster (haproxy resolves them at run time)
  const warnings = out.stderr.split('\n').filter((line) => line.includes('[WARNING]'));
  expect(warnings).toHaveLength(9);
  for (const line of warnings) expect(line).toMatch(/could not resolve address '[a-z]+\.[a-z]+\.svc\.cluster\.local', disabling server\.$/);
});

test('the generated site of 1,000 servers behind one entry: one VIP, and its configuration passes haproxy -c (negative control: a broken line is refused)', () => {
  const app = Testing.app();
  const entry = buildGeneratedSite(app, 1000, { entry: true })!;
  const vips = (app.node.findAll().find((c) => c instanceof KeepalivedVip) as KeepalivedVip).vips;
  expect(vips.map((v) => [v.address, v.service])).toEqual([[GENERATED_ENTRY_VIP.text, 'kube-system/entry']]);
  const files = entry.configMap.toJson().data as Record<string, string>;
  expect(files['http.map'].split('\n').filter(Boolean)).toHaveLength(1000);
  expect(check(files)).toMatchObject({ status: 0, valid: 'Configuration file is valid' });
  const broken = check({ ...files, 'haproxy.cfg': `${files['haproxy.cfg']}\nbackend broken\n  use_backend\n` });
  expect(broken.status).not.toBe(0);
  expect(broken.stderr).toMatch(/use_backend/);
});
