import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import {
  ContractFile, CONTRACT_FILE, CONTRACT_VERSION, ImageReference, mirrorCommand, NeededObject, podSpecOf, pullSecretCreateCommand,
} from '@cdk8s-vserver/core';
import { groupOf, OperatedKind, operatedKinds } from './kinds';

/** What one kubectl run gave back. */
export interface KubectlResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** How the operator talks to the world; the CLI passes the real one, tests may pass their own environment. */
export interface OperatorIo {
  /** The kubectl to run (a path or a name on PATH). @default 'kubectl' */
  readonly kubectl?: string | undefined;
  /** Environment of the kubectl runs and the settings below. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined;
  /** Where results go. @default process.stdout */
  readonly out?: ((line: string) => void) | undefined;
  /** Where messages and the printed commands go. @default process.stderr */
  readonly err?: ((line: string) => void) | undefined;
}

/** A failure the operator explains in one line; the CLI prints it and exits with `exitCode`. */
export class OperatorError extends Error {
  constructor(message: string, public readonly exitCode = 1) {
    super(message);
  }
}

/** The oldest Kubernetes minor the output runs on: policy/v1 PodDisruptionBudgets need 1.21. */
export const MIN_KUBERNETES_MINOR = 21;
/** The newest minor the manifests are checked against (the schema tier's OpenAPI document). */
export const MAX_TESTED_KUBERNETES_MINOR = 30;

const PART_OF = 'app.kubernetes.io/part-of';

/** One object of a synthesized folder: the fields the operator reads. */
interface FolderObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string | undefined };
  readonly spec?: any | undefined;
}

/** A Secret or ConfigMap the folder's pods need, with what it is and the command that makes it. */
interface NeededRef extends NeededObject {
  readonly kind: 'Secret' | 'ConfigMap';
  /** `Deployment/myweb`: who needs it. */
  readonly usedBy: string;
}

/** A kind as the server serves it. */
interface ServedKind extends OperatedKind {
  /** `deployments.apps`, `configmaps`: what `kubectl get` and `kubectl delete` take. */
  readonly resource: string;
  /** `apps/v1/Deployment`, `core/v1/ConfigMap`: what `--prune-allowlist` takes. */
  readonly allowlist: string;
}

/**
 * Operates a synthesized app on a cluster through kubectl, as the README describes: preflight, diff, deploy (apply
 * and prune), wait and uninstall. Every object of an app carries `app.kubernetes.io/part-of=<app>`; prune and
 * uninstall select on that label and on the kinds the packages emit plus the app's own `kinds.txt`, so objects of
 * other apps, objects made by hand (the SSH Secrets) and the namespaces Kubernetes owns are never touched, and
 * `deploy` never deletes a PersistentVolume, a claim or a Namespace.
 */
export class SiteOperator {
  private readonly kubectlPath: string;
  private readonly env: Readonly<Record<string, string | undefined>>;
  private readonly out: (line: string) => void;
  private readonly err: (line: string) => void;

  constructor(io: OperatorIo = {}) {
    this.kubectlPath = io.kubectl ?? 'kubectl';
    this.env = io.env ?? process.env;
    this.out = io.out ?? ((line) => process.stdout.write(`${line}\n`));
    this.err = io.err ?? ((line) => process.stderr.write(`${line}\n`));
  }

