import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { entryConfig, entryConfigFiles, KeepalivedVip } from '@cdk8s-vserver/vip';
import { Testing } from 'cdk8s';
import { buildGeneratedSite, GENERATED_ENTRY_VIP } from '../../apps/generated/site';
import { DIST, objectsIn } from '../support';

// The shared entry's configuration, checked by the real haproxy (Debian's, which the tier installs): dist/agency's,
// and one of 1,000 servers. The node tier runs it in Debian 13's haproxy 3.0 (the entry's image).
// The files are read as the pod reads them: every .cfg of the folder, in order (`haproxy -f /etc/haproxy/`).
function check(files: Record<string, string>, dir = fs.mkdtempSync(path.join(os.tmpdir(), 'entry-cfg-'))) {
  for (const [file, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, file), text.replace(/\/etc\/haproxy\//g, `${dir}/`));
  const out = spawnSync('haproxy', ['-c', '-f', `${dir}/`], { encoding: 'utf-8' });
  return { status: out.status, valid: out.stdout.trim(), stderr: out.stderr };
}

test("dist/agency's entry passes haproxy -c", () => {
  const configs = objectsIn(path.join(DIST, 'agency')).filter((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('entry')) as any[];
  expect(configs.map((c) => c.metadata.name)).toEqual(['entry', 'entry-servers-001']);
  const files = Object.assign({}, ...configs.map((c) => c.data));
  expect(Object.keys(files).sort()).toEqual(['haproxy.cfg', 'http-001.map', 'https-001.map', 'servers-001.cfg']);
  const out = check(files);
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
  const files = entryConfigFiles(entryConfig(entry.servers));
  expect(Object.keys(files).filter((f) => f.startsWith('http-')).map((f) => files[f].split('\n').filter(Boolean).length)).toEqual([200, 200, 200, 200, 200]);
  expect(check(files)).toMatchObject({ status: 0, valid: 'Configuration file is valid' });
  // negative control: a broken line in the last servers' file (read too: the folder is)
  const broken = check({ ...files, 'servers-005.cfg': `${files['servers-005.cfg']}\nbackend broken\n  use_backend\n` });
  expect(broken.status).not.toBe(0);
  expect(broken.stderr).toMatch(/use_backend/);
});
