import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Warnings } from '@cdk8s-vserver/core';
import { formatSynthResult, synthApp } from '@cdk8s-vserver/hosting';
import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { buildLab } from '../../apps/lab/lab';
import { appsIn } from '../../apps/synth';
import { readTree } from '../support';

let tmp: string;
beforeEach(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'synth-test-')); });
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));


describe('synthApp', () => {
  test('is deterministic: two synths are byte-identical', () => {
    synthApp(path.join(tmp, 'a'), buildLab);
    synthApp(path.join(tmp, 'b'), buildLab);
    expect(readTree(path.join(tmp, 'b'))).toEqual(readTree(path.join(tmp, 'a')));
  });

  test('replaces the whole folder, so files of an earlier synth do not survive', () => {
    const out = path.join(tmp, 'lab');
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, '0009-stale.k8s.yaml'), 'kind: Stale\n');
    synthApp(out, buildLab);
    expect(fs.readdirSync(out)).toEqual(['0000-namespace.k8s.yaml', '0001-keepalived.k8s.yaml', '0002-docroot.k8s.yaml', '0003-web.k8s.yaml', '0004-logs.k8s.yaml',
      '0005-dashboard.k8s.yaml', 'control-plane', 'kinds.txt', 'monitoring', 'operator']);
  });

  test('fails without touching the previous output or leaving temporary folders', () => {
    const out = path.join(tmp, 'lab');
    synthApp(out, buildLab);
    const before = readTree(out);
    expect(() => synthApp(out, (app) => {
      buildLab(app);
      const chart = new Chart(app, 'broken');
      new Construct(chart, 'Late').node.addValidation({ validate: () => ['at least one backend must be added'] });
    })).toThrow(/Validation failed with the following errors:\n\s+\[broken\/Late\] at least one backend must be added/);
    expect(readTree(out)).toEqual(before);
    expect(fs.readdirSync(tmp)).toEqual(['lab']);
  });

  test('writes a folder as readable as any other the user makes (not mkdtemp\'s 0700)', () => {
    const out = synthApp(path.join(tmp, 'lab'), buildLab).outdir;
    fs.mkdirSync(path.join(tmp, 'made-by-hand'));
    const mode = (dir: string) => fs.statSync(dir).mode.toString(8).slice(-3);
    expect(mode(out)).toBe(mode(path.join(tmp, 'made-by-hand')));
    expect(mode(out)).not.toBe('700');
  });

  test('fails on an app with no chart', () => {
    expect(() => synthApp(path.join(tmp, 'empty'), () => undefined)).toThrow(/the app has no chart/);
    expect(fs.readdirSync(tmp)).toEqual([]);
  });

  test('reports one line per file with kinds and counts, then every warning', () => {
    const result = synthApp(path.join(tmp, 'lab'), (app) => {
      const charts = buildLab(app);
      Warnings.of(charts.server('myweb')).add('port 22 clashes with the router node sshd');
    });
    const lines = formatSynthResult(result, tmp);
    expect(lines.slice(0, 5)).toEqual([
      'lab/0000-namespace.k8s.yaml: 1 Namespace',
      'lab/0001-keepalived.k8s.yaml: 1 ServiceAccount, 1 ClusterRole, 1 ClusterRoleBinding, 1 ConfigMap, 1 DaemonSet',
      'lab/0002-docroot.k8s.yaml: 3 PersistentVolume, 3 PersistentVolumeClaim',
      'lab/0003-web.k8s.yaml: 1 Deployment, 1 Service, 1 PodDisruptionBudget, 3 NetworkPolicy, 4 CronJob',
      'lab/0004-logs.k8s.yaml: 1 PersistentVolume, 1 PersistentVolumeClaim, 1 ConfigMap, 1 DaemonSet, 1 NetworkPolicy',
    ]);
    expect(lines).toHaveLength(11);
    expect(lines[6]).toBe('lab/control-plane/: 16 files for the nodes, not for kubectl (docs/control-plane.md)');
    expect(lines[7]).toBe('lab/monitoring/: 2 files for Prometheus, not for kubectl: its scrape configuration and rules (docs/monitoring.md)');
    expect(lines[8]).toBe('lab/operator/contract.json: for the operator CLI (site lab, 3 Secrets and 1 ConfigMap to create, 10 images)');
    expect(lines[9]).toMatch(/^warning: \[keepalived\/KeepalivedVip\] VIP 192.168.1.31 publishes port 22/);
    expect(lines[10]).toBe('warning: [web/Myweb] port 22 clashes with the router node sshd');
  });
});