  /**
   * Checks the server: a Kubernetes version the output supports; with `dir`, that it serves the custom resources
   * the folder holds, has every namespace the folder uses without creating it, and every Secret and ConfigMap the
   * folder's pods need; names the images the folder pulls.
   */
  public preflight(dir?: string): number {
    const min = Number(this.env.VSERVER_MIN_K8S_MINOR ?? MIN_KUBERNETES_MINOR);
    const folder = dir === undefined ? undefined : readSite('preflight', dir);
    const version = JSON.parse(this.query('preflight', ['get', '--raw', '/version']));
    const minor = Number(String(version.minor).replace(/\D/g, ''));
    if (minor < min) {
      throw new OperatorError(`preflight: the server is Kubernetes 1.${minor}; the site needs 1.${min} or newer (its PodDisruptionBudgets are policy/v1). `
        + 'Upgrade the cluster before applying.');
    }
    if (minor > MAX_TESTED_KUBERNETES_MINOR) {
      this.err(`preflight: the server is Kubernetes 1.${minor}; the manifests are checked against 1.${MAX_TESTED_KUBERNETES_MINOR}, newer is untested`);
    }
    this.out(`preflight: Kubernetes 1.${minor} is supported (1.${min}-1.${MAX_TESTED_KUBERNETES_MINOR})`);
    if (dir === undefined || folder === undefined) return 0;
    const { objects, contract } = folder;
    const served = new Set(this.query('preflight', ['api-versions']).split('\n').map((l) => l.trim()));
    const custom = [...new Set(objects.map((o) => o.apiVersion))].filter((v) => groupOf(v).includes('.') && !groupOf(v).endsWith('k8s.io')).sort();
    for (const apiVersion of custom) {
      if (!served.has(apiVersion)) {
        const install = contract.installs.find((c) => c.apiGroup === groupOf(apiVersion))?.install
          ?? `Install the CustomResourceDefinitions of ${groupOf(apiVersion)} first`;
        throw new OperatorError(`preflight: ${dir} holds ${apiVersion} objects, which the server does not serve. ${install}`);
      }
      this.out(`preflight: the server serves ${apiVersion}`);
    }
    const created = new Set(objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name));
    const used = [...new Set(objects.map((o) => o.metadata.namespace).filter((ns): ns is string => ns !== undefined))].sort();
    for (const ns of used.filter((n) => !created.has(n))) {
      if (this.kubectl(['get', 'namespace', ns]).status !== 0) {
        throw new OperatorError(`preflight: ${dir} puts objects in namespace ${ns}, which neither exists nor is created by ${dir}`
          + `${contract.installs.filter((c) => c.namespace === ns).map((c) => `: ${c.install}`).join('')}`);
      }
      this.out(`preflight: namespace ${ns} exists`);
    }
    // where DNS must point and where customers connect, said before anything that may stop the preflight
    if (contract.entry) {
      const { address, hostnames, ssh } = contract.entry;
      this.out(`preflight: the shared entry ${address} serves ${hostnames.length} hostname${hostnames.length === 1 ? '' : 's'}; point each at ${address} in DNS: `
        + `${hostnames.join(', ')}`);
      if (ssh.length) this.out(`preflight: SSH through ${address}: ${ssh.map((s) => `${s.server} on port ${s.port}`).join(', ')}`);
    }
    this.requireNeeded('preflight', dir, folder);
    this.checkEndpoint(dir, contract);
    const registries = [...new Set(contract.images.map((i) => ImageReference.of(i.image).registry))].sort();
    this.out(`preflight: the site pulls ${contract.images.length} image${contract.images.length === 1 ? '' : 's'} from ${registries.join(', ')}; `
      + `\`cdk8s-vserver images ${dir}\` prints the commands that put them there`);
    return 0;
  }

  /**
   * With a redundant control plane in the folder's contract, says whether kubectl talks to its endpoint, the API VIP,
   * and warns when it talks to anything else (one master's own address, say): this tool, and whatever else reads
   * that kubeconfig, would lose the cluster with that one master.
   */
  private checkEndpoint(dir: string, contract: ContractFile): void {
    if (contract.controlPlane === undefined) return;
    const { endpoint } = contract.controlPlane;
    const file = path.join(dir, ...contract.controlPlane.file.split('/'));
    const server = this.query('preflight', ['config', 'view', '--minify', '-o', 'jsonpath={.clusters[0].cluster.server}']).trim().replace(/\/+$/, '');
    if (server === `https://${endpoint}`) {
      this.out(`preflight: kubectl talks to the control plane's endpoint, ${server}`);
      return;
    }
    this.err(`preflight: kubectl talks to ${server}, not to the control plane's endpoint https://${endpoint} (${file}): when that one API `
      + `server's master fails, kubectl and this tool lose the cluster with it. Set the kubeconfig's server to https://${endpoint} `
      + '(docs/control-plane.md)');
  }

  /**
   * Fails, naming each missing Secret and ConfigMap with what it is and the command that creates it, unless every
   * one the folder's pods need (mounted, read by env, or pulled with) is in the folder, is made by a cert-manager
   * Certificate of the folder, or exists on the cluster. A namespace the folder creates and that does not exist yet
   * has none of them.
   */
  private requireNeeded(command: string, dir: string, folder: SiteFolder): void {
    const { objects } = folder;
    const provided = new Set(objects.flatMap((o) => [
      ...(o.kind === 'Secret' || o.kind === 'ConfigMap' ? [`${o.kind}/${o.metadata.namespace}/${o.metadata.name}`] : []),
      ...(o.kind === 'Certificate' && o.spec?.secretName ? [`Secret/${o.metadata.namespace}/${o.spec.secretName}`] : []),
    ]));
    // each namespace looked up once, whether Secrets, ConfigMaps or both are needed in it
    const namespaces = new Map<string, boolean>();
    const namespaceExists = (ns: string) => {
      if (!namespaces.has(ns)) namespaces.set(ns, this.kubectl(['get', 'namespace', ns]).status === 0);
      return namespaces.get(ns)!;
    };
    const existing = new Map<string, Set<string>>();
    const onCluster = (kind: 'Secret' | 'ConfigMap', ns: string) => {
      const key = `${kind}/${ns}`;
      if (!existing.has(key)) {
        const found = namespaceExists(ns)
          ? this.query(command, ['get', kind === 'Secret' ? 'secrets' : 'configmaps', '-n', ns, '-o', 'jsonpath={range .items[*]}{.metadata.name}{"\\n"}{end}'])
            .split('\n').filter(Boolean) : [];
        existing.set(key, new Set(found));
      }
      return existing.get(key)!;
    };
    const missing = neededBy(folder).filter((s) => !provided.has(`${s.kind}/${s.namespace}/${s.name}`) && !onCluster(s.kind, s.namespace).has(s.name));
    if (missing.length === 0) return;
    const lines = missing.map((s) => `  ${s.kind} ${s.namespace}/${s.name}, ${s.what} (for ${s.usedBy}):\n    ${s.command}`);
    const counted = (kind: string, n: number) => (n === 0 ? [] : [n === 1 ? `a ${kind}` : `${n} ${kind}s`]);
    const what = [...counted('Secret', missing.filter((s) => s.kind === 'Secret').length), ...counted('ConfigMap', missing.filter((s) => s.kind === 'ConfigMap').length)];
    throw new OperatorError(`${command}: ${dir} needs ${what.join(' and ')} that the cluster does not have, `
      + `and its pods would wait in ContainerCreating until they exist. Create each with the command below it${
        command === 'deploy' ? ' (the namespaces exist now)' : ''}, then run this again:\n${lines.join('\n')}`);
  }

  /** The commands that put every image the folder pulls where the cluster pulls it from: build and push, or copy. */
  public images(dir: string): number {
    const { contract } = readSite('images', dir);
    for (const image of contract.images) this.out(mirrorCommand(image));
    return 0;
  }

  /** What an apply of `dir` would change: kubectl diff's output, and its exit status (1 when something would change). */
  public diff(dir: string): number {
    readSite('diff', dir);
    this.reach('diff');
    return this.run(['diff', '-f', dir]);
  }

  /**
   * Applies `dir` and prunes the objects of its app that `dir` no longer has (of the kinds the packages emit and the
   * app's own, never a PersistentVolume, a claim or a Namespace), also in namespaces `dir` no longer uses. `app`,
   * when given, must be the folder's own site.
   */
  public deploy(dir: string, app?: string): number {
    const folder = readSite('deploy', dir);
    const { objects, contract } = folder;
    app = siteOf('deploy', dir, contract, app);
    const kinds = this.served('deploy', operatedKinds(contract.kinds)).filter((k) => !k.keep);
    const label = `${PART_OF}=${app}`;
    // The namespaces first, so the Secrets the pods need can be created in them before anything waits for them.
    const namespaces = objects.filter((o) => o.kind === 'Namespace');
    if (namespaces.length > 0) {
      const status = this.run(['apply', '-f', '-'], namespaces);
      if (status !== 0) return status;
    }
    this.requireNeeded('deploy', dir, folder);
    const status = this.run(['apply', '-f', dir, '--prune', '-l', label, ...kinds.map((k) => `--prune-allowlist=${k.allowlist}`)]);
    if (status !== 0) return status;
    // kubectl prunes only in the namespaces it applied to: the app's objects left in a namespace the folder no longer
    // uses (kube-keepalived-vip's in kube-system, after a move to MetalLB) go too, by the same kinds and label.
    const used = new Set(objects.map((o) => o.metadata.namespace).filter(Boolean));
    const namespaced = kinds.filter((k) => k.namespaced).map((k) => k.resource).join(',');
    const left = this.query('deploy', ['get', namespaced, '-A', '-l', label, '-o', 'jsonpath={range .items[*]}{.metadata.namespace}{"\\n"}{end}']);
    for (const ns of [...new Set(left.split('\n').filter(Boolean))].sort()) {
      if (!used.has(ns)) {
        const deleted = this.run(['delete', namespaced, '-n', ns, '-l', label, '--wait=false']);
        if (deleted !== 0) return deleted;
      }
    }
    return 0;
  }

  /** Waits until every Deployment, StatefulSet (the site's database) and DaemonSet of `app` (and `selector`) has rolled out. */
  public wait(app: string, selector?: string): number {
    const labels = `${PART_OF}=${app}${selector ? `,${selector}` : ''}`;
    const timeout = this.env.VSERVER_WAIT_TIMEOUT ?? '300s';
    this.reach('wait');
    const listing = this.query('wait', ['get', 'deployments,statefulsets,daemonsets', '-A', '-l', labels,
      '-o', 'jsonpath={range .items[*]}{.metadata.namespace}{" "}{.kind}{"/"}{.metadata.name}{"\\n"}{end}']);
    const objects = listing.split('\n').filter(Boolean);
    if (objects.length === 0) throw new OperatorError(`wait: no Deployment, StatefulSet or DaemonSet has the labels ${labels}`);
    for (const line of objects) {
      const [ns, object] = line.split(' ');
      const status = this.run(['rollout', 'status', '-n', ns, object.toLowerCase(), `--timeout=${timeout}`]);
      if (status !== 0) return status;
    }
    return 0;
  }

  /**
   * Deletes every object of `app`: the kinds the packages emit (and, with `dir`, the app's own), claims and volumes
   * included; then each namespace the app created, unless something that is not the app's is in it.
   */
  public uninstall(app: string, dir?: string): number {
    const contract = dir === undefined ? undefined : readSite('uninstall', dir).contract;
    if (dir !== undefined && contract !== undefined) siteOf('uninstall', dir, contract, app);
    const emitted = contract?.kinds ?? [];
    const label = `${PART_OF}=${app}`;
    const kinds = this.served('uninstall', operatedKinds(emitted)).filter((k) => k.kind !== 'Namespace');
    const namespaced = kinds.filter((k) => k.namespaced).map((k) => k.resource).join(',');
    const cluster = kinds.filter((k) => !k.namespaced).map((k) => k.resource).join(',');
    let status = this.run(['delete', namespaced, '-A', '-l', label, '--ignore-not-found', '--wait=false']);
    if (status === 0) status = this.run(['delete', cluster, '-l', label, '--ignore-not-found', '--wait=false']);
    if (status !== 0) return status;
    const namespaces = this.query('uninstall', ['get', 'namespaces', '-l', label, '-o', 'jsonpath={.items[*].metadata.name}']).split(/\s+/).filter(Boolean);
    for (const ns of namespaces) {
      // deleting a namespace deletes everything in it: only when nothing in it is someone else's
      const others = [
        ...this.names(['get', 'deployments,statefulsets,daemonsets,services,persistentvolumeclaims', '-n', ns, '-l', `${PART_OF}!=${app}`, '-o', 'name']),
        ...this.names(['get', 'configmaps', '-n', ns, '-l', `${PART_OF}!=${app}`, '--field-selector', 'metadata.name!=kube-root-ca.crt', '-o', 'name']),
        ...this.names(['get', 'secrets', '-n', ns, '-l', `${PART_OF}!=${app}`, '--field-selector', 'type!=kubernetes.io/service-account-token', '-o', 'name']),
      ];
      if (others.length > 0) {
        this.err(`uninstall: namespace ${ns} is kept: it holds objects that are not the app's (${others.join(' ')}); delete them, then: kubectl delete namespace ${ns}`);
      } else {
        status = this.run(['delete', 'namespace', ns, '--wait=false']);
        if (status !== 0) return status;
      }
    }
    return 0;
  }

  /**
   * Restores a server's docroot from its backups, through the restore template `dir` holds for it (the CronJob
   * `<server>-restore` of its `ResticBackup`): first a dry run, whose list of what it would overwrite or write is
   * printed; then, only with `yes`, the restore itself. `snapshot` is a snapshot id (8 to 64 hex digits) or `latest`;
   * `only` a path in the docroot (`/wp-content/uploads`) to restore alone. A whole server with a database gets the
   * dump of the same backup run loaded back too, unless `filesOnly`. Files and tables created since the snapshot stay.
   */
  public restore(dir: string, server: string, options: { snapshot?: string; only?: string; yes?: boolean; filesOnly?: boolean } = {}): number {
    const { objects } = readSite('restore', dir);
    const templates = objects.filter((o) => o.kind === 'CronJob' && o.spec?.jobTemplate?.spec?.template?.spec?.containers?.[0]?.args?.[0] === 'restore');
    const template = templates.find((o) => o.metadata.name === `${server}-restore`);
    if (!template) {
      const known = templates.map((o) => o.metadata.name.replace(/-restore$/, '')).sort();
      throw new OperatorError(`restore: ${dir} has no restore template for server "${server}" (a CronJob ${server}-restore): `
        + (known.length > 0 ? `the servers with backups are ${known.join(', ')}` : 'its site has no backups (facts.backup)'), 2);
    }
    const snapshot = options.snapshot ?? 'latest';
    if (snapshot !== 'latest' && !/^[0-9a-f]{8,64}$/.test(snapshot)) {
      throw new OperatorError(`restore: SNAPSHOT must be a snapshot id (8 to 64 hex digits, as the backup job's log names it) or latest, got "${snapshot}"`, 2);
    }
    if (options.only !== undefined && !/^\/[^\0\n]*$/.test(options.only)) {
      throw new OperatorError(`restore: --path must be a path in the docroot starting with / (such as /wp-content/uploads), got "${options.only}"`, 2);
    }
    const namespace = template.metadata.namespace ?? 'default';
    this.reach('restore');
    const stamp = Math.floor(Date.parse(this.env.VSERVER_NOW ?? new Date().toISOString()) / 1000);
    const env = { SNAPSHOT: snapshot, RESTORE_PATH: options.only ?? '', RESTORE_DATABASE: options.filesOnly ? '0' : '' };
    const dry = this.restoreJob(template, `${server}-restore-${stamp}-dry`, { ...env, DRY_RUN: '1' });
    const planned = this.runJob(dry, namespace);
    if (planned !== 0) return planned;
    if (!options.yes) {
      this.err(`restore: nothing written. Run again with --yes to restore ${server} as listed above`);
      return 0;
    }
    return this.runJob(this.restoreJob(template, `${server}-restore-${stamp}`, env), namespace);
  }

  /** A Job of the restore template, named `name`, with `env` added to its container. */
  private restoreJob(template: FolderObject, name: string, env: Record<string, string>): FolderObject {
    const job = JSON.parse(JSON.stringify(template.spec.jobTemplate));
    const container = job.spec.template.spec.containers[0];
    container.env = [...container.env ?? [], ...Object.entries(env).filter(([, v]) => v !== '').map(([n, value]) => ({ name: n, value }))];
    return {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name,
        namespace: template.metadata.namespace,
        labels: job.metadata?.labels,
        annotations: { 'cronjob.kubernetes.io/instantiate': 'manual' },
      } as FolderObject['metadata'],
      spec: job.spec,
    };
  }

  /** Creates `job`, waits until it has succeeded or failed for good, prints its log; its exit status. */
  private runJob(job: FolderObject, namespace: string): number {
    const created = this.run(['create', '-f', '-'], [job]);
    if (created !== 0) return created;
    const name = job.metadata.name;
    const timeoutSeconds = parseInt(this.env.VSERVER_WAIT_TIMEOUT ?? '600', 10) || 600;
    const until = Date.now() + timeoutSeconds * 1000;
    let state = '';
    for (;;) {
      state = this.query('restore', ['get', 'job', name, '-n', namespace, '-o',
        'jsonpath={.status.succeeded}/{range .status.conditions[*]}{.type}={.status},{end}']);
      if (state.startsWith('1/') || /Failed=True/.test(state) || Date.now() > until) break;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
    }
    this.run(['logs', '-n', namespace, `job/${name}`]);
    if (state.startsWith('1/')) return 0;
    this.err(/Failed=True/.test(state)
      ? `restore: Job ${namespace}/${name} failed (its log above); kubectl describe job ${name} -n ${namespace} says more`
      : `restore: Job ${namespace}/${name} did not finish within ${timeoutSeconds} s (VSERVER_WAIT_TIMEOUT); it goes on: kubectl logs -f job/${name} -n ${namespace}`);
    return 1;
  }

  /** The kinds among `kinds` that the server serves, with their resource names and served versions. */
  private served(command: string, kinds: OperatedKind[]): ServedKind[] {
    type Resource = { name: string; kind: string };
    const groups = new Map<string, Array<{ version: string; resources: Resource[] }>>();
    const discover = (group: string): Array<{ version: string; resources: Resource[] }> => {
      if (groups.has(group)) return groups.get(group)!;
      let versions: string[] = ['v1'];
      if (group !== '') {
        const found = this.kubectl(['get', '--raw', `/apis/${group}`]);
        versions = found.status === 0 ? JSON.parse(found.stdout).versions.map((v: { version: string }) => v.version) : [];
      }
      const lists = versions.map((version) => ({
        version,
        resources: (JSON.parse(this.query(command, ['get', '--raw', group === '' ? '/api/v1' : `/apis/${group}/${version}`])).resources as Resource[])
          .filter((r) => !r.name.includes('/')),
      }));
      groups.set(group, lists);
      return lists;
    };
    const served: ServedKind[] = [];
    for (const k of kinds) {
      for (const { version, resources } of discover(k.group)) {
        const resource = resources.find((r) => r.kind === k.kind);
        if (!resource) continue;
        served.push({
          ...k,
          resource: k.group === '' ? resource.name : `${resource.name}.${k.group}`,
          allowlist: `${k.group === '' ? 'core' : k.group}/${version}/${k.kind}`,
        });
        break;
      }
    }
    return served;
  }

  /** Runs kubectl for its output; a failure ends the command with one line (no cluster: what to do about it). */
  private query(command: string, args: string[]): string {
    const result = this.kubectl(args);
    if (result.status !== 0) {
      const reason = kubectlReason(result);
      if (/refused|no configuration has been provided|couldn't get current server|Unable to connect|no such host|i\/o timeout|Unauthorized|certificate/i.test(reason)) {
        throw new OperatorError(`${command}: kubectl cannot reach the cluster (${reason}). Point KUBECONFIG at the cluster's kubeconfig, `
          + 'or check that its API server is up, then run this again');
      }
      throw new OperatorError(`${command}: kubectl ${args.join(' ')} failed: ${reason}`);
    }
    return result.stdout;
  }

  /** Ends `command` in one line when no cluster answers, before a step that would print kubectl's own log lines. */
  private reach(command: string): void {
    this.query(command, ['get', '--raw', '/version']);
  }

  private names(args: string[]): string[] {
    return this.query('uninstall', args).split('\n').filter(Boolean);
  }

  /**
   * Runs kubectl as a step the user sees: the command printed first (`+ kubectl ...`, and what it reads from stdin,
   * by kind and name), its output passed through.
   */
  private run(args: string[], stdin?: FolderObject[]): number {
    this.err(`+ kubectl ${args.join(' ')}${stdin ? ` <<< ${stdin.map((o) => `${o.kind}/${o.metadata.name}`).join(' ')}` : ''}`);
    const result = this.kubectl(args, stdin && JSON.stringify({ apiVersion: 'v1', kind: 'List', items: stdin }));
    if (result.stdout) this.out(result.stdout.replace(/\n$/, ''));
    if (result.stderr) this.err(result.stderr.replace(/\n$/, ''));
    return result.status;
  }

  private kubectl(args: string[], input?: string): KubectlResult {
    const result = spawnSync(this.kubectlPath, args, { input, encoding: 'utf-8', env: this.env, maxBuffer: 256 * 1024 * 1024 });
    if (result.error) {
      const missing = (result.error as NodeJS.ErrnoException).code === 'ENOENT';
      throw new OperatorError(missing
        ? `kubectl was not found (${this.kubectlPath}): install the Kubernetes client, 1.${MIN_KUBERNETES_MINOR} or newer, and put it on PATH`
        : `kubectl ${args.join(' ')}: ${result.error.message}`);
    }
    return { status: result.status ?? 1, stdout: result.stdout, stderr: result.stderr };
  }
}

