import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Ipv4Address, NodeRole } from '@cdk8s-vserver/core';
import { HostingSite, HostingSiteProps, synthApp } from '@cdk8s-vserver/hosting';
import { entryConfig, entryConfigFiles, VipBackend } from '@cdk8s-vserver/vip';
import { Testing } from 'cdk8s';
import { PebbleCa } from './acme-ca';
import { makeSshSecrets, sftp as sftpBatch } from './customer';
import { podMemory } from './processes';
import { LoopReport, lowerForNodeTier, onHost, peerCertificate, RequestLoop } from './site-client';
import { buildGeneratedSite } from '../../apps/generated/site';
import { LAB } from '../../apps/lab/site';
import { emittedCrdFiles } from '../backend-sites';
import { createNamespaces, installCustomResourceDefinitions } from '../cluster/dist';
import { getJson, isPodReady, kubectl, requireControlPlane } from '../cluster/kubectl';
import { waitFor } from '../support';

// Three servers behind one shared entry (haproxy 3.0 from our image) on real kubelets: each gets its own certificate
// from Pebble through the entry (HTTP-01 routed by the Host header), curl gets each server's page with its own
// certificate by the name it asks for, an unknown name is refused, Apache logs the LAN client's address (PROXY
// protocol v2), and SSH on each server's port reaches its own sshd. MetalLB cannot run here (its images come from
// quay.io): the test does its two jobs by hand, as load-balancer.test.ts does, announcing the entry's VIP from a node
// that runs an entry pod (what MetalLB's speaker does for a Service with externalTrafficPolicy Local), and real
// kube-proxy forwards it. The tier's routers run kube-proxy only (no kubelet), so the entry runs on the workers here.
// The tier has no cluster DNS: the servers have fixed cluster IPs, which the entry connects to.
requireControlPlane();
jest.setTimeout(300_000);

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'node-entry-'));
const nas = path.join(tmp, 'nas');
const NS = 'lab-entry';
const ENTRY_NS = 'lab-entry-entry';
const VIP = '192.168.1.46';
const MASTER = '192.168.1.10';
const SERVERS = [
  { name: 'one', host: 'one.lab.test', sshPort: 2201, clusterIp: '10.96.0.71' },
  { name: 'two', host: 'two.lab.test', sshPort: 2202, clusterIp: '10.96.0.72' },
  { name: 'three', host: 'three.lab.test', sshPort: 2203, clusterIp: '10.96.0.73' },
] as const;
/** The server added while the loops run: one more line of the declaration, and a rollout of the entry. */
const FOUR = { name: 'four', host: 'four.lab.test', clusterIp: '10.96.0.74' } as const;
type ServerLine = typeof SERVERS[number] | typeof FOUR;
const exportOf = (name: string) => `/export/web/${NS}-${name}`;
const ACME_ROOT = `/export/web/.acme-${NS}`;
const acmeOf = (name: string) => `${ACME_ROOT}/${name}`;
/** The site, each server at `version` unless `versions` names another, with `servers` (the three by default). */
const SITE = (version: string, servers: readonly ServerLine[] = SERVERS, versions: Record<string, string> = {}): HostingSiteProps => ({
  name: NS,
  facts: {
    ...LAB.facts,
    namespace: NS,
    vipBackend: VipBackend.metalLb({ name: NS }),
    dashboard: undefined,
    backup: undefined,
    logs: undefined,
    monitoring: undefined,
    controlPlane: undefined,
    nas: { ...LAB.facts.nas, acmeStoreRoot: ACME_ROOT },
    // the tier's routers have no kubelet: the entry runs on the workers
    entry: { address: Ipv4Address.of(VIP), version: 'v1', nodeRole: NodeRole.WORKER },
  },
  servers: servers.map((s) => ({
    name: s.name,
    entry: 'sshPort' in s ? { sshPort: s.sshPort } : true,
    clusterIp: Ipv4Address.of(s.clusterIp),
    version: versions[s.name] ?? version,
    replicas: 2,
    hostnames: [s.host],
    docroot: { exportPath: exportOf(s.name), volumeName: `${NS}-${s.name}-docroot` },
  })),
});

const keys = path.join(tmp, 'keys');
const figures: Record<string, unknown> = {};
let pebble: PebbleCa;
let trust: string;
let announcedOn: string;

const pods = (namespace: string, instance: string) => getJson(['pods', '-n', namespace, '-l', `app.kubernetes.io/instance=${instance}`]).items
  .filter((p: any) => !p.metadata.deletionTimestamp);
