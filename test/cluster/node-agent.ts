import { KubeClient } from './kube-client';

/** A node of the simulated site. */
export interface SimNode {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly taints?: Array<{ key: string; effect: string; value?: string }>;
  readonly address: string;
}

/** The reference site's nodes: a master, the router node0, three workers. */
export const SITE_NODES: SimNode[] = [
  { name: 'master', labels: { 'node-role.kubernetes.io/master': '' }, taints: [{ key: 'node-role.kubernetes.io/master', effect: 'NoSchedule' }], address: '192.168.1.10' },
  { name: 'node0', labels: { role: 'router' }, address: '192.168.1.20' },
  { name: 'node1', labels: { role: 'worker' }, address: '192.168.1.21' },
  { name: 'node2', labels: { role: 'worker' }, address: '192.168.1.22' },
  { name: 'node3', labels: { role: 'worker' }, address: '192.168.1.23' },
];

const KUBELET_VERSION = 'v1.20.2';

function microTime(date = new Date()): string {
  return date.toISOString().replace(/Z$/, '000Z');
}

/**
 * What kubelet does for the control plane, and nothing more: for every live node it renews the node's Lease
 * and its Ready condition's heartbeat, reports pods bound to it as Running and Ready (with a pod IP, so the
 * endpoints controller publishes them), and finalizes pods deleted on it. No container runs.
 *
 * `stop(node)` simulates a node that dies: its heartbeats stop and its pods are left as they are.
 */
export class NodeAgent {
  private readonly live = new Set<string>();
  private readonly podIps = new Map<string, string>();
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private nextIp = 2;
  /** Errors of the last ticks (an agent that fails silently would make every later check meaningless). */
  public readonly errors: string[] = [];

  constructor(private readonly client: KubeClient, private readonly nodes: SimNode[] = SITE_NODES, private readonly periodMs = 1000) {}

  /** Registers the Node objects and their Leases (idempotent), and starts ticking. */
  public async start(): Promise<void> {
    const existing = new Set((await this.client.get('/api/v1/nodes')).items.map((n: any) => n.metadata.name));
    for (const node of this.nodes) {
      if (!existing.has(node.name)) await this.client.create('/api/v1/nodes', this.nodeObject(node));
      await this.renewLease(node.name);
      this.live.add(node.name);
    }
    await this.tick();
    this.timer = setInterval(() => {
      if (!this.running) this.running = this.tick().finally(() => { this.running = undefined; });
    }, this.periodMs);
  }

  /**
   * Stops ticking, and the simulated nodes leave the cluster: the pods bound to them are deleted at once (no
   * kubelet will ever finalize them) and their Node objects go. Otherwise the scheduler would keep binding later
   * tests' pods to nodes nobody runs, where a deleted pod stays Terminating and holds its claim for good.
   */
  public async shutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
    this.live.clear();
    const names = new Set(this.nodes.map((n) => n.name));
    const ignoreGone = (e: unknown) => { if (!String(e).includes(' 404 ')) throw e; };
    for (const node of names) await this.client.delete(`/api/v1/nodes/${node}`).catch(ignoreGone);
    for (const pod of (await this.client.get('/api/v1/pods')).items as any[]) {
      if (!names.has(pod.spec.nodeName)) continue;
      await this.client.delete(`/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}`, { gracePeriodSeconds: 0 }).catch(ignoreGone);
    }
  }

  /** The node dies: no more heartbeats, its pods are no longer reported on. */
  public stop(node: string): void {
    this.live.delete(node);
  }

  /** The node comes back. */
  public revive(node: string): void {
    this.live.add(node);
  }

  public isLive(node: string): boolean {
    return this.live.has(node);
  }

  private nodeObject(node: SimNode) {
    const now = new Date().toISOString();
    const resources = { cpu: '4', memory: '8Gi', pods: '110' };
    return {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: node.name, labels: { 'kubernetes.io/hostname': node.name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', ...node.labels } },
      spec: { taints: node.taints },
      status: {
        capacity: resources,
        allocatable: resources,
        conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'simulated', lastHeartbeatTime: now, lastTransitionTime: now }],
        addresses: [{ type: 'InternalIP', address: node.address }, { type: 'Hostname', address: node.name }],
        nodeInfo: {
          kubeletVersion: KUBELET_VERSION,
          kubeProxyVersion: KUBELET_VERSION,
          operatingSystem: 'linux',
          architecture: 'amd64',
          containerRuntimeVersion: 'simulated://1',
          kernelVersion: '',
          osImage: 'simulated',
          machineID: node.name,
          systemUUID: node.name,
          bootID: node.name,
        },
      },
    };
  }

  private async renewLease(node: string): Promise<void> {
    const path = `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${node}`;
    try {
      await this.client.mergePatch(path, { spec: { renewTime: microTime(), holderIdentity: node } });
    } catch (error) {
      if (!String(error).includes(' 404 ')) throw error;
      await this.client.create('/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: node, namespace: 'kube-node-lease' },
        spec: { holderIdentity: node, leaseDurationSeconds: 40, renewTime: microTime() },
      });
    }
  }

  private async tick(): Promise<void> {
    try {
      const now = new Date().toISOString();
      for (const node of this.live) {
        await this.renewLease(node);
        await this.client.strategicPatch(`/api/v1/nodes/${node}/status`, {
          status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'simulated', lastHeartbeatTime: now }] },
        });
      }
      const pods = (await this.client.get('/api/v1/pods')).items as any[];
      for (const pod of pods) {
        const node = pod.spec.nodeName;
        if (!node || !this.live.has(node)) continue;
        const path = `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}`;
        if (pod.metadata.deletionTimestamp) {
          // kubelet has stopped the containers: the pod object can go.
          await this.client.delete(path, { gracePeriodSeconds: 0 }).catch((e) => { if (!String(e).includes(' 404 ')) throw e; });
          continue;
        }
        const ready = (pod.status.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True');
        if (pod.status.phase === 'Running' && ready) continue;
        await this.client.mergePatch(`${path}/status`, { status: this.runningStatus(pod, now) });
      }
    } catch (error) {
      this.errors.push(String(error));
    }
  }

  private runningStatus(pod: any, now: string) {
    const node = this.nodes.find((n) => n.name === pod.spec.nodeName)!;
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    let ip = this.podIps.get(key);
    if (!ip) {
      ip = pod.spec.hostNetwork ? node.address : `10.244.${Math.floor(this.nextIp / 250)}.${(this.nextIp % 250) + 2}`;
      if (!pod.spec.hostNetwork) this.nextIp++;
      this.podIps.set(key, ip);
    }
    const condition = (type: string) => ({ type, status: 'True', lastProbeTime: null, lastTransitionTime: now });
    return {
      phase: 'Running',
      hostIP: node.address,
      podIP: ip,
      podIPs: [{ ip }],
      startTime: now,
      conditions: ['Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map(condition),
      containerStatuses: pod.spec.containers.map((c: any) => ({
        name: c.name, image: c.image, imageID: '', ready: true, started: true, restartCount: 0, state: { running: { startedAt: now } },
      })),
    };
  }
}
