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

describe('scripts/cluster/prepare.sh schema', () => {
  let cache: string;
  beforeEach(() => { cache = fs.mkdtempSync(path.join(os.tmpdir(), 'prepare-')); });
  afterEach(() => fs.rmSync(cache, { recursive: true, force: true }));

  test('with the OpenAPI document cached, is done: no package installed, no Kubernetes built', () => {
    fs.mkdirSync(path.join(cache, 'openapi'));
    fs.writeFileSync(path.join(cache, 'openapi/kubernetes-1.30-swagger.json'), '{}');
    const out = bash(['scripts/cluster/prepare.sh', 'schema'], { VSERVER_CACHE: cache });
    expect(out).toEqual({ status: 0, stderr: `[cluster-prepare] OpenAPI document: ${cache}/openapi/kubernetes-1.30-swagger.json` });
    expect(fs.readdirSync(cache)).toEqual(['openapi']);
  });

  test('negative control: an unknown tier is refused', () => {
    expect(bash(['scripts/cluster/prepare.sh', 'everything'], { VSERVER_CACHE: cache }))
      .toEqual({ status: 2, stderr: "prepare.sh: unknown tier 'everything' (schema or cluster)" });
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
