import * as k8s from './imports/k8s';

/**
 * Container resources from quantity strings: requests and limits of CPU and memory, always both.
 *
 * @example containerResources('50m', '64Mi', '500m', '256Mi')
 */
export function containerResources(cpuRequest: string, memoryRequest: string, cpuLimit: string, memoryLimit: string): k8s.ResourceRequirements {
  const q = (v: string) => k8s.Quantity.fromString(v);
  return { requests: { cpu: q(cpuRequest), memory: q(memoryRequest) }, limits: { cpu: q(cpuLimit), memory: q(memoryLimit) } };
}
