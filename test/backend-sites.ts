import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { HostingSite, HostingSiteProps, synthApp } from '@cdk8s-vserver/hosting';
import { VipBackend } from '@cdk8s-vserver/vip';
import { LAB } from '../apps/lab/site';

/** The CRD files of the custom resources the packages emit (MetalLB's), committed with their licence. */
export const CRD_DIR = path.join(__dirname, '../packages/vip/crds/metallb-v0.16.1');

/** The YAML files of {@link CRD_DIR}. */
export function crdFiles(): string[] {
  return fs.readdirSync(CRD_DIR).filter((f) => f.endsWith('.yaml')).sort().map((f) => path.join(CRD_DIR, f));
}

/**
 * The lab's servers on each VIP backend that dist/ does not already show on the lab (dist/lab is kube-keepalived-vip,
 * dist/agency MetalLB): the lab's declaration with `facts.vipBackend` changed, and, so that all of them and dist/lab can be
 * applied to one test cluster side by side, its own name, namespace and volume names, without the Dashboard (whose
 * namespace is cluster-wide) and backups.
 */
export const BACKEND_SITES: ReadonlyArray<readonly [string, HostingSiteProps]> = (
  [['metallb', VipBackend.metalLb()], ['kube-vip', VipBackend.kubeVip()]] as const
).map(([backend, vipBackend]) => [backend, {
  ...LAB,
  name: `lab-${backend}`,
  facts: { ...LAB.facts, vipBackend, namespace: `lab-${backend}`, dashboard: undefined, backup: undefined },
  servers: LAB.servers.map((s) => ({ ...s, docroot: { volumeName: `lab-${backend}-${s.name}-docroot` } })),
}] as const);

/** Synthesizes each of {@link BACKEND_SITES} into a temporary folder: `[backend, folder]` pairs. */
export function synthBackendSites(): Array<[string, string]> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'backend-sites-'));
  return BACKEND_SITES.map(([backend, site]) => [backend, synthApp(path.join(root, site.name), (app) => new HostingSite(app, 'Site', site)).outdir]);
}