describe('apps/lab/main', () => {
  test('writes dist/lab under the working folder and prints one line per file', () => {
    const main = path.join(__dirname, '../../lib/lab/main.js');
    const out = spawnSync(process.execPath, [main], { cwd: tmp, encoding: 'utf-8' });
    expect(out.status).toBe(0);
    const lines = out.stdout.trim().split('\n');
    expect(lines.map((l) => l.split(':')[0])).toEqual([
      'dist/lab/0000-namespace.k8s.yaml', 'dist/lab/0001-keepalived.k8s.yaml', 'dist/lab/0002-docroot.k8s.yaml', 'dist/lab/0003-web.k8s.yaml',
      'dist/lab/0004-logs.k8s.yaml', 'dist/lab/0005-dashboard.k8s.yaml', 'dist/lab/control-plane/', 'dist/lab/monitoring/', 'dist/lab/operator/contract.json',
      'dist/lab/site.dot', 'warning',
    ]);
    expect(lines[9]).toBe('dist/lab/site.dot: the picture of the site (Graphviz: dot -Tsvg dist/lab/site.dot > lab.svg)');
    expect(fs.readdirSync(path.join(tmp, 'dist'))).toEqual(['lab']);
  });

  test('a site fact that fails while the site loads gets the same one line, no stack, with where it was thrown (negative control: the intact copy runs)', () => {
    const lib = path.join(__dirname, '../../lib');
    const copy = fs.mkdtempSync(path.join(lib, '.lab-copy-'));
    try {
      fs.cpSync(path.join(lib, 'lab'), copy, { recursive: true });
      expect(spawnSync(process.execPath, [path.join(copy, 'main.js')], { cwd: tmp, encoding: 'utf-8' }).status).toBe(0);
      // a fact such as `capacity: Size.gibibytes(-10)` in site.ts: cdk8s throws where it is written
      const site = path.join(copy, 'site.js');
      fs.writeFileSync(site, `require('cdk8s').Size.gibibytes(-10);\n${fs.readFileSync(site, 'utf-8')}`);
      fs.rmSync(path.join(tmp, 'dist'), { recursive: true, force: true });
      const out = spawnSync(process.execPath, [path.join(copy, 'main.js')], { cwd: tmp, encoding: 'utf-8' });
      expect({ status: out.status, stderr: out.stderr.trim() }).toEqual({
        status: 1, stderr: `synth of dist/lab failed, previous output kept: Storage amounts cannot be negative. Received: -10 (at ${path.relative(tmp, site)}:1)`,
      });
    } finally {
      fs.rmSync(copy, { recursive: true, force: true });
    }
  });

  test('warns when the site is not named after its folder (negative control: lab in dist/lab warns only of port 22)', () => {
    const lib = path.join(__dirname, '../../lib');
    const copy = fs.mkdtempSync(path.join(lib, '.lab-copy-'));
    try {
      fs.cpSync(path.join(lib, 'lab'), copy, { recursive: true });
      const main = path.join(copy, 'main.js');
      fs.writeFileSync(main, fs.readFileSync(main, 'utf-8').replace(/'dist\/lab'/g, "'dist/mysite'"));
      const out = spawnSync(process.execPath, [main], { cwd: tmp, encoding: 'utf-8' });
      expect(out.status).toBe(0);
      expect(out.stdout.trim().split('\n').pop()).toBe('warning: dist/mysite holds the site "lab" (the app.kubernetes.io/part-of label of its objects), '
        + 'not "mysite": `cdk8s-vserver wait mysite` would find nothing. Name the site after its folder (name: \'mysite\'), or synthesize it into dist/lab');
      const lab = spawnSync(process.execPath, [path.join(lib, 'lab/main.js')], { cwd: tmp, encoding: 'utf-8' });
      expect(lab.stdout.split('\n').filter((l) => l.startsWith('warning:'))).toHaveLength(1);
    } finally {
      fs.rmSync(copy, { recursive: true, force: true });
      fs.rmSync(path.join(tmp, 'dist'), { recursive: true, force: true });
    }
  });

  test('fails with exit code 1 and says so when it cannot write dist/lab', () => {
    const main = path.join(__dirname, '../../lib/lab/main.js');
    fs.writeFileSync(path.join(tmp, 'dist'), 'not a folder\n');
    const out = spawnSync(process.execPath, [main], { cwd: tmp, encoding: 'utf-8' });
    expect(out.status).toBe(1);
    expect(out.stderr).toMatch(/^synth of dist\/lab failed, previous output kept: /);
    expect(out.stdout).toBe('');
    expect(fs.readFileSync(path.join(tmp, 'dist'), 'utf-8')).toBe('not a folder\n');
  });
});

