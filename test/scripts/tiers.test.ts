import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { filesUnder } from '../support';

// The tier runner's promises that need no cluster to check: the schema tier needs only the schema, and a machine
// without Debian's apt gets one line that says what is needed and why.
const repo = path.join(__dirname, '../..');

function bash(args: string[], env: Record<string, string>) {
  const out = spawnSync('bash', args, { cwd: repo, encoding: 'utf-8', env: { ...process.env, ...env }, timeout: 60_000 });
  return { status: out.status, stderr: out.stderr.trim() };
}

describe('scripts/run-tier.sh on a machine without apt', () => {
  test.each(['schema', 'cluster', 'node'])('the %s tier says in one line what it needs and why, and fails', (tier) => {
    const out = bash(['scripts/run-tier.sh', tier], { VSERVER_APT_GET: 'vserver-no-such-apt-get', VSERVER_SKIP_CLUSTER_TIER: '', CI: '' });
    expect(out.status).toBe(1);
    expect(out.stderr.split('\n')).toHaveLength(1);
    expect(out.stderr).toMatch(new RegExp(`^the ${tier} tier needs Debian's apt \\(vserver-no-such-apt-get\\): it fetches the Kubernetes OpenAPI document .*; run the tests on Debian 12 \\(bookworm\\)$`));
  });
});

/** Runs `command` in bash under scripts/without-tier-tools.sh, with `stubs` first on its PATH. */
function withoutTierTools(command: string, stubs: string, env: Record<string, string> = {}) {
  return bash(['scripts/without-tier-tools.sh', 'bash', '-c', `PATH="${stubs}:$PATH"; ${command}`], env);
}
/** An executable shell script. */
function script(file: string, body: string) {
  fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
}

describe('scripts/without-tier-tools.sh, under which the unit tier runs', () => {
  let stubs: string;
  beforeEach(() => { stubs = fs.mkdtempSync(path.join(os.tmpdir(), 'stubs-')); });
  afterEach(() => fs.rmSync(stubs, { recursive: true, force: true }));

  test('hides every tool a later tier installs, wherever it is on PATH, and keeps the rest', () => {
    for (const tool of ['dot', 'promtool', 'etcd', 'keepalived', 'buildah', 'pebble', 'shellcheck']) script(path.join(stubs, tool), 'true');
    expect(spawnSync('bash', ['scripts/without-tier-tools.sh', 'bash', '-c', 'for t in dot promtool etcd keepalived buildah pebble shellcheck node; do command -v $t >/dev/null && echo $t; done'],
      { cwd: repo, encoding: 'utf-8', env: { ...process.env, PATH: `${stubs}:${process.env.PATH}` } }).stdout).toBe('node\n');
  });

  test('negative control: without it, the same PATH finds them', () => {
    for (const tool of ['dot', 'promtool']) script(path.join(stubs, tool), 'true');
    const out = spawnSync('bash', ['-c', 'for t in dot promtool node; do command -v $t >/dev/null && echo $t; done'],
      { encoding: 'utf-8', env: { ...process.env, PATH: `${stubs}:${process.env.PATH}` } });
    expect(out.stdout).toBe('dot\npromtool\nnode\n');
  });

  test('the unit tier runs under it, and under it (as in `npx projen test:unit`) no tier tool is on this process\'s PATH', () => {
    const tasks = JSON.parse(fs.readFileSync(path.join(repo, '.projen/tasks.json'), 'utf-8')).tasks;
    expect(tasks['test:unit'].steps).toEqual([{ exec: 'bash scripts/without-tier-tools.sh jest --ci', receiveArgs: true }]);
    // (a plain `npx jest` outside the task has them, if the machine does)
    if (process.env.VSERVER_WITHOUT_TIER_TOOLS !== '1') return;
    const found = ['dot', 'promtool', 'etcd', 'keepalived', 'haproxy', 'containerd', 'buildah', 'pebble', 'rsyslogd', 'shellcheck']
      .filter((tool) => spawnSync('bash', ['-c', `command -v ${tool}`]).status === 0);
    expect(found).toEqual([]);
  });
});

