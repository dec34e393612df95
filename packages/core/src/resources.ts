import { IConstruct } from 'constructs';
import { SiteError } from './errors';
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

const SUFFIX: Record<string, number> = {
  '': 1,
  'm': 1e-3,
  'k': 1e3,
  'M': 1e6,
  'G': 1e9,
  'T': 1e12,
  'P': 1e15,
  'E': 1e18,
  'Ki': 2 ** 10,
  'Mi': 2 ** 20,
  'Gi': 2 ** 30,
  'Ti': 2 ** 40,
  'Pi': 2 ** 50,
  'Ei': 2 ** 60,
};

/**
 * The amount a Kubernetes quantity stands for (`'500m'` -> 0.5, `'64Mi'` -> 67108864), or undefined when the
 * text is not a quantity the API server takes. A negative quantity is a quantity here; callers refuse it.
 */
export function quantityAmount(text: string): number | undefined {
  const match = /^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(?:([eE][+-]?[0-9]+)|(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?)$/.exec(text);
  if (!match) return undefined;
  return Number(match[1]) * (match[2] ? Number(`1${match[2]}`) : SUFFIX[match[3] ?? '']);
}

/**
 * Returns `resources` when every quantity is one the API server takes, none is negative, and no request is above
 * its limit (the API server rejects each of those, after the files before it were applied).
 */
export function requireResources(scope: IConstruct, prop: string, resources: k8s.ResourceRequirements): k8s.ResourceRequirements {
  const amounts = (kind: 'requests' | 'limits') => Object.fromEntries(Object.entries(resources[kind] ?? {}).map(([name, q]) => {
    const amount = quantityAmount(String(q.value));
    if (amount === undefined || amount < 0) {
      throw SiteError.invalidProp(scope, `${prop}.${kind}.${name}`, q.value,
        "be a quantity of at least zero, such as '50m' or '64Mi' (containerResources('50m', '64Mi', '500m', '256Mi'))");
    }
    return [name, amount];
  }));
  const requests = amounts('requests');
  const limits = amounts('limits');
  for (const [name, request] of Object.entries(requests)) {
    if (limits[name] !== undefined && request > limits[name]) {
      throw SiteError.invalidProp(scope, `${prop}.requests.${name}`, resources.requests![name].value,
        `be at most the limit (${resources.limits![name].value}): the API server rejects a request above its limit`);
    }
  }
  return resources;
}
