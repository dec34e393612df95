import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Ipv4Address } from '@cdk8s-vserver/core';
import { DatabaseEngine, HostingSite, HostingSiteProps, synthApp, Tenancy } from '@cdk8s-vserver/hosting';
import { OPERATED_KINDS } from '@cdk8s-vserver/operator';
import { DatabaseVolume } from '@cdk8s-vserver/storage';
import { VipBackend } from '@cdk8s-vserver/vip';
import { PhpVersion } from '@cdk8s-vserver/web-ssh-server';
import { Size } from 'cdk8s';
import { parseDocument } from 'yaml';
import { LAB } from '../apps/lab/site';

/** The folders of CRD files of the custom resources the packages emit (MetalLB's, cert-manager's, the Prometheus Operator's, mariadb-operator's), committed with their licence. */
export const CRD_DIRS = [
  path.join(__dirname, '../packages/vip/crds/metallb-v0.16.1'),
  path.join(__dirname, '../packages/web-ssh-server/crds/cert-manager-v1.21.1'),
  path.join(__dirname, '../packages/monitoring/crds/prometheus-operator-v0.93.0'),
  path.join(__dirname, '../packages/storage/crds/mariadb-operator-v26.6.0'),
  path.join(__dirname, '../packages/vip/crds/gateway-api-v1.5.1'),
];

/** The YAML files of {@link CRD_DIRS}: what the schema tier validates custom resources against. */
export function crdFiles(): string[] {
  return CRD_DIRS.flatMap((dir) => fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort().map((f) => path.join(dir, f)));
}

/**
 * The CRD files of the kinds the packages emit (the operator's list), as their controllers' installs bring them:
 * what the real tiers install. cert-manager's Issuer and ClusterIssuer are the user's own objects, validated by schema only.
 */
export function emittedCrdFiles(): string[] {
  return crdFiles().filter((file) => {
    const kind = parseDocument(fs.readFileSync(file, 'utf-8')).toJSON().spec.names.kind;
    return OPERATED_KINDS.some((k) => k.kind === kind);
  });
}

/**
 * The lab's servers on each VIP backend that dist/ does not already show on the lab (dist/lab is kube-keepalived-vip,
 * dist/agency MetalLB): the lab's declaration with `facts.vipBackend` changed, and, so that all of them and dist/lab can be
 * applied to one test cluster side by side, its own name, namespace and volume names, without the Dashboard (whose
 * namespace is cluster-wide), backups and HTTPS (the lab's ACME CA is the node tier's site test's; these serve HTTP).
 * On kube-vip, the site has a namespace per server (`myweb`, with its quota), so the real tiers run that way too.
 */
export const BACKEND_SITES: ReadonlyArray<readonly [string, HostingSiteProps]> = (
  [['metallb', VipBackend.metalLb()], ['kube-vip', VipBackend.kubeVip()]] as const
).map(([backend, vipBackend]) => [backend, {
  ...LAB,
  name: `lab-${backend}`,
  facts: {
    ...LAB.facts,
    vipBackend,
    ...(backend === 'kube-vip' ? { namespace: undefined, tenancy: Tenancy.NAMESPACE_PER_SERVER } : { namespace: `lab-${backend}` }),
    dashboard: undefined,
    backup: undefined,
    certificate: undefined,
  },
  // HTTP only (no hostnames, no HSTS)
  servers: LAB.servers.map((s) => ({ ...s, hostnames: undefined, hsts: undefined, docroot: { volumeName: `lab-${backend}-${s.name}-docroot` } })),
}] as const);

/** The namespace a backend site's first server lives in. */
export function serverNamespace(site: HostingSiteProps): string {
  return site.facts.tenancy === Tenancy.NAMESPACE_PER_SERVER ? site.servers[0].name : site.facts.namespace ?? 'default';
}

/** Synthesizes each of {@link BACKEND_SITES} into a temporary folder: `[backend, folder]` pairs. */
export function synthBackendSites(): Array<[string, string]> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'backend-sites-'));
  return BACKEND_SITES.map(([backend, site]) => [backend, synthApp(path.join(root, site.name), (app) => new HostingSite(app, 'Site', site)).outdir]);
}

/**
 * The lab on MetalLB with its server `myweb` running PHP and a database that mariadb-operator runs (its MariaDB, and
 * the customer's Database, User and Grant), under a name and namespace of its own: what the schema and the cluster
 * tiers check mariadb-operator's objects with (no mariadb-operator runs here: the API server validates them by its CRDs).
 */
export const MARIADB_OPERATOR_SITE: HostingSiteProps = (() => {
  const [, metallb] = BACKEND_SITES.find(([backend]) => backend === 'metallb')!;
  return {
    ...metallb,
    name: 'lab-mariadb',
    facts: {
      ...metallb.facts,
      namespace: 'lab-mariadb',
      database: { engine: DatabaseEngine.mariaDbOperator(), volume: DatabaseVolume.claim({ storageClassName: 'longhorn', size: Size.gibibytes(10) }) },
    },
    servers: metallb.servers.map((s) => ({
      ...s,
      docroot: { volumeName: `lab-mariadb-${s.name}-docroot` },
      php: { version: PhpVersion.V8_4 },
      database: true,
    })),
  };
})();

/** Synthesizes {@link MARIADB_OPERATOR_SITE} into a temporary folder: `['mariadb-operator', folder]`. */
export function synthMariaDbOperatorSite(): [string, string] {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mariadb-operator-site-'));
  return ['mariadb-operator', synthApp(path.join(root, MARIADB_OPERATOR_SITE.name), (app) => new HostingSite(app, 'Site', MARIADB_OPERATOR_SITE)).outdir];
}

/**
 * The lab on MetalLB with its servers behind a Gateway (`facts.entry.gatewayClassName`), under a name and namespace
 * of its own: the lab's `myweb` (as `gw-myweb`) and two servers of 16 names each, so that the third's listeners pass the Gateway's 64 and go to a
 * ListenerSet. What the schema and the cluster tiers check Gateway API's objects with (no Gateway implementation
 * runs here: the API server validates them by their CRDs).
 */
export const GATEWAY_SITE: HostingSiteProps = (() => {
  const [, metallb] = BACKEND_SITES.find(([backend]) => backend === 'metallb')!;
  const names = (server: string) => Array.from({ length: 16 }, (_, i) => `site${i + 1}.${server}.test`);
  return {
    ...metallb,
    name: 'lab-gateway',
    facts: {
      ...metallb.facts,
      namespace: 'lab-gateway',
      certificate: LAB.facts.certificate,
      entry: { address: Ipv4Address.of('192.168.1.41'), gatewayClassName: 'eg' },
    },
    // (names of their own: a server's ACME store is a PersistentVolume named after it, and every site of the tiers
    // shares one cluster)
    servers: [
      ...LAB.servers.map((s) => ({ ...s, name: `gw-${s.name}`, address: undefined, entry: true, docroot: { volumeName: `lab-gateway-${s.name}-docroot` } })),
      ...['shop', 'blog'].map((name) => ({
        name: `gw-${name}`, version: 'v1', entry: true, hostnames: names(name), docroot: { volumeName: `lab-gateway-${name}-docroot` },
      })),
    ],
  };
})();

/** Synthesizes {@link GATEWAY_SITE} into a temporary folder. */
export function synthGatewaySite(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'gateway-site-'));
  return synthApp(path.join(root, GATEWAY_SITE.name), (app) => new HostingSite(app, 'Site', GATEWAY_SITE)).outdir;
}