const trustFile = () => path.join(tmp, 'pebble-root.pem');

/** curl from the LAN (the master), `host` pointed at the entry's VIP; body, status and curl's exit code. */
function curl(url: string, args: string[] = []): { status: number; body: string; exit: number; stderr: string } {
  const { hostname, port: given } = new URL(url);
  const port = given || (url.startsWith('https:') ? '443' : '80');
  const out = spawnSync('curl', ['-sS', '--max-time', '20', '--cacert', trustFile(), '--resolve', `${hostname}:${port}:${VIP}`, '-w', '\n%{http_code}', ...args, url],
    { encoding: 'utf-8' });
  const end = out.stdout.lastIndexOf('\n');
  return { status: Number(out.stdout.slice(end + 1)), body: out.stdout.slice(0, Math.max(end, 0)), exit: out.status ?? -1, stderr: out.stderr };
}

/** An sftp batch to the entry's VIP on `port`, as web with the customer's key, checking the host key of `knownHosts`. */
const sftp = (port: number, knownHostsFile: string, batch: string[]) => sftpBatch(keys, VIP, port, knownHostsFile, batch);

async function rolledOut(namespace: string, name: string, replicas: number, version?: string): Promise<any[]> {
  return waitFor(`${namespace}/${name} to run ${replicas} ready pods${version ? ` of ${version}` : ''}`, 240, () => {
    const d = getJson(['deployment', name, '-n', namespace]);
    const live = pods(namespace, name);
    return d.status.observedGeneration >= d.metadata.generation && d.status.updatedReplicas === replicas && live.length === replicas
      && live.every((p: any) => isPodReady(p) && (!version || p.spec.containers.every((c: any) => c.image.endsWith(`:${version}`)))) ? live : undefined;
  }, { intervalMs: 500, context: () => podsSaid(namespace, name) });
}

/**
 * Deletes an entry pod as a drain or an operator does (gracefully: its preStop, then haproxy's soft stop); returns how
 * to wait until it is gone, resolving with the seconds it took.
 */
function deleteEntryPod(victim: any): () => Promise<number> {
  const started = Date.now();
  kubectl(['delete', 'pod', '-n', ENTRY_NS, victim.metadata.name, '--wait=false']);
  return async () => {
    await waitFor(`the deleted pod ${victim.metadata.name} to be gone`, 120, () => (getJson(['pods', '-n', ENTRY_NS]).items
      .some((p: any) => p.metadata.name === victim.metadata.name) ? undefined : true), { intervalMs: 1000, context: () => podsSaid(ENTRY_NS, 'entry') });
    return +((Date.now() - started) / 1000).toFixed(1);
  };
}

/** What the pods of `instance` and their events say, for a wait that timed out. */
function podsSaid(namespace: string, instance: string): string {
  const states = pods(namespace, instance).map((p: any) => `${p.metadata.name} on ${p.spec.nodeName ?? 'no node'}: ${p.status.phase}, `
    + (p.status.containerStatuses ?? []).map((c: any) => `${c.name} ${c.ready ? 'ready' : JSON.stringify(c.state)}`).join(', '));
  const events = getJson(['events', '-n', namespace]).items.filter((e: any) => e.involvedObject.name.startsWith(instance))
    .slice(-10).map((e: any) => `${e.involvedObject.kind}/${e.involvedObject.name} ${e.reason}: ${e.message}`);
  return [...states, ...events].join('\n');
}

/** httpd's log of every live pod of `server` (a pod of a rollout just before may still be stopping, with no log to give). */
function httpdLog(server: string): string {
  return pods(NS, server).map((p: any) => kubectl(['logs', '-n', NS, p.metadata.name, '-c', 'httpd', '--tail=-1'])).join('\n');
}

/**
 * The VIP on `node`'s interface, and on no other: what MetalLB's speaker does for a Service with externalTrafficPolicy
 * Local, from a node that runs one of its pods (kube-proxy there hands the VIP's traffic to that pod only).
 */
function announce(node: string): void {
  if (announcedOn) onHost(announcedOn as any, 'ip', ['addr', 'del', `${VIP}/32`, 'dev', 'eth0']);
  onHost(node as any, 'ip', ['addr', 'add', `${VIP}/32`, 'dev', 'eth0']);
  // MetalLB's speaker says so with a gratuitous ARP; here the LAN client forgets the old node's MAC for the VIP
  onHost('master', 'ip', ['neigh', 'flush', 'to', VIP]);
  announcedOn = node;
}

