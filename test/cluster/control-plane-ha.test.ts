import { spawn } from 'child_process';
import * as path from 'path';

// The lab's redundant control plane, run for real from what the synth wrote to dist/lab/control-plane/: three etcd
// members, three API servers, controller-managers and schedulers with leader election, and the API VIP held by
// Debian's keepalived and balanced by Debian's haproxy, each started as its static Pod runs it
// (scripts/cluster/ha-control-plane.sh). A client on the LAN asks /readyz through the VIP every 100 ms; the master
// holding the VIP is cut off the LAN.
const repo = path.join(__dirname, '../..');

interface Figures {
  readonly scenario: string;
  readonly requests: number;
  readonly requestsAfterCut: number;
  readonly failed: number;
  readonly okAfterCut: number;
  readonly firstAnswerAfterCutS: number | null;
  readonly longestGapS: number | null;
  readonly lastFailureAfterCutS: number | null;
  readonly failuresLaterThan8s: number;
  readonly windowS: number;
  readonly vipHolderAfter: string;
  readonly leaderBefore: string;
  readonly leaderAfter: string;
  readonly replicaSets: number;
  readonly pods: number;
}

/**
 * One run of a scenario, in network namespaces of its own (`vcp-<tag>-*`); `windowS`: how long the loop goes on after
 * the cut. The three scenarios run at once: what costs is each control plane's start, and their LANs are apart.
 */
function run(scenario: string, tag: string, windowS: number): Promise<Figures> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [path.join(repo, 'scripts/cluster/ha-control-plane.sh'), scenario], {
      cwd: repo, env: { ...process.env, WINDOW: String(windowS), VSERVER_HA_PREFIX: `vcp${tag}` },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGTERM'), 300_000);
    child.on('close', (status) => {
      clearTimeout(timer);
      if (status !== 0) {
        reject(new Error(`ha-control-plane.sh ${scenario} exited ${status}:\n${stderr.slice(-4000)}`));
        return;
      }
      const figures = JSON.parse(stdout.trim().split('\n').pop()!) as Figures;
      // the figures of each run, for docs/testing.md and the README's table
      console.log(`${scenario}: ${JSON.stringify(figures)}`);
      resolve(figures);
    });
  });
}

let failover: Figures;
let singleHolder: Figures;
let noHealthCheck: Figures;
beforeAll(async () => {
  [failover, singleHolder, noHealthCheck] = await Promise.all([run('failover', 'f', 12), run('single-holder', 's', 8), run('no-health-check', 'n', 16)]);
}, 320_000);

describe('a redundant control plane from dist/lab/control-plane/', () => {
  test('the master holding the API VIP is cut off: the API answers again through the VIP within seconds, the controller-manager\'s '
    + 'leader moves, a Deployment made after the failure gets its ReplicaSet and pods', () => {
    const f = failover;
    expect(f.leaderBefore).toBe('master1');
    expect(f.requestsAfterCut).toBeGreaterThan(50);
    // answered again through the VIP, by another master's haproxy
    expect(['master2', 'master3']).toContain(f.vipHolderAfter);
    expect(f.okAfterCut).toBeGreaterThan(20);
    expect(f.firstAnswerAfterCutS).not.toBeNull();
    expect(f.longestGapS!).toBeLessThan(10);
    // once the VIP moved, no request fails: haproxy no longer sends any to the dead API server
    expect(f.failuresLaterThan8s).toBe(0);
    expect(['master2', 'master3']).toContain(f.leaderAfter);
    expect([f.replicaSets, f.pods]).toEqual([1, 2]);
  });

  test('negative control: with the holder on a single master, the same cut leaves the API unreachable through the VIP', () => {
    const f = singleHolder;
    expect(f.requestsAfterCut).toBeGreaterThan(3);
    expect(f.okAfterCut).toBe(0);
    expect(f.vipHolderAfter).toBe('');
  });

  test('negative control: with haproxy\'s health checks off, requests keep going to the dead API server', () => {
    const f = noHealthCheck;
    expect(f.okAfterCut).toBeGreaterThan(0);
    expect(f.failuresLaterThan8s).toBeGreaterThan(0);
  });
});