/** What kubectl said went wrong, in one line: its last line that is not a log line (`E1207 ... memcache.go:265] ...`). */
function kubectlReason(result: KubectlResult): string {
  const lines = result.stderr.trim().split('\n').map((l) => l.trim()).filter(Boolean);
  const plain = lines.filter((l) => !/^[EWI]\d{4} \d/.test(l));
  return plain[plain.length - 1] ?? lines[lines.length - 1] ?? `exit status ${result.status}`;
}

/** A synthesized folder: its objects and its contract. */
interface SiteFolder {
  readonly objects: FolderObject[];
  readonly contract: ContractFile;
}

/** The folder's objects and its contract (`operator/contract.json`); fails in one line when either is missing or broken. */
function readSite(command: string, dir: string): SiteFolder {
  const objects = readFolder(command, dir);
  const file = path.join(dir, ...CONTRACT_FILE.split('/'));
  if (!fs.existsSync(file)) {
    throw new OperatorError(`${command}: ${dir} has no ${CONTRACT_FILE}, which the synth writes beside the manifests: synthesize the app again (npx projen synth)`, 2);
  }
  let contract: ContractFile;
  try {
    contract = JSON.parse(fs.readFileSync(file, 'utf-8'));
  } catch (e) {
    throw new OperatorError(`${command}: ${file} is not JSON (${e instanceof Error ? e.message : e}): synthesize the app again (npx projen synth)`, 2);
  }
  if (contract?.version !== CONTRACT_VERSION) {
    throw new OperatorError(`${command}: ${file} is version ${JSON.stringify(contract?.version)} of the contract; this operator reads version `
      + `${CONTRACT_VERSION}: synthesize the app again with the packages of this operator's release`, 2);
  }
  return { objects, contract };
}