function synth(version: string, servers: readonly ServerLine[] = SERVERS, versions: Record<string, string> = {}): string {
  const name = `dist-${version}-${servers.length}-${Object.entries(versions).flat().join('-')}`;
  return synthApp(path.join(tmp, name), (app) => new HostingSite(app, 'Site', SITE(version, servers, versions))).outdir;
}

/** The nodes with a ready endpoint of the entry's Service (kube-proxy sends the VIP's traffic there to a local pod). */
function nodesWithReadyEntry(): string[] {
  const endpoints = getJson(['endpoints', 'entry', '-n', ENTRY_NS]);
  return (endpoints.subsets ?? []).flatMap((s: any) => (s.addresses ?? []).map((a: any) => a.nodeName as string));
}

/**
 * MetalLB's speaker for the entry's Service (externalTrafficPolicy Local), by hand while `work` runs: the VIP is
 * answered only from a node with a ready entry pod; when that pod stops being ready (deleted, rolled out), the VIP
 * moves to a node that has one, as the speaker moves it on the Endpoints' change. Returns how often it moved.
 */
async function followingTheEntry<T>(work: () => Promise<T>): Promise<{ result: T; moves: number; movedAt: number[] }> {
  let running = true;
  const movedAt: number[] = [];
  const follower = (async () => {
    while (running) {
      const ready = nodesWithReadyEntry();
      if (ready.length && !ready.includes(announcedOn)) {
        announce(ready[0]);
        movedAt.push(Date.now());
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  try {
    return { result: await work(), moves: movedAt.length, movedAt };
  } finally {
    running = false;
    await follower;
  }
}

/** Request loops over HTTPS through the entry, one per server, patient as a browser (10 s per request). */
const startLoops = () => Promise.all(SERVERS.map((s) => RequestLoop.start(`https://${s.host}/`, `${s.name}'s site\n`,
  { address: VIP, ca: trust, intervalMs: 50, maxSeconds: 300, timeoutMs: 10_000 })));

/**
 * Each loop's figures, checked: many requests, none lost; but for a loop that ran while the VIP moved (`moves`, the
 * times of each move, and `started`, when the loops started), at most one request per move, and only a connection
 * reset within 3 s after a move: a request in flight when the VIP moves had its TCP connection on the old node, and its
 * next packets reach the new one, which knows no such connection (L2 failover's nature, MetalLB's speaker's too).
 */
function lostNothing(reports: LoopReport[], moves?: { movedAt: number[]; started: number }):
Record<string, { requests: number; failed: number; longestGapSeconds: number }> {
  for (const r of reports) {
    if (!moves) {
      expect({ failed: r.failed, failures: r.failures }).toEqual({ failed: 0, failures: [] });
      continue;
    }
    expect(r.failed).toBeLessThanOrEqual(moves.movedAt.length);
    expect(r.failures).toHaveLength(r.failed);
    for (const failure of r.failures) {
      const [, at, error] = /^([\d.]+)s: (.*)$/.exec(failure)!;
      const t = moves.started + Number(at) * 1000;
      const after = moves.movedAt.map((m) => t - m).filter((d) => d >= -500 && d <= 3000);
      expect({ failure, resetAtAMove: /ECONNRESET|socket hang up|EPIPE/.test(error) && after.length > 0 }).toEqual({ failure, resetAtAMove: true });
    }
  }
  for (const r of reports) expect(r.requests).toBeGreaterThan(50);
  return Object.fromEntries(SERVERS.map((s, i) => [s.name,
    { requests: reports[i].requests, failed: reports[i].failed, longestGapSeconds: +reports[i].longestGapSeconds.toFixed(2) }]));
}

const knownHosts: Record<string, string> = {};

beforeAll(async () => {
  for (const s of SERVERS) {
    fs.mkdirSync(path.join(nas, exportOf(s.name)), { recursive: true, mode: 0o755 });
    fs.chownSync(path.join(nas, exportOf(s.name)), 1000, 1000);
    // mod_md's store, of www-data (33)
    fs.mkdirSync(path.join(nas, acmeOf(s.name)), { recursive: true, mode: 0o755 });
    fs.chownSync(path.join(nas, acmeOf(s.name)), 33, 33);
  }
  fs.mkdirSync(keys, { recursive: true, mode: 0o700 });
  spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'customer@lan', '-f', path.join(keys, 'user')]);
  // the lab's ACME CA on the master, every name pointing at the entry's VIP (as public DNS would)
  // (the lab's ACME directory is https://192.168.1.10:14000/dir, with its CA in the ConfigMap lab-acme-ca)
  pebble = await PebbleCa.start(path.join(tmp, 'pebble'), MASTER, VIP);
  trust = await pebble.root();
  fs.writeFileSync(trustFile(), trust);
  installCustomResourceDefinitions(emittedCrdFiles());
  const dir = synth('v1');
  const lowered = lowerForNodeTier(dir, nas);
  createNamespaces(lowered.objects);
  fs.writeFileSync(path.join(tmp, 'lab-acme-ca.crt'), pebble.listenerCertificate);
  kubectl(['create', 'configmap', 'lab-acme-ca', '-n', NS, `--from-file=ca.crt=${path.join(tmp, 'lab-acme-ca.crt')}`]);
  for (const s of SERVERS) knownHosts[s.name] = makeSshSecrets(keys, NS, s.name, `[${VIP}]:${s.sshPort}`);
  kubectl(['apply', '-f', '-'], lowered.yaml);
  const entryPods = await rolledOut(ENTRY_NS, 'entry', 2);
  for (const s of SERVERS) await rolledOut(NS, s.name, 2, 'v1');
  // MetalLB's two jobs: the VIP answered from a node with an entry pod, and in the Service's status
  announce(entryPods[0].spec.nodeName);
  kubectl(['patch', 'service', 'entry', '-n', ENTRY_NS, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: { loadBalancer: { ingress: [{ ip: VIP }] } } })]);
  // each customer's page, uploaded through the entry's SSH port of that customer
  for (const s of SERVERS) {
    const page = path.join(tmp, `${s.name}.html`);
    fs.writeFileSync(page, `${s.name}'s site\n`);
    await waitFor(`sftp to ${s.name} through port ${s.sshPort}`, 60, () => (sftp(s.sshPort, knownHosts[s.name], [`put ${page} index.html`]).status === 0 ? true : undefined));
  }
});

