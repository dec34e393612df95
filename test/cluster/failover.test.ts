import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { synthApp } from '@cdk8s-vserver/hosting';
import { DIST, objectsIn, waitFor } from '../support';
import { applyableYaml, createNamespaces } from './dist';
import { KubeClient } from './kube-client';
import { isPodReady, kubectl, requireControlPlane } from './kubectl';
import { NodeAgent, SITE_NODES } from './node-agent';
import { buildLab } from '../../apps/lab/lab';

// The report's two experiments, on the real control plane with simulated nodes (see docs/testing.md):
// (1) a node that runs a myweb pod dies: the page must stay up and the pod must move;
// (2) the image version changes: pods are replaced one at a time.
requireControlPlane();
jest.setTimeout(240_000);

const NS = 'default';
const SELECTOR = 'app.kubernetes.io%2Fname%3Dweb-ssh-server%2Capp.kubernetes.io%2Finstance%3Dmyweb';
const client = KubeClient.fromKubeconfig();
const agent = new NodeAgent(client);
const lab = objectsIn(path.join(DIST, 'lab'));
const deployment = lab.find((o) => o.kind === 'Deployment' && o.metadata.name === 'myweb')!;
const replicas: number = deployment.spec.replicas;
const evictionDelay: number = deployment.spec.template.spec.tolerations
  .find((t: any) => t.key === 'node.kubernetes.io/unreachable').tolerationSeconds;
/** The controller-manager's --node-monitor-grace-period for this tier (scripts/run-tier.sh). */
const GRACE = Number(process.env.VSERVER_NODE_MONITOR_GRACE_SECONDS ?? 40);
const results: Record<string, unknown> = {};

async function mywebPods(): Promise<any[]> {
  return (await client.get(`/api/v1/namespaces/${NS}/pods?labelSelector=${SELECTOR}`)).items;
}
async function readyEndpoints(): Promise<number> {
  const ep = await client.get(`/api/v1/namespaces/${NS}/endpoints/myweb`);
  return (ep.subsets ?? []).reduce((n: number, s: any) => n + (s.addresses ?? []).length, 0);
}
function until<T>(what: string, seconds: number, check: () => Promise<T | undefined>): Promise<T> {
  return waitFor(what, seconds, check, { intervalMs: 250, context: () => `agent errors: ${agent.errors.slice(-3).join(' | ') || 'none'}` });
}
async function waitForRollout(): Promise<void> {
  await until('myweb to finish its rollout', 120, async () => {
    const d = await client.get(`/apis/apps/v1/namespaces/${NS}/deployments/myweb`);
    const st = d.status;
    return st.observedGeneration >= d.metadata.generation && st.updatedReplicas === replicas && st.readyReplicas === replicas
      && st.replicas === replicas ? d : undefined;
  });
}
function apply(dir: string): void {
  kubectl(['apply', '-f', '-'], applyableYaml(dir).yaml);
}

beforeAll(async () => {
  await agent.start();
  createNamespaces(lab);
  apply(path.join(DIST, 'lab'));
  await until('myweb to be ready on every replica', 90, async () => {
    const pods = (await mywebPods()).filter(isPodReady);
    return pods.length === replicas && (await readyEndpoints()) === replicas ? pods : undefined;
  });
});

afterAll(async () => {
  await agent.shutdown();
  client.close();
  fs.mkdirSync(path.join(__dirname, '../../test-reports'), { recursive: true });
  fs.writeFileSync(path.join(__dirname, '../../test-reports/failover.json'), `${JSON.stringify(results, null, 2)}\n`);
  console.log(`failover and rollout figures:\n${JSON.stringify(results, null, 2)}`);
});

describe('scheduling on the reference site', () => {
  test('myweb pods land only on workers, never two on one node', async () => {
    const nodes = (await mywebPods()).filter(isPodReady).map((p) => p.spec.nodeName);
    const workers = SITE_NODES.filter((n) => n.labels.role === 'worker').map((n) => n.name);
    expect(nodes).toHaveLength(replicas);
    for (const node of nodes) expect(workers).toContain(node);
    expect(new Set(nodes).size).toBe(nodes.length);
  });

  test("the keepalived DaemonSet's pod lands only on the router node", async () => {
    const pods = await until('the keepalived pod', 60, async () => {
      const items = (await client.get('/api/v1/namespaces/kube-system/pods?labelSelector=app.kubernetes.io%2Fname%3Dkube-keepalived-vip')).items;
      return items.length > 0 && items.every((p: any) => p.spec.nodeName) ? items : undefined;
    });
    expect(pods.map((p: any) => p.spec.nodeName)).toEqual(['node0']);
  });
});

