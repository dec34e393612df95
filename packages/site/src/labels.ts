import * as kplus from 'cdk8s-plus-22';

/** The `app.kubernetes.io/managed-by` label every object of this library carries. */
export const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'cdk8s-vserver' } as const;

/**
 * Container resources from quantity strings: requests and limits of CPU and memory, always both.
 *
 * @example containerResources('50m', '64Mi', '500m', '256Mi')
 */
export function containerResources(cpuRequest: string, memoryRequest: string, cpuLimit: string, memoryLimit: string): kplus.k8s.ResourceRequirements {
  const q = (v: string) => kplus.k8s.Quantity.fromString(v);
  return { requests: { cpu: q(cpuRequest), memory: q(memoryRequest) }, limits: { cpu: q(cpuLimit), memory: q(memoryLimit) } };
}
