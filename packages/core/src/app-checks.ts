import { ApiObject, Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { pathOf } from './errors';
import { isDnsLabel, isDnsSubdomain, isLabelValue } from './names';
import { podSpecOf, restrictedViolations } from './pod-security';

/** Kinds whose objects have no namespace: a name is unique across the cluster. */
const CLUSTER_SCOPED = new Set([
  'Namespace', 'Node', 'PersistentVolume', 'ClusterRole', 'ClusterRoleBinding', 'StorageClass', 'CustomResourceDefinition',
  'PriorityClass', 'IngressClass', 'RuntimeClass', 'CSIDriver', 'CSINode', 'VolumeAttachment', 'PodSecurityPolicy',
  'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration', 'APIService', 'CertificateSigningRequest',
]);

/** Namespaces every cluster has: an app may put objects in them, but never creates (or deletes) them. */
export const KUBERNETES_NAMESPACES: readonly string[] = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/** Kinds whose pods run whatever the app puts in their template. */
const WORKLOADS = new Set(['Pod', 'Deployment', 'DaemonSet', 'StatefulSet', 'ReplicaSet', 'Job', 'CronJob', 'ReplicationController']);
const RBAC_RULES = new Set(['Role', 'ClusterRole']);
const RBAC_BINDINGS = new Set(['RoleBinding', 'ClusterRoleBinding']);

const ROOT_CHECKS = Symbol.for('@cdk8s-vserver/core.AppChecks');
const PRINTED_BY_SYNTH_APP = '@cdk8s-vserver/core:warnings-printed-by-synthApp';

/** A check that looks at one app-wide fact, run at synth time over every object. */
export interface AppCheck {
  /** Adds this check's problems for the whole app to `report`. */
  check(report: AppReport): void;
}

/** What app-wide checks report into: problems (errors) and warnings, each on the construct it is about. */
export interface AppReport {
  /** An error on `scope`: the synth fails. `message` names the prop, the value and the fix. */
  error(scope: IConstruct, message: string): void;
  /** A warning on `scope`: printed, the synth goes on. */
  warn(scope: IConstruct, message: string): void;
}

/**
 * The checks that no single construct can make, run over the whole app each time it synthesizes (a plain
 * `app.synth()`, `synthApp`, or `Testing.synth`): two objects with one identity, names Kubernetes owns,
 * namespaces nothing creates, label values and namespace names the API server rejects, and privilege that
 * nobody opted into. Each problem is reported on the construct it is about, through cdk8s's validations, so the
 * synth fails before anything is written. Every construct of cdk8s-vserver registers itself here; the checks are
 * linear in the number of objects (maps, never pairs).
 *
 * Opt-ins are by name, on the app: `AppChecks.of(app).allowPrivileged('DaemonSet/monitoring/node-exporter')`.
 */
export class AppChecks {
  /** The checks of the app `scope` belongs to (created, and hooked into the app's validation, on first use). */
  public static of(scope: IConstruct): AppChecks {
    const root = scope.node.root as IConstruct & { [ROOT_CHECKS]?: AppChecks | undefined };
    if (!root[ROOT_CHECKS]) {
      Object.defineProperty(root, ROOT_CHECKS, { value: new AppChecks(root) });
    }
    return root[ROOT_CHECKS]!;
  }

  private readonly checks: AppCheck[] = [];
  private readonly trusted = new WeakSet<IConstruct>();
  private readonly allowedPrivileged = new Set<string>();
  private readonly allowedNamespaces = new Set<string>();
  private readonly reporters = new WeakSet<IConstruct>();
  private readonly printed = new Set<string>();
  private readonly warned = new Set<string>();
  private problems = new Map<IConstruct, string[]>();
  private readonly addresses = new Map<string, string>();

  private constructor(private readonly root: IConstruct) {
    // The root is validated first (cdk8s validates in construct-tree order): the whole analysis runs there, and
    // each problem is then reported by the construct it is about.
    root.node.addValidation({ validate: () => this.run() });
  }

  /**
   * Registers one of this library's constructs: its objects are built by code that already made its privileges
   * explicit (the VIP controller's hostNetwork DaemonSet), so the privilege checks skip them.
   */
  public trust(construct: IConstruct): this {
    this.trusted.add(construct);
    return this;
  }

  /**
   * Leaves the warnings to whoever runs the synth (`synthApp` returns them, and an app's main prints them): the
   * validation does not print them too.
   */
  public leaveWarningsToCaller(): this {
    this.root.node.setContext(PRINTED_BY_SYNTH_APP, true);
    return this;
  }

  /** Adds an app-wide check (a construct with facts to compare across the app, such as KeepalivedVip). */
  public add(check: AppCheck): this {
    this.checks.push(check);
    return this;
  }

  /**
   * Opts one object into privilege: a privileged container, hostNetwork, hostPID or hostIPC, a binding to
   * `cluster-admin`, a rule with `*`. `object` is `Kind/namespace/name`, or `Kind/name` for a cluster-scoped kind.
   */
  public allowPrivileged(object: string): this {
    this.allowedPrivileged.add(object);
    return this;
  }

  /** Opts a namespace in that the app uses but does not create (created by hand or by another app). */
  public allowExternalNamespace(name: string): this {
    this.allowedNamespaces.add(name);
    return this;
  }

  /**
   * Declares an address the site uses for something else (a node, the NAS, the API server), so no VIP can take
   * it: `AppChecks.of(app).declareAddress('192.168.1.10', 'node0')`. NfsFolder and KubernetesDashboard declare
   * the addresses they are given.
   */
  public declareAddress(address: string, what: string): this {
    if (!this.addresses.has(address)) this.addresses.set(address, what);
    return this;
  }

  /** What the site declared `address` to be, if anything. */
  public addressUse(address: string): string | undefined {
    return this.addresses.get(address);
  }

  private run(): string[] {
    this.problems = new Map();
    const report: AppReport = {
      error: (scope, message) => {
        const list = this.problems.get(scope) ?? [];
        list.push(message);
        this.problems.set(scope, list);
        if (!this.reporters.has(scope)) {
          this.reporters.add(scope);
          scope.node.addValidation({ validate: () => this.problems.get(scope) ?? [] });
        }
      },
      warn: (scope, message) => {
        // A synth may validate the app more than once (each Testing.synth does): each warning is added once.
        const warning = `[${pathOf(scope)}] ${message}`;
        if (!this.warned.has(warning)) scope.node.addMetadata(WARNING, message, { stackTrace: false });
        this.warned.add(warning);
      },
    };
    const all = this.root.node.findAll();
    // A chart's labels go onto every object in it, this library's too: they are checked once, on the chart.
    for (const chart of all.filter((c): c is Chart => Chart.isChart(c))) {
      for (const problem of labelProblems(chart.labels)) report.error(chart, `'labels' ${problem}; fix the chart's labels`);
    }
    this.checkObjects(all.filter((c): c is ApiObject => ApiObject.isApiObject(c)), report);
    for (const check of this.checks) check.check(report);
    if (this.root.node.tryGetContext(PRINTED_BY_SYNTH_APP) !== true) this.printWarnings();
    return [];
  }

  private checkObjects(objects: ApiObject[], report: AppReport): void {
    const byIdentity = new Map<string, ApiObject>();
    const created = new Set<string>();
    // Namespaces the app creates with Pod Security "restricted" enforced: every pod in them must pass it, or the
    // API server (1.23+) refuses it at apply time, after the files before it went in.
    const restricted = new Set(objects.filter((o) => o.kind === 'Namespace' && labelsOf(o)[POD_SECURITY_ENFORCE] === 'restricted').map((o) => o.name));
    const used = new Map<string, ApiObject>();
    for (const object of objects) {
      const clusterScoped = CLUSTER_SCOPED.has(object.kind);
      const namespace = clusterScoped ? undefined : object.metadata.namespace ?? 'default';
      const id = identity(object.kind, namespace, object.name);
      const twin = byIdentity.get(id);
      if (twin) {
        report.error(object, `its ${id} has the name of ${id} from [${pathOf(twin)}]: two objects of one kind${clusterScoped ? '' : ' and namespace'} `
          + 'need different names (the second would silently replace the first on apply); rename one of them');
      } else {
        byIdentity.set(id, object);
      }
      if (object.kind === 'Namespace') {
        if (KUBERNETES_NAMESPACES.includes(object.name)) {
          report.error(object, `creates namespace "${object.name}", which Kubernetes owns: deleting this app's file would try to delete it. `
            + 'Put objects in it without creating it, or use a namespace of your own');
        }
        created.add(object.name);
      }
      if (object.kind === 'Service' && namespace === 'default' && object.name === 'kubernetes') {
        report.error(object, 'is Service default/kubernetes, which the API server owns (it points at the API server itself); name it otherwise');
      }
      if (namespace !== undefined) {
        if (!isDnsLabel(namespace)) {
          report.error(object, `has namespace ${JSON.stringify(namespace)}, which is not a DNS-1123 label (lowercase letters, digits, '-', `
            + 'at most 63): the API server rejects it; fix the chart\'s namespace');
        } else if (!used.has(namespace)) {
          used.set(namespace, object);
        }
      }
      if (namespace !== undefined && restricted.has(namespace) && WORKLOADS.has(object.kind)) {
        const violations = restrictedViolations(podSpecOf(object.toJson()) ?? {});
        if (violations.length) {
          report.error(object, `runs pods that Pod Security "restricted" refuses, in namespace "${namespace}", which enforces it `
            + `(${POD_SECURITY_ENFORCE}=restricted): ${violations.join('; ')}. Fix the pod, or put it in another namespace`);
        }
      }
      // This library's constructs check their labels and privileges where they make them; the rest is read here.
      if (this.isTrusted(object)) continue;
      for (const problem of labelProblems(labelsOf(object))) report.error(object, problem);
      if (WORKLOADS.has(object.kind) || RBAC_RULES.has(object.kind) || RBAC_BINDINGS.has(object.kind)) {
        const privilege = privilegeOf(object);
        if (privilege && !this.allowedPrivileged.has(id)) {
          report.error(object, `${privilege}: that is root on the node or in the cluster. If it is meant, opt in by name: `
            + `AppChecks.of(app).allowPrivileged('${id}')`);
        }
      }
    }
    for (const [namespace, object] of used) {
      if (!created.has(namespace) && !KUBERNETES_NAMESPACES.includes(namespace) && !this.allowedNamespaces.has(namespace)) {
        report.error(object, `is in namespace "${namespace}", which nothing in the app creates and Kubernetes does not have: the apply `
          + 'would fail. Create it (a Namespace object, in a file applied first), or opt in if it exists already: '
          + `AppChecks.of(app).allowExternalNamespace('${namespace}')`);
      }
    }
  }

  private isTrusted(object: IConstruct): boolean {
    for (let c: IConstruct | undefined = object; c; c = c.node.scope) {
      if (this.trusted.has(c)) return true;
    }
    return false;
  }

  private printWarnings(): void {
    for (const warning of collectWarnings(this.root)) {
      if (this.printed.has(warning)) continue;
      this.printed.add(warning);
      process.stderr.write(`warning: ${warning}\n`);
    }
  }
}

/** The metadata entry type of a synth-time warning (see `Warnings`). */
export const WARNING = '@cdk8s-vserver/warning';

/** Every warning under `root`, as `[construct path] message`, in construct-tree order (`Warnings.collect`). */
export function collectWarnings(root: IConstruct): string[] {
  return root.node.findAll().flatMap((c) =>
    c.node.metadata.filter((m) => m.type === WARNING).map((m) => `[${pathOf(c)}] ${m.data}`));
}

/** `Kind/namespace/name`, or `Kind/name` for a cluster-scoped object: how checks and opt-ins name an object. */
export function identity(kind: string, namespace: string | undefined, name: string): string {
  return namespace === undefined ? `${kind}/${name}` : `${kind}/${namespace}/${name}`;
}

/** What the API server would reject in a set of labels: keys (`[prefix/]name`) and values. */
function labelProblems(labels: Record<string, string>): string[] {
  const problems: string[] = [];
  for (const [key, value] of Object.entries(labels)) {
    const slash = key.lastIndexOf('/');
    const [prefix, name] = slash >= 0 ? [key.slice(0, slash), key.slice(slash + 1)] : [undefined, key];
    if (name.length === 0 || !isLabelValue(name) || (prefix !== undefined && !isDnsSubdomain(prefix))) {
      problems.push(`has label key ${JSON.stringify(key)}, which the API server rejects: a key is an optional DNS-subdomain prefix and '/', `
        + "then 1-63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit");
    }
    if (!isLabelValue(value)) {
      problems.push(`has label ${key}=${JSON.stringify(value)}, which the API server rejects: a label value has at most 63 `
        + "characters, letters, digits, '-', '_' and '.', and starts and ends with a letter or digit");
    }
  }
  return problems;
}

function labelsOf(object: ApiObject): Record<string, string> {
  return (object.metadata.toJson().labels ?? {}) as Record<string, string>;
}

/** What makes a foreign object privileged, or undefined. Reads the object's rendered JSON (only foreign objects). */
function privilegeOf(object: ApiObject): string | undefined {
  const json = object.toJson();
  if (RBAC_BINDINGS.has(object.kind)) {
    return json.roleRef?.name === 'cluster-admin' ? 'binds the cluster-admin role' : undefined;
  }
  if (RBAC_RULES.has(object.kind)) {
    const wild = ((json.rules ?? []) as Array<Record<string, string[] | undefined>>)
      .find((r) => ['verbs', 'resources', 'apiGroups'].some((k) => (r[k] ?? []).includes('*')));
    return wild ? `has a rule with "*" (${JSON.stringify(wild)})` : undefined;
  }
  const pod: any = podSpecOf(json);
  if (!pod) return undefined;
  for (const flag of ['hostNetwork', 'hostPID', 'hostIPC']) {
    if (pod[flag] === true) return `runs pods with ${flag}`;
  }
  type Container = { name: string; securityContext?: { privileged?: boolean | undefined } | undefined };
  const containers: Container[] = [...(pod.initContainers ?? []), ...(pod.containers ?? [])];
  const privileged = containers.find((c) => c.securityContext?.privileged === true);
  return privileged ? `runs container "${privileged.name}" privileged` : undefined;
}

/** The label Pod Security admission (Kubernetes 1.23+) reads on a namespace, and the profile this check knows. */
export const POD_SECURITY_ENFORCE = 'pod-security.kubernetes.io/enforce';