afterAll(() => {
  if (announcedOn) onHost(announcedOn as any, 'ip', ['addr', 'del', `${VIP}/32`, 'dev', 'eth0']);
  pebble?.stop();
  kubectl(['delete', 'namespace', NS, ENTRY_NS, '--wait=false']);
  kubectl(['delete', 'persistentvolume', ...[...SERVERS, FOUR].flatMap((s) => [`${NS}-${s.name}-docroot`, `${s.name}-acme-pv`]), '--wait=false', '--ignore-not-found']);
  fs.mkdirSync(path.join(__dirname, '../../test-reports'), { recursive: true });
  fs.writeFileSync(path.join(__dirname, '../../test-reports/node-tier-entry.json'), `${JSON.stringify(figures, null, 2)}\n`);
  console.log(`node tier entry figures:\n${JSON.stringify(figures, null, 2)}`);
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('three servers behind one address', () => {
  test('SSH on each server\'s port reaches that server\'s own sshd (its host key), and the upload is in its own docroot', () => {
    for (const s of SERVERS) {
      expect(fs.readFileSync(path.join(nas, exportOf(s.name), 'index.html'), 'utf-8')).toBe(`${s.name}'s site\n`);
    }
    // negative control: with one's host key pinned for two's port, the connection is refused: that port is two's sshd
    const pinned = path.join(keys, 'one-as-two.known_hosts');
    fs.writeFileSync(pinned, fs.readFileSync(knownHosts.one, 'utf-8').replace(`[${VIP}]:${SERVERS[0].sshPort}`, `[${VIP}]:${SERVERS[1].sshPort}`));
    const wrong = sftp(SERVERS[1].sshPort, pinned, ['ls']);
    expect(wrong.status).not.toBe(0);
    expect(wrong.stderr).toMatch(/REMOTE HOST IDENTIFICATION HAS CHANGED/);
  });

  test('each server gets its own certificate from Pebble through the entry (HTTP-01 routed by the Host header)', async () => {
    const started = Date.now();
    const certs = await waitFor('each server to serve a certificate Pebble issued, through the entry', 180, async () => {
      const seen = await Promise.all(SERVERS.map((s) => peerCertificate(VIP, s.host, trust)));
      return seen.every((c) => c.authorized) ? seen : undefined;
    }, { intervalMs: 2000, context: () => pebble.log().split('\n').slice(-10).join('\n') });
    // every replica has it (each takes the new certificate with a graceful reload of its own): each pod, on its own address
    await waitFor('every replica of each server to serve the same certificate', 60, async () => {
      const seen = await Promise.all(SERVERS.flatMap((s) => pods(NS, s.name)
        .map(async (p: any) => ({ server: s.name, ...await peerCertificate(p.status.podIP, s.host, trust, 8443) }))));
      return seen.every((c) => c.authorized && c.fingerprint === certs[SERVERS.findIndex((s) => s.name === c.server)].fingerprint) ? true : undefined;
    }, { intervalMs: 1000 });
    figures.secondsToThreeCertificates = +((Date.now() - started) / 1000).toFixed(1);
    // three certificates, one per server, each validated over HTTP on port 80 of the entry's VIP
    expect(new Set(certs.map((c) => c.fingerprint)).size).toBe(3);
    for (const s of SERVERS) expect(pebble.log()).toContain(`Attempting to validate w/ HTTP: http://${s.host}:80/.well-known/acme-challenge/`);
  });

  test('curl --resolve for each hostname returns that server\'s page, over its own certificate; HTTP redirects to HTTPS from the server', () => {
    for (const s of SERVERS) {
      expect(curl(`https://${s.host}/`)).toMatchObject({ status: 200, body: `${s.name}'s site\n`, exit: 0 });
      const redirect = spawnSync('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code} %{redirect_url}', '--resolve', `${s.host}:80:${VIP}`, `http://${s.host}/some/page`],
        { encoding: 'utf-8' });
      expect(redirect.stdout).toBe(`301 https://${s.host}/some/page`);
    }
  });

  test('an unknown name is refused: a closed connection on 443 (no certificate shown), 404 "no such site" on 80', async () => {
    const tls = curl('https://nobody.lab.test/');
    expect(tls.exit).toBe(35);
    expect(await peerCertificate(VIP, 'nobody.lab.test', trust)).toMatchObject({ fingerprint: '', authorized: false });
    expect(curl('http://nobody.lab.test/')).toMatchObject({ status: 404, body: 'no such site' });
  });

  test('Apache logs the LAN client\'s address (the master\'s), not the entry\'s: PROXY protocol v2', async () => {
    const marker = `/client-${Date.now()}`;
    // (a replica that has just taken its new certificate reloads gracefully: a request may be retried meanwhile)
    await waitFor('a request for a missing page to be answered 404', 30, () => (curl(`https://${SERVERS[0].host}${marker}`).status === 404 ? true : undefined));
    const lines = await waitFor('the request in httpd\'s log', 30, () => {
      const found = httpdLog('one').split('\n').filter((l) => l.includes(marker));
      return found.length ? found : undefined;
    });
    expect(lines.map((l) => l.split(' ')[0])).toEqual(lines.map(() => MASTER));
  });

  test('figures: requests per second of one site through the entry (SNI routing) beside a direct connection to its pod, the same run', () => {
    const pod = pods(NS, 'one')[0];
    /** `requests` GETs by `clients` at once, each on a new connection (Connection: close), all answered 200 with the page. */
    const rate = (via: 'entry' | 'direct', clients: number, requests: number) => {
      const [port, address] = via === 'entry' ? ['443', VIP] : ['8443', pod.status.podIP];
      const url = `https://${SERVERS[0].host}:${port}/`;
      const started = process.hrtime.bigint();
      const out = spawnSync('curl', ['-sS', '--cacert', trustFile(), '--resolve', `${SERVERS[0].host}:${port}:${address}`, '-H', 'Connection: close',
        '-Z', '--parallel-max', String(clients), '-w', '%{http_code}\n', ...Array.from({ length: requests }, () => ['-o', '/dev/null', url]).flat()],
      { encoding: 'utf-8', timeout: 120_000 });
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      expect(out.stdout.trim().split('\n').filter((code) => code === '200')).toHaveLength(requests);
      return +(requests / seconds).toFixed(1);
    };
    rate('entry', 1, 5);
    rate('direct', 1, 5);
    figures.newConnectionsPerSecond = {
      oneClient: { throughTheEntry: rate('entry', 1, 100), directToThePod: rate('direct', 1, 100) },
      fourClients: { throughTheEntry: rate('entry', 4, 200), directToThePod: rate('direct', 4, 200) },
    };
    figures.entryMemory = { threeServers: podMemory(pods(ENTRY_NS, 'entry')[0]).haproxy };
  });

  test('a request loop through the entry loses nothing while one customer\'s server rolls out; the others see no failure either', async () => {
    const loops = await Promise.all(SERVERS.map((s) => RequestLoop.start(`https://${s.host}/`, `${s.name}'s site\n`, { address: VIP, ca: trust, intervalMs: 50 })));
    const apply = synth('v2');
    const lowered = lowerForNodeTier(apply, nas);
    // only server one moves to v2 (the others keep v1): its objects alone are applied
    kubectl(['apply', '-f', '-'], lowered.objects.filter((o) => o.kind === 'Deployment' && o.metadata.name === 'one').map((o) => JSON.stringify(o)).join('\n'));
    await rolledOut(NS, 'one', 2, 'v2');
    const reports = await Promise.all(loops.map((l) => l.stop()));
    figures.serverRollout = Object.fromEntries(SERVERS.map((s, i) => [s.name, { requests: reports[i].requests, failed: reports[i].failed }]));
    for (const r of reports) expect({ failed: r.failed, failures: r.failures }).toEqual({ failed: 0, failures: [] });
    for (const r of reports) expect(r.requests).toBeGreaterThan(50);
  });

  test('a request loop through the entry loses nothing while an entry pod is deleted (the one the VIP arrives at)', async () => {
    const loops = await startLoops();
    const started = Date.now();
    const victim = pods(ENTRY_NS, 'entry').find((p: any) => p.spec.nodeName === announcedOn);
    expect(victim).toBeDefined();
    const { result: secondsToGone, moves, movedAt } = await followingTheEntry(async () => {
      const gone = deleteEntryPod(victim);
      await rolledOut(ENTRY_NS, 'entry', 2);
      return gone();
    });
    figures.entryPodDeleted = { vipMoves: moves, secondsToGone, ...lostNothing(await Promise.all(loops.map((l) => l.stop())), { movedAt, started }) };
    expect(moves).toBeGreaterThan(0);
  });

  test('a new server is one more line: the entry rolls out for it, the loops lose nothing, and its name leads to it', async () => {
    fs.mkdirSync(path.join(nas, exportOf(FOUR.name)), { recursive: true, mode: 0o755 });
    fs.writeFileSync(path.join(nas, exportOf(FOUR.name), 'index.html'), "four's site\n");
    fs.chownSync(path.join(nas, exportOf(FOUR.name)), 1000, 1000);
    fs.chownSync(path.join(nas, exportOf(FOUR.name), 'index.html'), 1000, 1000);
    fs.mkdirSync(path.join(nas, acmeOf(FOUR.name)), { recursive: true, mode: 0o755 });
    fs.chownSync(path.join(nas, acmeOf(FOUR.name)), 33, 33);
    makeSshSecrets(keys, NS, FOUR.name, FOUR.host);
    const before = getJson(['deployment', 'entry', '-n', ENTRY_NS]).spec.template.metadata.annotations['cdk8s-vserver.io/config-sha256'];
    const loops = await startLoops();
    const started = Date.now();
    const { moves, movedAt } = await followingTheEntry(async () => {
      // one stays at v2 from the rollout above; four is new
      kubectl(['apply', '-f', '-'], lowerForNodeTier(synth('v1', [...SERVERS, FOUR], { one: 'v2' }), nas).yaml);
      await rolledOut(NS, FOUR.name, 2, 'v1');
      await waitFor('the entry to roll out its new configuration', 240, () => {
        const d = getJson(['deployment', 'entry', '-n', ENTRY_NS]);
        const live = pods(ENTRY_NS, 'entry');
        return d.spec.template.metadata.annotations['cdk8s-vserver.io/config-sha256'] !== before
          && d.status.observedGeneration >= d.metadata.generation && d.status.updatedReplicas === 2 && d.status.readyReplicas === 2
          && live.length === 2 && live.every(isPodReady) ? true : undefined;
      }, { intervalMs: 500 });
      // the old pods' drain: out of the Service first, then their connections finish
      await new Promise((r) => setTimeout(r, 8000));
    });
    figures.entryRollout = { vipMoves: moves, ...lostNothing(await Promise.all(loops.map((l) => l.stop())), { movedAt, started }) };
    expect(getJson(['configmap', 'entry-servers-001', '-n', ENTRY_NS]).data['https-001.map']).toContain(`${FOUR.host} `);
    // four's name leads to four, over the certificate Pebble gives it through the entry
    // (four's pods start before the entry has rolled out with its name: mod_md's first orders may fail validation, and
    // it tries again after a delay that doubles on each error, MDRetryDelay's 5 s first, as on a real site: its tries
    // fall 5, 15, 35, 75, 155, 315 and 635 s after the first error, and one that fails once more (a validation request
    // met by a VIP move) waits for the next: 420 s was not enough in one run in three)
    await waitFor("four's own certificate, through the entry", 720, async () => ((await peerCertificate(VIP, FOUR.host, trust)).authorized ? true : undefined),
      { intervalMs: 2000 });
    await waitFor("four's page", 30, () => (curl(`https://${FOUR.host}/`).body === "four's site\n" ? true : undefined));
  }, 1_260_000);
});

describe('negative controls: the same entry without what makes it work', () => {
  const configMap = (name: string) => getJson(['configmap', name, '-n', ENTRY_NS]);
  test('the VIP left where it was when the entry pod there is deleted (no speaker moving it): requests are lost', async () => {
    // a node with one entry pod (two on one node, which the spreading only prefers, would leave one serving there):
    // the other is deleted until the two are apart
    const apart = await waitFor('the entry\'s two pods on two nodes', 180, async () => {
      const live = pods(ENTRY_NS, 'entry');
      if (live.length === 2 && live.every(isPodReady) && live[0].spec.nodeName !== live[1].spec.nodeName) return live;
      if (live.length === 2 && live.every(isPodReady)) kubectl(['delete', 'pod', '-n', ENTRY_NS, live[1].metadata.name, '--wait=false']);
      return undefined;
    }, { intervalMs: 2000 });
    announce(apart[0].spec.nodeName);
    const loop = await RequestLoop.start(`https://${SERVERS[0].host}/`, `${SERVERS[0].name}'s site\n`, { address: VIP, ca: trust, intervalMs: 50, timeoutMs: 3000 });
    const gone = deleteEntryPod(apart[0]);
    // (10 s of requests while the pod the VIP arrives at stops and is replaced)
    await new Promise((r) => setTimeout(r, 10_000));
    const report = await loop.stop();
    await gone();
    figures.entryPodDeletedVipStayed = { requests: report.requests, failed: report.failed, longestGapSeconds: +report.longestGapSeconds.toFixed(2) };
    // kube-proxy there has no ready local pod for a Service with externalTrafficPolicy Local: it drops the VIP's packets
    expect(report.failed).toBeGreaterThan(0);
    await rolledOut(ENTRY_NS, 'entry', 2);
    announce(nodesWithReadyEntry()[0]);
  }, 600_000);

  test('routing by VIP alone (no SNI) serves the wrong certificate; without PROXY protocol the log shows the entry\'s address', async () => {
    const right = await peerCertificate(VIP, SERVERS[1].host, trust);
    const main = configMap('entry');
    const servers = configMap('entry-servers-001');
    const cfg: string = main.data['haproxy.cfg'];
    const backends: string = servers.data['servers-001.cfg'];
    // every HTTPS connection to server one, whatever name it asks for; HTTP to one's own port, without the PROXY header
    const broken = cfg.replace(/(  tcp-request content set-var\(txn\.backend\) var\(txn\.sni\),map_(str|reg)\([^)]*\) unless \{ var\(txn\.backend\) -m found \}\n)+  use_backend %\[var\(txn\.backend\)\] if \{ var\(txn\.backend\) -m found \}\n  default_backend no-such-site-tls/,
      '  default_backend lab-entry.one.https');
    const brokenBackends = backends.replace(`server one ${SERVERS[0].clusterIp}:8180 send-proxy-v2`, `server one ${SERVERS[0].clusterIp}:80`);
    expect(broken).toContain('  default_backend lab-entry.one.https\n');
    expect(broken).not.toContain('var(txn.sni),map_');
    expect(brokenBackends).not.toBe(backends);
    kubectl(['apply', '-f', '-'], [
      { ...main, metadata: { name: 'entry', namespace: ENTRY_NS }, data: { ...main.data, 'haproxy.cfg': broken } },
      { ...servers, metadata: { name: 'entry-servers-001', namespace: ENTRY_NS }, data: { ...servers.data, 'servers-001.cfg': brokenBackends } },
    ].map((o) => JSON.stringify(o)).join('\n'));
    kubectl(['rollout', 'restart', 'deployment/entry', '-n', ENTRY_NS]);
    await waitFor('the entry to roll out with the broken configuration', 180, () => {
      const d = getJson(['deployment', 'entry', '-n', ENTRY_NS]);
      return d.status.observedGeneration >= d.metadata.generation && d.status.updatedReplicas === 2 && d.status.readyReplicas === 2
        && pods(ENTRY_NS, 'entry').length === 2 ? true : undefined;
    }, { intervalMs: 1000 });
    // the new pods may run elsewhere: the VIP moves to one of them, as MetalLB would move it
    announce(pods(ENTRY_NS, 'entry')[0].spec.nodeName);
    const wrong = await waitFor('two.lab.test to get one\'s certificate', 30, async () => {
      const c = await peerCertificate(VIP, SERVERS[1].host, trust);
      return c.fingerprint && c.fingerprint !== right.fingerprint ? c : undefined;
    });
    expect(wrong.fingerprint).toBe((await peerCertificate(VIP, SERVERS[0].host, trust)).fingerprint);
    const marker = `/no-proxy-${Date.now()}`;
    // (one's own HTTP port: it redirects to HTTPS, 301)
    await waitFor('the request to be answered', 30, () => (curl(`http://${SERVERS[0].host}${marker}`).status === 301 ? true : undefined));
    const line = await waitFor('the request in httpd\'s log', 30, () => httpdLog('one').split('\n').find((l) => l.includes(marker)));
    // the entry's side of the connection: its pod's address, or its node's where kube-proxy masquerades the pod
    const entry = pods(ENTRY_NS, 'entry');
    const entrySide = [...entry.map((p: any) => p.status.podIP), ...entry.map((p: any) => p.status.hostIP)];
    expect(entrySide).toContain(line.split(' ')[0]);
    expect(line.split(' ')[0]).not.toBe(MASTER);
  });
});

