import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Ipv4Address, synthApp } from '@cdk8s-vserver/core';
import { HostingSite, HostingSiteProps } from '@cdk8s-vserver/hosting';
import { get, lowerForNodeTier, onHost } from './site-client';
import { BACKEND_SITES, crdFiles } from '../backend-sites';
import { createNamespaces, installCustomResourceDefinitions } from '../cluster/dist';
import { getJson, isPodReady, kubectl, requireControlPlane } from '../cluster/kubectl';
import { waitFor } from '../support';

// The lab's server on the MetalLB backend, on real kubelets: its Service is `type: LoadBalancer`, asks for its
// address by annotation and has no externalIPs. MetalLB's controller and speaker cannot run here (their images
// come from quay.io), so the test does their two jobs by hand, as the tier does kube-keepalived-vip's for dist/lab:
// the speaker's, putting the VIP on the router's interface; the controller's, writing it into the Service's status.
// Real kube-proxy must then forward it to the real pods. The site is kept apart from dist/lab (its own namespace,
// VIP, volume and export), and removed afterwards.
requireControlPlane();
jest.setTimeout(240_000);

const VIP = '192.168.1.41';
const [, base] = BACKEND_SITES.find(([backend]) => backend === 'metallb')!;
const SITE: HostingSiteProps = {
  ...base,
  servers: base.servers.map((s) => ({ ...s, vip: Ipv4Address.of(VIP), docroot: { ...s.docroot, exportPath: '/export/web/myweb-metallb' } })),
};
const NS = SITE.facts.namespace!;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'node-lb-'));
const nas = path.join(tmp, 'nas');
const page = `<!doctype html><p>myweb on MetalLB, ${new Date().toISOString()}</p>\n`;
const dir = synthApp(path.join(tmp, 'site'), (app) => new HostingSite(app, 'Site', SITE)).outdir;
const lowered = lowerForNodeTier(dir, nas);
const service = () => getJson(['service', 'myweb', '-n', NS]);
const routerHolds = () => onHost('node0', 'ip', ['-4', '-o', 'addr', 'show', 'dev', 'eth0']).stdout.includes(` ${VIP}/32 `);

beforeAll(async () => {
  // The server's export, with a page in it (the NAS side of an upload).
  const exportDir = path.join(nas, '/export/web/myweb-metallb');
  fs.mkdirSync(exportDir, { recursive: true, mode: 0o755 });
  fs.writeFileSync(path.join(exportDir, 'index.html'), page, { mode: 0o644 });
  installCustomResourceDefinitions(crdFiles());
  createNamespaces(lowered.objects);
  // The server's two Secrets (web-ssh-server README), in its namespace.
  const keys = path.join(tmp, 'keys');
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
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('the Service as applied: type LoadBalancer, its address asked for by annotation, no externalIPs', () => {
  const live = service();
  expect(live.spec.type).toBe('LoadBalancer');
  expect(live.metadata.annotations['metallb.io/loadBalancerIPs']).toBe(VIP);
  expect(live.spec.externalIPs).toBeUndefined();
  expect(lowered.objects.filter((o) => o.kind === 'IPAddressPool').map((o) => o.spec.addresses)).toEqual([[`${VIP}/32`]]);
});

test('negative control: before anything announces the address, the VIP does not answer', async () => {
  expect(routerHolds()).toBe(false);
  const res = await get(`http://${VIP}/`, 1500);
  expect(res.status).toBe(0);
});

test('negative control: the VIP on the router alone is not enough, kube-proxy forwards it only once it is in the status', async () => {
  // the speaker's job: the router answers ARP for the VIP
  expect(onHost('node0', 'ip', ['addr', 'add', `${VIP}/32`, 'dev', 'eth0']).status).toBe(0);
  const res = await get(`http://${VIP}/`, 1500);
  expect(res.status).toBe(0);
  expect(res.error).toMatch(/ECONNREFUSED|no answer/);
});

test('once the controller writes the address into the Service status, real kube-proxy on the router forwards it to the real pods', async () => {
  // the controller's job: the address it allocated, in the Service's status
  kubectl(['patch', 'service', 'myweb', '-n', NS, '--subresource=status', '--type=merge', '-p',
    JSON.stringify({ status: { loadBalancer: { ingress: [{ ip: VIP }] } } })]);
  expect(service().status.loadBalancer.ingress).toEqual([{ ip: VIP }]);
  const res = await waitFor(`http://${VIP}/ to serve the page`, 60, async () => {
    const r = await get(`http://${VIP}/`, 1500);
    return r.status === 200 ? r : undefined;
  });
  expect(res.body).toBe(page);
});