describe('npx projen synth [APP...] (lib/synth.js)', () => {
  const repo = path.join(__dirname, '../..');
  const synth = (...apps: string[]) => spawnSync(process.execPath, [path.join(repo, 'lib/synth.js'), ...apps], { cwd: tmp, encoding: 'utf-8' });

  test('an app is a folder of apps/ whose main exports `done`: the lab and the agency, not the benchmark\'s generator, nor a compiled app whose source is gone', () => {
    // (a user's own apps may be there too: the fixtures' tests never pin the list)
    const found = appsIn(path.join(repo, 'lib'), path.join(repo, 'apps'));
    expect(found).toEqual(expect.arrayContaining(['agency', 'lab']));
    expect(found).not.toContain('generated');
    // a user's own app, found as soon as it is compiled; a stale compiled one (its source removed) is not
    const lib = path.join(tmp, 'lib');
    const apps = path.join(tmp, 'apps');
    for (const [name, declaration, source] of [['mysite', 'export declare const done: Promise<void>;\n', true], ['gone', 'export declare const done: Promise<void>;\n', false],
      ['tool', 'export {};\n', true]] as const) {
      fs.mkdirSync(path.join(lib, name), { recursive: true });
      fs.writeFileSync(path.join(lib, name, 'main.d.ts'), declaration);
      if (source) { fs.mkdirSync(path.join(apps, name), { recursive: true }); fs.writeFileSync(path.join(apps, name, 'main.ts'), ''); }
    }
    expect(appsIn(lib, apps)).toEqual(['mysite']);
  });

  test('a copy of the agency app is a new app as it is: it writes dist/<its folder>, not dist/agency', () => {
    const lib = path.join(repo, 'lib');
    const copy = fs.mkdtempSync(path.join(lib, 'mysite-'));
    try {
      fs.cpSync(path.join(lib, 'agency'), copy, { recursive: true });
      const out = spawnSync(process.execPath, [path.join(copy, 'main.js')], { cwd: tmp, encoding: 'utf-8' });
      expect(out.status).toBe(0);
      expect(fs.readdirSync(path.join(tmp, 'dist'))).toEqual([path.basename(copy)]);
      expect(out.stdout).toContain(`dist/${path.basename(copy)}/0000-namespace.k8s.yaml: `);
    } finally {
      fs.rmSync(copy, { recursive: true, force: true });
    }
  });

  test('one app named: only it is synthesized (into dist/<app> of the folder it runs in), with only its warnings', () => {
    const out = synth('agency');
    expect(out.status).toBe(0);
    expect(fs.readdirSync(path.join(tmp, 'dist'))).toEqual(['agency']);
    expect(out.stdout).toMatch(/^dist\/agency\/0000-namespace\.k8s\.yaml: /m);
    expect(`${out.stdout}${out.stderr}`).not.toMatch(/lab|myweb/);
  });

  test('an app that is not there: exit 2, naming the apps there are', () => {
    const out = synth('nosuchapp');
    expect(out.status).toBe(2);
    expect(out.stderr.trim()).toMatch(/^synth: no app nosuchapp in apps\/ \(an app is apps\/<name>\/main.ts exporting `done` from runApp, as apps\/lab\/main.ts does\); the apps are: (\S+, )*agency, (\S+, )*lab(, \S+)*$/);
    expect(fs.existsSync(path.join(tmp, 'dist'))).toBe(false);
  });
});
