import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Ipv4Address } from '@cdk8s-vserver/core';
import { HostingSite, HostingSiteProps, synthApp } from '@cdk8s-vserver/hosting';
import { get, lowerForNodeTier, onHost } from './site-client';
import { BACKEND_SITES, emittedCrdFiles, serverNamespace } from '../backend-sites';
import { createNamespaces, installCustomResourceDefinitions } from '../cluster/dist';
import { getJson, isPodReady, kubectl, requireControlPlane } from '../cluster/kubectl';
import { waitFor } from '../support';

// The lab's server on the MetalLB and on the kube-vip backend, on real kubelets: its Service is
// `type: LoadBalancer`, asks for its address by annotation and has no externalIPs. Neither controller can run here
// (their images come from quay.io and ghcr.io), so the test does their two jobs by hand: putting the VIP on a
// router's interface (MetalLB's speaker, kube-vip's leader) and writing it into the Service's status (MetalLB's
// controller, kube-vip). (dist/lab's VIPs, of kube-keepalived-vip, are placed by a real VRRP election instead:
// Debian's keepalived with the controller's settings, in site.test.ts.) Real kube-proxy must then
// forward it to the real pods. Each site is kept apart from dist/lab (its own namespace, VIP, volume and export),
// and removed afterwards.
requireControlPlane();
jest.setTimeout(240_000);

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'node-lb-'));
const nas = path.join(tmp, 'nas');
const routerHolds = (vip: string) => onHost('node0', 'ip', ['-4', '-o', 'addr', 'show', 'dev', 'eth0']).stdout.includes(` ${vip}/32 `);
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe.each([
  ['metallb', '192.168.1.41', 'metallb.io/loadBalancerIPs'],
  ['kube-vip', '192.168.1.42', 'kube-vip.io/loadbalancerIPs'],
])('the lab\'s server on %s', (backend, VIP, annotation) => {
  const [, base] = BACKEND_SITES.find(([b]) => b === backend)!;
  const exportPath = `/export/web/myweb-${backend}`;
  const SITE: HostingSiteProps = {
    ...base,
    servers: base.servers.map((s) => ({ ...s, address: Ipv4Address.of(VIP), docroot: { ...s.docroot, exportPath } })),
  };
  const NS = serverNamespace(SITE);
  const page = `<!doctype html><p>myweb on ${backend}, ${new Date().toISOString()}</p>\n`;
  const dir = synthApp(path.join(tmp, backend), (app) => new HostingSite(app, 'Site', SITE)).outdir;
  const lowered = lowerForNodeTier(dir, nas);
  const service = () => getJson(['service', 'myweb', '-n', NS]);

  beforeAll(async () => {
    // The server's export, web's as the README says, with a page in it (the NAS side of an upload).
    fs.mkdirSync(path.join(nas, exportPath), { recursive: true, mode: 0o755 });
    fs.chownSync(path.join(nas, exportPath), 1000, 1000);
    fs.writeFileSync(path.join(nas, exportPath, 'index.html'), page, { mode: 0o644 });
    installCustomResourceDefinitions(emittedCrdFiles());
    createNamespaces(lowered.objects);
    // The server's two Secrets (web-ssh-server README), in its namespace.
    const keys = path.join(tmp, `${backend}-keys`);
    fs.mkdirSync(keys);
    spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'myweb', '-f', path.join(keys, 'ssh_host_ed25519_key')]);
    spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'user@lan', '-f', path.join(keys, 'user')]);
    kubectl(['create', 'secret', 'generic', 'myweb-ssh-host-keys', '-n', NS, `--from-file=${path.join(keys, 'ssh_host_ed25519_key')}`]);
    kubectl(['create', 'secret', 'generic', 'myweb-ssh-authorized-keys', '-n', NS, `--from-file=authorized_keys=${path.join(keys, 'user.pub')}`]);
    kubectl(['apply', '-f', '-'], lowered.yaml);
    await waitFor(`myweb in ${NS} to have its ready pods`, 150, () => {
      const pods = getJson(['pods', '-n', NS, '-l', 'app.kubernetes.io/instance=myweb']).items.filter((p: any) => !p.metadata.deletionTimestamp);
      return pods.length === 2 && pods.every(isPodReady) ? pods : undefined;
    });
  });

  afterAll(() => {
    onHost('node0', 'ip', ['addr', 'del', `${VIP}/32`, 'dev', 'eth0']);
    kubectl(['delete', 'namespace', NS, '--wait=false']);
    kubectl(['delete', 'persistentvolume', ...lowered.objects.filter((o) => o.kind === 'PersistentVolume').map((o) => o.metadata.name), '--wait=false']);
  });

  test('the Service as applied: type LoadBalancer, its address asked for by annotation, no externalIPs', () => {
    const live = service();
    expect(live.spec.type).toBe('LoadBalancer');
    expect(live.metadata.annotations[annotation]).toBe(VIP);
    expect(live.spec.externalIPs).toBeUndefined();
  });

  test('negative control: before anything announces the address, the VIP does not answer', async () => {
    expect(routerHolds(VIP)).toBe(false);
    const res = await get(`http://${VIP}/`, { timeoutMs: 1500 });
    expect(res.status).toBe(0);
  });

  test('negative control: the VIP on the router alone is not enough, kube-proxy forwards it only once it is in the status', async () => {
    // the announcer's job: the router answers ARP for the VIP
    expect(onHost('node0', 'ip', ['addr', 'add', `${VIP}/32`, 'dev', 'eth0']).status).toBe(0);
    const res = await get(`http://${VIP}/`, { timeoutMs: 1500 });
    expect(res.status).toBe(0);
    expect(res.error).toMatch(/ECONNREFUSED|no answer/);
  });

  test('once the address is in the Service status, real kube-proxy on the router forwards it to the real pods', async () => {
    // the controller's job: the address, in the Service's status
    kubectl(['patch', 'service', 'myweb', '-n', NS, '--subresource=status', '--type=merge', '-p',
      JSON.stringify({ status: { loadBalancer: { ingress: [{ ip: VIP }] } } })]);
    expect(service().status.loadBalancer.ingress).toEqual([{ ip: VIP }]);
    const res = await waitFor(`http://${VIP}/ to serve the page`, 60, async () => {
      const r = await get(`http://${VIP}/`, { timeoutMs: 1500 });
      return r.status === 200 ? r : undefined;
    });
    expect(res.body).toBe(page);
  });
});