describe('scripts/cluster/prepare.sh schema, with the OpenAPI document cached, against stubs', () => {
  let cache: string;
  let stubs: string;
  let record: string;
  const openapi = () => path.join(cache, 'openapi/kubernetes-1.30-swagger.json');
  /** A stand-in apt-get that records what it was asked, and "installs" the named tools as stubs (none with `installs` empty). */
  const aptGet = (installs: Record<string, string>) => {
    const cases = Object.entries(installs).map(([pkg, tool]) => `${pkg}) printf '#!/bin/sh\\n' > "${stubs}/${tool}"; chmod +x "${stubs}/${tool}" ;;`).join(' ');
    script(path.join(stubs, 'apt-get'), `echo "$*" >> "${record}"\nfor a in "$@"; do case "$a" in ${cases || 'none) ;;'} esac; done`);
  };
  const prepare = () => withoutTierTools('exec bash scripts/cluster/prepare.sh schema', stubs, { VSERVER_CACHE: cache, VSERVER_APT_GET: 'apt-get' });
  const asked = () => (fs.existsSync(record) ? fs.readFileSync(record, 'utf-8').trim().split('\n') : []);
  beforeEach(() => {
    cache = fs.mkdtempSync(path.join(os.tmpdir(), 'prepare-'));
    stubs = fs.mkdtempSync(path.join(os.tmpdir(), 'stubs-'));
    record = path.join(cache, '..', `${path.basename(cache)}-apt.log`);
    fs.mkdirSync(path.join(cache, 'openapi'));
    fs.writeFileSync(openapi(), '{}');
  });
  afterEach(() => {
    for (const dir of [cache, stubs, record]) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('with dot, promtool and haproxy there, is done: no package installed, no Kubernetes built', () => {
    script(path.join(stubs, 'dot'), 'true');
    script(path.join(stubs, 'promtool'), 'true');
    script(path.join(stubs, 'haproxy'), 'true');
    aptGet({});
    expect(prepare()).toEqual({ status: 0, stderr: `[cluster-prepare] OpenAPI document: ${openapi()}` });
    expect(asked()).toEqual([]);
    expect(fs.readdirSync(cache)).toEqual(['openapi']);
  });

  test('with none, installs graphviz, prometheus and haproxy in one apt-get run, waiting for apt\'s lock instead of failing', () => {
    aptGet({ graphviz: 'dot', prometheus: 'promtool', haproxy: 'haproxy' });
    expect(prepare()).toEqual({ status: 0, stderr: `[schema] installing Debian packages: graphviz prometheus haproxy\n[cluster-prepare] OpenAPI document: ${openapi()}` });
    expect(asked()).toEqual([
      '-o DPkg::Lock::Timeout=600 update -qq',
      '-o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends graphviz prometheus haproxy',
    ]);
  });

  test('fails with one line naming a tool the install did not bring', () => {
    aptGet({ graphviz: 'dot', haproxy: 'haproxy' });
    expect(prepare()).toEqual({
      status: 1,
      stderr: '[schema] installing Debian packages: graphviz prometheus haproxy\nthe schema tier needs promtool (Debian package prometheus), still missing after installing it',
    });
  });

  test('fails when apt-get fails (its exit status, nothing after it)', () => {
    script(path.join(stubs, 'apt-get'), 'echo "E: Could not get lock /var/lib/dpkg/lock-frontend" >&2; exit 100');
    expect(prepare()).toEqual({ status: 100, stderr: '[schema] installing Debian packages: graphviz prometheus haproxy\nE: Could not get lock /var/lib/dpkg/lock-frontend' });
  });

  test('negative control: an unknown tier is refused', () => {
    expect(bash(['scripts/cluster/prepare.sh', 'everything'], { VSERVER_CACHE: cache }))
      .toEqual({ status: 2, stderr: "prepare.sh: unknown tier 'everything' (schema or cluster)" });
  });
});

describe('the switch that skips the real tiers', () => {
  test.each(['cluster', 'node'])('is refused on CI for the %s tier', (tier) => {
    expect(bash(['scripts/run-tier.sh', tier], { VSERVER_SKIP_CLUSTER_TIER: '1', CI: 'true' }))
      .toEqual({ status: 1, stderr: `VSERVER_SKIP_CLUSTER_TIER=1 is set on CI: the real ${tier} tier is never skipped there` });
  });

  test('skips loudly elsewhere, with a line the closing count reads as a skipped tier', () => {
    const out = spawnSync('bash', ['scripts/run-tier.sh', 'node'], { cwd: repo, encoding: 'utf-8', env: { ...process.env, VSERVER_SKIP_CLUSTER_TIER: '1', CI: '' } });
    expect(out.status).toBe(0);
    expect(out.stderr).toContain('!!! SKIPPED: the real node tier');
    expect(out.stdout).toBe('Tier skipped: node\n');
  });

  test("the closing line counts jest's tests and each skipped tier (negative control: a run with none skipped says 0)", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'closing-'));
    try {
      const log = path.join(dir, 'test.log');
      const closing = () => spawnSync('bash', ['scripts/closing-line.sh', log], { cwd: repo, encoding: 'utf-8' }).stdout;
      fs.writeFileSync(log, 'Tests:       2 failed, 787 passed, 789 total\nTests:       5 passed, 5 total\n');
      expect(closing()).toBe('792 passed, 2 failed, 0 skipped\n');
      fs.appendFileSync(log, 'Tests:       1 skipped, 3 passed, 4 total\nTier skipped: cluster\nTier skipped: node\n');
      expect(closing()).toBe('skipped tiers: cluster node (each counted as one skipped below)\n795 passed, 2 failed, 3 skipped\n');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('filesUnder', () => {
  test('lists regular files only, and never follows a link, dangling or not', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'files-under-'));
    try {
      fs.mkdirSync(path.join(dir, 'etc'));
      fs.writeFileSync(path.join(dir, 'etc/hostname'), 'node0\n');
      fs.symlinkSync('../usr/lib/os-release', path.join(dir, 'etc/os-release'));
      fs.symlinkSync('hostname', path.join(dir, 'etc/name'));
      expect(filesUnder(dir)).toEqual(['etc/hostname']);
      expect(filesUnder(path.join(dir, 'missing'))).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