/** The folder's site: `app` when it is the folder's, the folder's when `app` is not given; fails on any other. */
function siteOf(command: string, dir: string, contract: ContractFile, app: string | undefined): string {
  if (contract.site === undefined) {
    if (app === undefined) {
      throw new OperatorError(`${command}: the objects of ${dir} carry no ${PART_OF} label, so nothing names its app: give APP, `
        + 'the label value to deploy and prune by', 2);
    }
    return app;
  }
  if (app !== undefined && app !== contract.site) {
    throw new OperatorError(`${command}: ${dir} is the site "${contract.site}" (the ${PART_OF} label of its objects), not "${app}": `
      + `${command} would select the wrong objects by that label. Run \`cdk8s-vserver ${command} ${command === 'deploy' ? `${dir} ${contract.site}` : `${contract.site} ${dir}`}\``, 2);
  }
  return contract.site;
}

/** Every object of the YAML files of `dir` (not its subfolders, as `kubectl apply -f` reads it), parsed as YAML. */
function readFolder(command: string, dir: string): FolderObject[] {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new OperatorError(`${command}: ${dir} is not a folder: give the app's synthesized folder (dist/<app>, written by npx projen synth)`, 2);
  }
  const files = fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort();
  if (files.length === 0) throw new OperatorError(`${command}: ${dir} holds no .yaml file: synthesize the app first (npx projen synth)`, 2);
  return files.flatMap((f) => readFile(command, path.join(dir, f)));
}

