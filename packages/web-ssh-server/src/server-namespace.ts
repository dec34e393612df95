import { clusterScoped, FieldPath, k8s, POD_SECURITY_ENFORCE, quantityAmount, requireDnsLabel, requireInteger, SiteError, Warnings } from '@cdk8s-vserver/core';
import { Construct } from 'constructs';
import { WebSshServer } from './web-ssh-server';

/**
 * What a server's namespace may hold at once, as a ResourceQuota. Quantities as Kubernetes writes them (`'500m'`,
 * `'1'`, `'512Mi'`, `'2Gi'`). Each defaults to what the server needs: its replicas, the one more pod a rolling update
 * adds, and the jobs beside it.
 */
export interface ServerQuota {
  /** Pods at once. @default - replicas + 1, and 2 more per job container (a backup and a restore, a cron job's run and the next) */
  readonly pods?: number | undefined;
  /** CPU the pods may request together. @default - the sum of what those pods request */
  readonly requestsCpu?: string | undefined;
  /** Memory the pods may request together. @default - the sum of what those pods request */
  readonly requestsMemory?: string | undefined;
  /** CPU limit of the pods together. @default - the sum of their limits */
  readonly limitsCpu?: string | undefined;
  /** Memory limit of the pods together. @default - the sum of their limits */
  readonly limitsMemory?: string | undefined;
}

/** Props of {@link ServerNamespace}. */
export interface ServerNamespaceProps {
  /** The namespace's name (a DNS-1123 label): with a namespace per server, the server's name. */
  readonly name: string;
}

/** Options of {@link ServerNamespace.fitTo}. */
export interface ServerNamespaceFitOptions {
  /**
   * The containers of the jobs that run beside the server (`ResticBackup.container`): room for two runs of each
   * (a scheduled one and one started by hand).
   * @default - none
   */
  readonly jobs?: k8s.Container[] | undefined;
  /** What the namespace may hold at once. @default - exactly what the server needs (see `ServerQuota`) */
  readonly quota?: ServerQuota | undefined;
}

/** What {@link ServerNamespace.fitTo} made. */
export interface ServerNamespaceFit {
  /** What the namespace may hold at once. */
  readonly resourceQuota: k8s.KubeResourceQuota;
  /** The bounds and defaults of any other container started in it. */
  readonly limitRange: k8s.KubeLimitRange;
}

/** The amounts of a ServerQuota, each the ResourceQuota's `<side>.<resource>`. */
const QUOTA_AMOUNTS = [
  { key: 'requestsCpu', side: 'requests', resource: 'cpu' },
  { key: 'requestsMemory', side: 'requests', resource: 'memory' },
  { key: 'limitsCpu', side: 'limits', resource: 'cpu' },
  { key: 'limitsMemory', side: 'limits', resource: 'memory' },
] as const;

/**
 * A namespace for virtual servers: Pod Security "restricted" enforced (and audited and warned), and a NetworkPolicy
 * `default-deny` that denies every connection the servers' own policies do not allow. `fitTo(server)` sizes it to
 * one server: a ResourceQuota and a LimitRange of exactly what the server needs at once (its replicas, the pod a
 * rolling update adds, its jobs), from its containers' own requests and limits.
 */
export class ServerNamespace extends Construct {
  /** The namespace's name. */
  public readonly name: string;
  /** The Namespace. */
  public readonly namespace: k8s.KubeNamespace;
  /** Its `default-deny` NetworkPolicy. */
  public readonly defaultDeny: k8s.KubeNetworkPolicy;

  constructor(scope: Construct, id: string, props: ServerNamespaceProps) {
    super(scope, id);
    const name = this.name = requireDnsLabel(this, 'name', props.name);
    const podSecurity = { [POD_SECURITY_ENFORCE]: 'restricted', 'pod-security.kubernetes.io/audit': 'restricted', 'pod-security.kubernetes.io/warn': 'restricted' };
    this.namespace = clusterScoped(new k8s.KubeNamespace(this, 'Namespace', { metadata: { name, labels: podSecurity } }));
    this.defaultDeny = new k8s.KubeNetworkPolicy(this, 'DefaultDeny', {
      metadata: { name: 'default-deny', namespace: name },
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    });
  }

