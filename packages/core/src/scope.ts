import { ApiObject, Chart, JsonPatch } from 'cdk8s';

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
