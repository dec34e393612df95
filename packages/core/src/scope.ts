import { ApiObject, Chart, JsonPatch } from 'cdk8s';
import { IConstruct } from 'constructs';

/**
 * Marks `object` as cluster-scoped (PersistentVolume, ClusterRole, Namespace…): a namespaced chart gives every
 * object its namespace, which a cluster-scoped object must not carry.
 */
export function clusterScoped<T extends ApiObject>(object: T): T {
  if (Chart.of(object).namespace) {
    object.addJsonPatch(JsonPatch.remove('/metadata/namespace'));
  }
  return object;
}

/** The namespace the objects of `scope` go into: its chart's, else `default` (as kubectl applies an object without one). */
export function namespaceOf(scope: IConstruct): string {
  return Chart.of(scope).namespace ?? 'default';
}