/** Every object of one YAML file. */
function readFile(command: string, file: string): FolderObject[] {
  // loaded here, not with the package: an app's synth never reads YAML back
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { parseAllDocuments } = require('yaml') as typeof import('yaml');
  const documents = parseAllDocuments(fs.readFileSync(file, 'utf-8'));
  const error = documents.flatMap((d) => d.errors)[0];
  if (error) throw new OperatorError(`${command}: ${file} is not YAML: ${error.message.split('\n')[0]}`);
  return documents.map((d) => d.toJSON()).filter(Boolean) as FolderObject[];
}

/**
 * Every Secret and ConfigMap the folder's pods need, each once: mounted (unless optional), read by an env var, or
 * pulled with. What each is and the command that makes it come from the contract; a pull Secret's from the registry
 * of the pod's image; anything else gets a generic command.
 */
function neededBy(folder: SiteFolder): NeededRef[] {
  const described = new Map([
    ...folder.contract.secrets.map((s): [string, NeededObject] => [`Secret/${s.namespace}/${s.name}`, s]),
    ...folder.contract.configMaps.map((c): [string, NeededObject] => [`ConfigMap/${c.namespace}/${c.name}`, c]),
  ]);
  const needed = new Map<string, NeededRef>();
  for (const o of folder.objects) {
    const pod: any = podSpecOf(o);
    if (!pod) continue;
    const namespace = o.metadata.namespace ?? 'default';
    const usedBy = `${o.kind}/${o.metadata.name}`;
    const containers: any[] = [...pod.initContainers ?? [], ...pod.containers ?? []];
    const add = (kind: 'Secret' | 'ConfigMap', name: string, pullFrom?: string) => {
      const key = `${kind}/${namespace}/${name}`;
      if (needed.has(key)) return;
      const known = described.get(key);
      const [what, command] = known ? [known.what, known.command]
        : pullFrom !== undefined ? [`the credentials to pull images from ${pullFrom}`, pullSecretCreateCommand(name, namespace, pullFrom)]
          : [`a ${kind} the pods read`, `kubectl create ${kind === 'Secret' ? 'secret generic' : 'configmap'} ${name} -n ${namespace} --from-file=<file>...`];
      needed.set(key, { kind, namespace, name, what, command, usedBy });
    };
    for (const volume of pod.volumes ?? []) {
      if (volume.secret?.secretName && volume.secret.optional !== true) add('Secret', volume.secret.secretName);
      if (volume.configMap?.name && volume.configMap.optional !== true) add('ConfigMap', volume.configMap.name);
    }
    for (const env of containers.flatMap((c) => c.env ?? [])) {
      const secret = env.valueFrom?.secretKeyRef;
      if (secret?.name && secret.optional !== true) add('Secret', secret.name);
      const configMap = env.valueFrom?.configMapKeyRef;
      if (configMap?.name && configMap.optional !== true) add('ConfigMap', configMap.name);
    }
    for (const from of containers.flatMap((c) => c.envFrom ?? [])) {
      if (from.secretRef?.name && from.secretRef.optional !== true) add('Secret', from.secretRef.name);
      if (from.configMapRef?.name && from.configMapRef.optional !== true) add('ConfigMap', from.configMapRef.name);
    }
    for (const pull of pod.imagePullSecrets ?? []) add('Secret', pull.name, ImageReference.of(containers[0]?.image ?? '').registry);
  }
  return [...needed.values()];
}