describe('figures: the entry with the generated site of 1,000 servers', () => {
  test("the entry's memory with the 1,000 servers' backends (the generated site's entry as it synthesizes), and it answers", async () => {
    const generated = buildGeneratedSite(Testing.app(), 1000, { entry: true })!;
    // a backend for each server's HTTP and SSH, and the two for a name no server has
    expect(Object.values(entryConfigFiles(entryConfig(generated.servers))).join('\n').match(/^backend /gm)).toHaveLength(2002);
    // its ConfigMaps and the Deployment that mounts them all, moved to the entry's namespace, with the image this tier built
    const image = getJson(['deployment', 'entry', '-n', ENTRY_NS]).spec.template.spec.containers[0].image;
    // (each object as it renders, without synthesizing the app: its 1,000 servers' warnings are not this test's)
    const objects = [generated.configMap, ...generated.serverConfigs, generated.deployment].map((o) => o.toJson()).map((o: any) => {
      const moved = { ...o, metadata: { ...o.metadata, namespace: ENTRY_NS } };
      if (o.kind === 'Deployment') {
        moved.spec.template.spec.containers[0].image = image;
        // (on the workers, as the lab's entry: the tier's routers run no kubelet)
        moved.spec.template.spec.nodeSelector = { role: 'worker' };
      }
      return moved;
    });
    expect(objects.map((o: any) => o.metadata.name)).toEqual(['entry', 'entry-servers-001', 'entry-servers-002', 'entry-servers-003', 'entry-servers-004',
      'entry-servers-005', 'entry']);
    expect(objects[6].spec.template.spec.volumes[0].projected.sources).toHaveLength(6);
    const before = getJson(['deployment', 'entry', '-n', ENTRY_NS]).metadata.generation;
    // (kubectl apply as an operator would: each ConfigMap fits its annotation)
    kubectl(['apply', '-f', '-'], objects.map((o: any) => JSON.stringify(o)).join('\n'));
    const live = await waitFor('the entry to run the configuration of 1,000 servers', 240, () => {
      const d = getJson(['deployment', 'entry', '-n', ENTRY_NS]);
      const running = pods(ENTRY_NS, 'entry');
      return d.metadata.generation > before && d.status.observedGeneration >= d.metadata.generation && d.status.updatedReplicas === 2
        && d.status.readyReplicas === 2 && running.length === 2 && running.every(isPodReady) ? running : undefined;
    }, { intervalMs: 1000 });
    announce(live[0].spec.nodeName);
    // it runs that configuration: it answers a name it does not have with its 404, and listens on the last server's SSH
    // port (10999) but not the port after it (negative control)
    await waitFor('the entry to answer for a name it does not have', 30, () => (curl('http://nobody.lab.test/').status === 404 ? true : undefined));
    const connects = (port: number) => spawnSync('bash', ['-c', `exec 3<>/dev/tcp/${live[0].status.podIP}/${port}`], { timeout: 5000 }).status === 0;
    expect([connects(10999), connects(11000)]).toEqual([true, false]);
    const memory = podMemory(live[0]).haproxy;
    figures.entryMemory = { ...figures.entryMemory as object, thousandServers: memory };
    expect(memory.processes).toBeGreaterThan(0);
  });
});