interface FailoverFigures {
  nodeMonitorGracePeriodSeconds: number;
  evictionDelaySeconds: number;
  nodeNotReadyAfterSeconds?: number;
  podEvictedAfterSeconds?: number;
  replacementReadyAfterSeconds: number;
  endpointSamples: number;
  minReadyEndpoints: number;
  victim: string;
  survivor: string;
  replacementNode: string;
}

/**
 * Stops the heartbeats of a node that runs a myweb pod, samples the Service's ready endpoints until a
 * replacement pod is ready on another node, then revives the node and waits until the site is whole again.
 */
async function measureFailover(tolerationSeconds: number): Promise<FailoverFigures> {
  const before = (await mywebPods()).filter(isPodReady);
  const victim = before[0].spec.nodeName as string;
  const survivor = before[1].spec.nodeName as string;
  const t0 = Date.now();
  agent.stop(victim);

  let minEndpoints = Infinity;
  let samples = 0;
  let unknownAt: number | undefined;
  let evictedAt: number | undefined;
  const replacement = await until('a replacement pod ready on another worker', GRACE + tolerationSeconds + 90, async () => {
    const endpoints = await readyEndpoints();
    minEndpoints = Math.min(minEndpoints, endpoints);
    samples++;
    if (unknownAt === undefined) {
      const node = await client.get(`/api/v1/nodes/${victim}`);
      if (node.status.conditions.some((c: any) => c.type === 'Ready' && c.status !== 'True')) unknownAt = Date.now();
    }
    const pods = await mywebPods();
    if (evictedAt === undefined && pods.some((p) => p.spec.nodeName === victim && p.metadata.deletionTimestamp)) evictedAt = Date.now();
    const ready = pods.filter(isPodReady).filter((p) => p.spec.nodeName !== victim);
    const moved = ready.find((p) => !before.some((b) => b.metadata.name === p.metadata.name));
    return ready.length === replicas && moved ? moved : undefined;
  });
  const seconds = (t: number | undefined) => (t === undefined ? undefined : Math.round((t - t0) / 100) / 10);
  const figures: FailoverFigures = {
    nodeMonitorGracePeriodSeconds: GRACE,
    evictionDelaySeconds: tolerationSeconds,
    nodeNotReadyAfterSeconds: seconds(unknownAt),
    podEvictedAfterSeconds: seconds(evictedAt),
    replacementReadyAfterSeconds: seconds(Date.now())!,
    endpointSamples: samples,
    minReadyEndpoints: minEndpoints,
    victim,
    survivor,
    replacementNode: replacement.spec.nodeName,
  };

  // The node comes back (and its kubelet finalizes the evicted pod) before the next experiment.
  agent.revive(victim);
  await until(`${victim} to be Ready and untainted`, 60, async () => {
    const node = await client.get(`/api/v1/nodes/${victim}`);
    const ready = node.status.conditions.some((c: any) => c.type === 'Ready' && c.status === 'True');
    return ready && !(node.spec.taints ?? []).length ? node : undefined;
  });
  await until('only the live myweb pods to remain', 60, async () => {
    const pods = await mywebPods();
    return pods.length === replicas && pods.every(isPodReady) ? pods : undefined;
  });
  return figures;
}

function expectFailover(f: FailoverFigures): void {
  expect(f.minReadyEndpoints).toBeGreaterThanOrEqual(1);
  expect(f.replacementNode).not.toBe(f.victim);
  expect(f.replacementNode).not.toBe(f.survivor);
  expect(SITE_NODES.find((n) => n.name === f.replacementNode)!.labels.role).toBe('worker');
  // Bounds: the node turns NotReady after the grace period, the pod leaves after the eviction delay.
  expect(f.podEvictedAfterSeconds!).toBeGreaterThanOrEqual(f.nodeMonitorGracePeriodSeconds + f.evictionDelaySeconds - 5);
  expect(f.replacementReadyAfterSeconds).toBeLessThan(f.nodeMonitorGracePeriodSeconds + f.evictionDelaySeconds + 30);
  expect(agent.errors).toEqual([]);
}