  /**
   * Sizes the namespace to `server`: a ResourceQuota (by default what the server needs; a given amount below one of its
   * pods is an error, below a rollout's a warning) and a LimitRange for anything else started in it (at most, and by
   * default, the server's largest container, requesting what its smallest requests).
   */
  public fitTo(server: WebSshServer, options: ServerNamespaceFitOptions = {}): ServerNamespaceFit {
    const pod = server.containers;
    // the server's own cron jobs, and those beside it
    const jobs = [...options.jobs ?? [], ...server.cronContainers];
    const replicas = server.replicas;
    const rollout = replicas + 1;
    const quota: ServerQuota = options.quota ?? {};
    if (quota.pods !== undefined) requireInteger(this, 'quota.pods', quota.pods, 1, 1000);
    const hard: Record<string, string> = { pods: String(quota.pods ?? rollout + 2 * jobs.length) };
    const short = quota.pods !== undefined && quota.pods < rollout ? [`pods ${quota.pods} (a rolling update needs ${rollout})`] : [];
    for (const { key, side, resource } of QUOTA_AMOUNTS) {
      const given = quota[key];
      const givenAmount = given === undefined ? undefined : quantityAmount(given);
      if (given !== undefined && (givenAmount === undefined || givenAmount <= 0)) {
        throw SiteError.invalidProp(this, `quota.${key}`, given, `be a quantity above zero, such as '${key.endsWith('Cpu') ? '1' : '1Gi'}'`);
      }
      const onePod = pod.reduce((n, c) => n + amountOf(c, side, resource), 0);
      const needed = rollout * onePod + jobs.reduce((n, c) => n + 2 * amountOf(c, side, resource), 0);
      if (givenAmount !== undefined && givenAmount < onePod) {
        throw SiteError.invalidProp(this, `quota.${key}`, given, `be at least what one of the server's pods asks (${formatAmount(resource, onePod)}, `
          + `all its containers together): no pod of the server could start. Leave it out for what the server needs (${formatAmount(resource, needed)})`);
      }
      if (givenAmount !== undefined && givenAmount < rollout * onePod) short.push(`${key} ${given} (a rolling update needs ${formatAmount(resource, rollout * onePod)})`);
      hard[`${side}.${resource}`] = given ?? formatAmount(resource, needed);
    }
    if (short.length) {
      // on the construct the user declared, as its errors are
      const where = FieldPath.locate(this, 'quota');
      Warnings.of(where.scope).add(`'${where.prop}' holds fewer than the ${replicas} replicas and the pod a rolling update adds: `
        + `${short.join(', ')}. A rollout would wait for room that never comes.`);
    }
    const metadata = { name: server.name, namespace: this.name };
    const quantity = (text: string) => k8s.Quantity.fromString(text);
    const resourceQuota = new k8s.KubeResourceQuota(this, 'Quota', {
      metadata, spec: { hard: Object.fromEntries(Object.entries(hard).map(([k, v]) => [k, quantity(v)])) },
    });
    const each = (side: 'requests' | 'limits', resource: 'cpu' | 'memory', pick: (...n: number[]) => number) =>
      quantity(formatAmount(resource, pick(...pod.map((c) => amountOf(c, side, resource)))));
    const largest = { cpu: each('limits', 'cpu', Math.max), memory: each('limits', 'memory', Math.max) };
    const limitRange = new k8s.KubeLimitRange(this, 'Limits', {
      metadata,
      spec: {
        limits: [{
          type: 'Container',
          max: largest,
          default: largest,
          defaultRequest: { cpu: each('requests', 'cpu', Math.min), memory: each('requests', 'memory', Math.min) },
        }],
      },
    });
    return { resourceQuota, limitRange };
  }
}

/** What a container asks (`requests`) or may use (`limits`) of `resource`, as a number (cores, bytes); 0 when unset. */
function amountOf(container: { resources?: any | undefined }, side: 'requests' | 'limits', resource: 'cpu' | 'memory'): number {
  const q = container.resources?.[side]?.[resource];
  return quantityAmount(String(q?.value ?? q ?? '0')) ?? 0;
}

/**
 * An amount as a quantity in the form the API server writes back (whole cores as `1`, not `1000m`: a pod the LimitRange
 * fills in reads the same as the range): CPU in cores or millicores, memory in MiB, rounded up after the float sums'
 * last digits (3 x 0.07 is 0.21000000000000002).
 */
function formatAmount(resource: 'cpu' | 'memory', n: number): string {
  if (resource === 'memory') return `${Math.ceil(+(n / 2 ** 20).toFixed(6))}Mi`;
  const millicores = Math.ceil(+(n * 1000).toFixed(6));
  return millicores % 1000 === 0 ? String(millicores / 1000) : `${millicores}m`;
}
