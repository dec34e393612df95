import { EmittedKind } from '@cdk8s-vserver/core';

/** A kind the operator CLI handles, and how. */
export interface OperatedKind {
  /** The API group (`''` for the core group). */
  readonly group: string;
  /** `Deployment`. */
  readonly kind: string;
  /** Whether its objects live in a namespace. */
  readonly namespaced: boolean;
  /**
   * Kept by `deploy`'s prune: a PersistentVolume, a claim or a Namespace holds data (or everything in it), so a
   * server removed from the site keeps its docroot; only `uninstall` deletes them.
   */
  readonly keep?: boolean | undefined;
}

/**
 * Every kind the packages emit: what `deploy` may prune (all but the kept ones) and `uninstall` deletes, when
 * they carry the app's label. A kind an app emits that is missing here still goes, because the operator also
 * reads the kinds of the app's own contract; the tests synthesize every app and backend and fail on any kind missing here,
 * so an `uninstall` without the app's folder misses nothing either.
 */
export const OPERATED_KINDS: readonly OperatedKind[] = [
  { group: '', kind: 'ConfigMap', namespaced: true },
  { group: '', kind: 'Secret', namespaced: true },
  { group: '', kind: 'Service', namespaced: true },
  { group: '', kind: 'ServiceAccount', namespaced: true },
  { group: 'apps', kind: 'Deployment', namespaced: true },
  { group: 'apps', kind: 'DaemonSet', namespaced: true },
  // the site's database (storage): its server, and each customer's Job (its data is the claim's, kept)
  { group: 'apps', kind: 'StatefulSet', namespaced: true },
  { group: 'batch', kind: 'Job', namespaced: true },
  { group: 'policy', kind: 'PodDisruptionBudget', namespaced: true },
  { group: 'batch', kind: 'CronJob', namespaced: true },
  { group: 'networking.k8s.io', kind: 'NetworkPolicy', namespaced: true },
  { group: '', kind: 'ResourceQuota', namespaced: true },
  { group: '', kind: 'LimitRange', namespaced: true },
  { group: 'rbac.authorization.k8s.io', kind: 'Role', namespaced: true },
  { group: 'rbac.authorization.k8s.io', kind: 'RoleBinding', namespaced: true },
  { group: 'rbac.authorization.k8s.io', kind: 'ClusterRole', namespaced: false },
  { group: 'rbac.authorization.k8s.io', kind: 'ClusterRoleBinding', namespaced: false },
  // The custom kinds the packages emit, by name: the operator imports no construct package (a test ties each to the
  // type its package emits it with). MetalLB's pool and advertisement (the vip package):
  { group: 'metallb.io', kind: 'IPAddressPool', namespaced: true },
  { group: 'metallb.io', kind: 'L2Advertisement', namespaced: true },
  // a server's certificate from cert-manager (web-ssh-server; its Secret is cert-manager's, and goes with the Certificate)
  { group: 'cert-manager.io', kind: 'Certificate', namespaced: true },
  // the site's scrape targets and alert rules for the Prometheus Operator (monitoring)
  { group: 'monitoring.coreos.com', kind: 'PodMonitor', namespaced: true },
  { group: 'monitoring.coreos.com', kind: 'PrometheusRule', namespaced: true },
  // the site's database run by mariadb-operator (storage): a customer's data outlives its Database (cleanupPolicy Skip),
  // and the MariaDB's claim outlives the MariaDB
  { group: 'k8s.mariadb.com', kind: 'MariaDB', namespaced: true },
  { group: 'k8s.mariadb.com', kind: 'Database', namespaced: true },
  { group: 'k8s.mariadb.com', kind: 'User', namespaced: true },
  { group: 'k8s.mariadb.com', kind: 'Grant', namespaced: true },
  // the shared entry as a Gateway (vip's GatewayEntry): its listeners and each server's routes
  { group: 'gateway.networking.k8s.io', kind: 'Gateway', namespaced: true },
  { group: 'gateway.networking.k8s.io', kind: 'ListenerSet', namespaced: true },
  { group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespaced: true },
  { group: 'gateway.networking.k8s.io', kind: 'TLSRoute', namespaced: true },
  { group: '', kind: 'PersistentVolumeClaim', namespaced: true, keep: true },
  { group: '', kind: 'PersistentVolume', namespaced: false, keep: true },
  { group: '', kind: 'Namespace', namespaced: false, keep: true },
];

/** The API group of an apiVersion (`apps/v1` -> `apps`, `v1` -> `''`). */
export function groupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
}

/**
 * The kinds an operation covers: {@link OPERATED_KINDS} and the app's own emitted kinds (a kind only the app
 * knows is pruned like the others, never kept), each once, in that order.
 */
export function operatedKinds(emitted: readonly EmittedKind[] = []): OperatedKind[] {
  const kinds = new Map(OPERATED_KINDS.map((k) => [`${k.group}/${k.kind}`, k]));
  for (const e of emitted) {
    const key = `${groupOf(e.apiVersion)}/${e.kind}`;
    if (!kinds.has(key)) kinds.set(key, { group: groupOf(e.apiVersion), kind: e.kind, namespaced: e.namespaced });
  }
  return [...kinds.values()];
}

/** The emitted kinds that {@link OPERATED_KINDS} does not list. */
export function unknownKinds(emitted: readonly EmittedKind[]): EmittedKind[] {
  return emitted.filter((e) => !OPERATED_KINDS.some((k) => k.group === groupOf(e.apiVersion) && k.kind === e.kind));
}