describe('failover: a worker that runs a myweb pod dies', () => {
  test('the page stays up at every sample and the pod moves to another worker after the eviction delay', async () => {
    results.failover = await measureFailover(evictionDelay);
    expectFailover(results.failover as FailoverFigures);
  });

  // Kubernetes' default, as the report lived through it: without the library's tolerations the API server
  // injects 300 s ones. It takes over 5 minutes, so it runs only when asked: VSERVER_MEASURE_DEFAULT_EVICTION=1.
  const measureDefault = process.env.VSERVER_MEASURE_DEFAULT_EVICTION === '1' ? test : test.skip;
  measureDefault('for comparison: with the API server\'s default 300 s tolerations', async () => {
    kubectl(['patch', 'deployment/myweb', '-n', NS, '--type=json', '-p', '[{"op":"remove","path":"/spec/template/spec/tolerations"}]']);
    await until('pods with the default tolerations', 120, async () => {
      const pods = (await mywebPods()).filter((p) => !p.metadata.deletionTimestamp);
      const defaults = pods.filter((p) => p.spec.tolerations.some((t: any) => t.key === 'node.kubernetes.io/unreachable' && t.tolerationSeconds === 300));
      return defaults.length === replicas && pods.length === replicas && pods.every(isPodReady) ? pods : undefined;
    });
    results.defaultFailover = await measureFailover(300);
    expectFailover(results.defaultFailover as FailoverFigures);
    apply(path.join(DIST, 'lab'));
    await waitForRollout();
  }, 900_000);
});

describe('rolling update: a new image version', () => {
  test('replaces pods one at a time: ready pods never below replicas, pods never above replicas + 1', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-v2-'));
    try {
      synthApp(path.join(out, 'lab'), (app) => buildLab(app, { mywebVersion: 'v2' }));
      const before = new Set((await mywebPods()).map((p) => p.metadata.name));
      const t0 = Date.now();
      apply(path.join(out, 'lab'));

      const sequence: string[] = [];
      const known = new Map<string, { ready: boolean; version: string }>();
      let minReady = Infinity;
      let maxPods = 0;
      await until('the rollout to v2 to finish', 120, async () => {
        const pods = (await mywebPods()).filter((p) => !p.metadata.deletionTimestamp);
        const ready = pods.filter(isPodReady);
        minReady = Math.min(minReady, ready.length);
        maxPods = Math.max(maxPods, pods.length);
        const at = `${((Date.now() - t0) / 1000).toFixed(1)}s`;
        // Within one sample: readiness first, then deletions, then creations.
        const events: string[][] = [[], [], []];
        for (const pod of pods) {
          const version = pod.metadata.labels['app.kubernetes.io/version'];
          const was = known.get(pod.metadata.name);
          if (!was) events[2].push(`${at} + ${version} pod created${before.has(pod.metadata.name) ? ' (existing)' : ''}`);
          if (isPodReady(pod) && !was?.ready) events[0].push(`${at}   ${version} pod ready`);
          known.set(pod.metadata.name, { ready: isPodReady(pod), version });
        }
        for (const [name, state] of known) {
          if (!pods.some((p) => p.metadata.name === name)) {
            events[1].push(`${at} - ${state.version} pod deleted`);
            known.delete(name);
          }
        }
        sequence.push(...events.flat());
        const done = pods.length === replicas && ready.length === replicas
          && ready.every((p) => p.spec.containers.every((c: any) => c.image.endsWith(':v2')));
        return done ? true : undefined;
      });
      results.rollingUpdate = { replicas, minReadyPods: minReady, maxPods, seconds: Math.round((Date.now() - t0) / 100) / 10, sequence };

      expect(minReady).toBeGreaterThanOrEqual(replicas);
      expect(maxPods).toBeLessThanOrEqual(replicas + 1);
      expect(sequence.filter((s) => s.includes('v2 pod created'))).toHaveLength(replicas);
      expect(sequence.filter((s) => s.includes('v1 pod deleted'))).toHaveLength(replicas);
      expect(agent.errors).toEqual([]);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
      // Back to the site as synthesized, so the other cluster tests see dist/lab as it is.
      apply(path.join(DIST, 'lab'));
      await waitForRollout();
    }
  });
});
