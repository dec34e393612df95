import { spawnSync, SpawnSyncReturns } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse } from 'yaml';
import { DIST } from '../support';

// The API VIP's holders of the lab's redundant control plane, from the images this project's Dockerfiles build
// (packages/control-plane/images/, on Debian 13 like the server images; scripts/node/build-images.sh): each image's
// own keepalived and haproxy read the files the synth wrote for a master, mounted where the static Pods mount them,
// haproxy as the Pod's uid. The cluster tier runs the failover itself with Debian 12's keepalived and haproxy
// (scripts/cluster/ha-control-plane.sh); this holds the images' newer releases to the same files.
jest.setTimeout(120_000);

const images = process.env.VSERVER_IMAGES;
if (!images) throw new Error('VSERVER_IMAGES is not set: run the node tier through scripts/run-tier.sh node');
const master1 = path.join(DIST, 'lab/control-plane/1-master1/etc');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cp-images-'));
// The containers run in a network namespace of their own with the interface keepalived.conf names (the tier's own
// command runs in the LAN's master namespace, whose interface is another), as on a master.
const NETNS = 'vcp-images';
const iface = /^\s+interface (\S+)$/m.exec(fs.readFileSync(path.join(master1, 'keepalived/keepalived.conf'), 'utf-8'))![1];
beforeAll(() => {
  spawnSync('ip', ['netns', 'del', NETNS]);
  for (const args of [['netns', 'add', NETNS], ['-n', NETNS, 'link', 'add', iface, 'type', 'veth', 'peer', 'name', 'peer0'], ['-n', NETNS, 'link', 'set', iface, 'up'],
    ['-n', NETNS, 'link', 'set', 'lo', 'up']]) {
    const out = spawnSync('ip', args, { encoding: 'utf-8' });
    if (out.status !== 0) throw new Error(`ip ${args.join(' ')}: ${out.stderr}`);
  }
});
afterAll(() => {
  spawnSync('ip', ['netns', 'del', NETNS]);
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Runs `command` in a container of the image built from packages/control-plane/images/<name>, with `mounts` read-only. */
function inImage(name: string, mounts: Record<string, string>, user: string | undefined, command: string[]): SpawnSyncReturns<string> {
  const from = spawnSync('buildah', ['from', '--quiet', `docker-archive:${path.join(images!, name, 'image.tar')}`], { encoding: 'utf-8' });
  if (from.status !== 0) throw new Error(`buildah from ${name}: ${from.stderr}`);
  const container = from.stdout.trim();
  try {
    // nsenter, not ip netns exec: that one mounts a /sys of its own, without the cgroup mount runc needs
    return spawnSync('nsenter', [`--net=/run/netns/${NETNS}`, 'buildah', 'run', '--network', 'host', ...(user ? ['--user', user] : []),
      ...Object.entries(mounts).flatMap(([host, inside]) => ['--volume', `${host}:${inside}:ro`]), container, '--', ...command], { encoding: 'utf-8' });
  } finally {
    spawnSync('buildah', ['rm', container]);
  }
}

/**
 * What master1's static Pod `pod` mounts from the node (each hostPath volume at its mountPath), with the node's `/`
 * at `root` (master1's folder in dist, or a changed copy of it), and the user it runs as.
 */
function podMounts(pod: string, root: string): { mounts: Record<string, string>; user: string | undefined } {
  const manifest = parse(fs.readFileSync(path.join(master1, 'kubernetes/manifests', `${pod}.yaml`), 'utf-8'));
  const volumes = new Map<string, string>(manifest.spec.volumes.filter((v: any) => v.hostPath).map((v: any) => [v.name, v.hostPath.path]));
  const mounts: Record<string, string> = {};
  for (const m of manifest.spec.containers[0].volumeMounts) {
    const host = volumes.get(m.name);
    if (host) mounts[path.join(root, host)] = m.mountPath;
  }
  const sc = manifest.spec.securityContext ?? {};
  return { mounts, user: sc.runAsUser !== undefined ? `${sc.runAsUser}:${sc.runAsGroup ?? sc.runAsUser}` : undefined };
}

/** A copy of master1's folder (its `/`) with `change` applied to `file` (a path from `/`). */
function changed(file: string, change: (text: string) => string): string {
  const copy = path.join(tmp, `root-${Math.random().toString(36).slice(2)}`);
  fs.cpSync(path.dirname(master1), copy, { recursive: true });
  fs.writeFileSync(path.join(copy, file), change(fs.readFileSync(path.join(copy, file), 'utf-8')));
  return copy;
}

const node = path.dirname(master1);

describe('the haproxy image', () => {
  test('takes master1\'s haproxy.cfg, mounted and run as the static Pod does (uid 65534); refuses a broken one (negative control)', () => {
    const pod = podMounts('haproxy', node);
    expect(pod.user).toBe('65534:65534');
    const ok = inImage('haproxy', pod.mounts, pod.user, ['haproxy', '-c', '-V', '-f', '/etc/haproxy/haproxy.cfg']);
    expect([ok.status, `${ok.stdout}${ok.stderr}`]).toEqual([0, expect.stringMatching(/Configuration file is valid/)]);
    const broken = podMounts('haproxy', changed('etc/haproxy/haproxy.cfg', (t) => t.replace('balance roundrobin', 'balance roundrobbin')));
    const bad = inImage('haproxy', broken.mounts, broken.user, ['haproxy', '-c', '-V', '-f', '/etc/haproxy/haproxy.cfg']);
    expect(bad.status).not.toBe(0);
    expect(bad.stdout + bad.stderr).toMatch(/haproxy\.cfg:\d+\] : balance only supports/);
  });
});

describe('the keepalived image', () => {
  test('takes master1\'s keepalived.conf, mounted as the static Pod does, and has the curl its check runs; refuses a broken one (negative control)', () => {
    const pod = podMounts('keepalived', node);
    expect(Object.values(pod.mounts).sort()).toEqual(['/etc/keepalived/check_apiserver.sh', '/etc/keepalived/keepalived.conf']);
    const ok = inImage('keepalived', pod.mounts, pod.user,
      ['sh', '-c', 'keepalived --config-test --use-file /etc/keepalived/keepalived.conf && curl --version | head -1']);
    expect([ok.status, ok.stdout]).toEqual([0, expect.stringMatching(/^curl \d/m)]);
    const broken = podMounts('keepalived', changed('etc/keepalived/keepalived.conf', (t) => t.replace('virtual_router_id 51', 'virtual_router_id 300')));
    const bad = inImage('keepalived', broken.mounts, broken.user, ['keepalived', '--config-test', '--use-file', '/etc/keepalived/keepalived.conf']);
    expect(bad.status).not.toBe(0);
    expect(bad.stdout + bad.stderr).toMatch(/VRID '300' not valid/);
  });
});
