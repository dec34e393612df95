import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { CONTROL_PLANE_FOLDER, KUBEADM_CONFIG_FILE } from '@cdk8s-vserver/control-plane';
import { ImageReference, podSpecOf } from '@cdk8s-vserver/core';
import { VIP_CONTROLLER_INSTALLS } from '@cdk8s-vserver/vip';
import { pullSecretCreateCommand, secretCreateCommand } from '@cdk8s-vserver/web-ssh-server';
import { KINDS_FILE, parseKinds } from '../synth';
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

/** A Secret the folder's pods need that neither the folder nor the cluster has. */
interface MissingSecret {
  readonly namespace: string;
  readonly name: string;
  /** `Deployment/myweb`: who mounts it. */
  readonly usedBy: string;
  /** Where it is mounted, when it is a volume. */
  readonly mountPath?: string | undefined;
  /** The registry the pods pull their images from with it, when it is one of their `imagePullSecrets`. */
  readonly pullFrom?: string | undefined;
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
   * the folder holds and has every namespace the folder uses without creating it.
   */
  public preflight(dir?: string): number {
    const min = Number(this.env.VSERVER_MIN_K8S_MINOR ?? MIN_KUBERNETES_MINOR);
    const objects = dir === undefined ? [] : readFolder('preflight', dir);
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
    if (dir === undefined) return 0;
    const served = new Set(this.query('preflight', ['api-versions']).split('\n').map((l) => l.trim()));
    const custom = [...new Set(objects.map((o) => o.apiVersion))].filter((v) => groupOf(v).includes('.') && !groupOf(v).endsWith('k8s.io')).sort();
    for (const apiVersion of custom) {
      if (!served.has(apiVersion)) {
        const install = VIP_CONTROLLER_INSTALLS.find((c) => c.group === groupOf(apiVersion))?.install
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
          + `${VIP_CONTROLLER_INSTALLS.filter((c) => c.namespace === ns).map((c) => `: ${c.install}`).join('')}`);
      }
      this.out(`preflight: namespace ${ns} exists`);
    }
    this.requireSecrets('preflight', dir, objects);
    this.checkEndpoint(dir);
    return 0;
  }

  /**
   * With a redundant control plane in the folder (`control-plane/kubeadm-config.yaml`), says whether kubectl talks to
   * its endpoint, the API VIP, and warns when it talks to anything else (one master's own address, say): this tool,
   * and whatever else reads that kubeconfig, would lose the cluster with that one master.
   */
  private checkEndpoint(dir: string): void {
    const file = path.join(dir, CONTROL_PLANE_FOLDER, KUBEADM_CONFIG_FILE);
    if (!fs.existsSync(file)) return;
    const cluster = readFile('preflight', file).find((d) => d.kind === 'ClusterConfiguration') as { controlPlaneEndpoint?: unknown } | undefined;
    const endpoint = cluster?.controlPlaneEndpoint;
    if (typeof endpoint !== 'string') return;
    const server = this.query('preflight', ['config', 'view', '--minify', '-o', 'jsonpath={.clusters[0].cluster.server}']).trim().replace(/\/+$/, '');
    if (server === `https://${endpoint}`) {
      this.out(`preflight: kubectl talks to the control plane's endpoint, ${server}`);
      return;
    }
    this.err(`preflight: kubectl talks to ${server}, not to the control plane's endpoint https://${endpoint} (${file}): when that one API `
      + `server's master fails, kubectl and this tool lose the cluster with it. Set the kubeconfig's server to https://${endpoint} `
      + '(README, "A redundant control plane")');
  }

  /**
   * Fails, naming each missing Secret with the command that creates it, unless every Secret the folder's pods need
   * (mounted, read by env, or pulled with) is in the folder, is made by a cert-manager Certificate of the folder, or
   * exists on the cluster. A namespace the folder creates and that does not exist yet has none of them.
   */
  private requireSecrets(command: string, dir: string, objects: FolderObject[]): void {
    const provided = new Set(objects.flatMap((o) => [
      ...(o.kind === 'Secret' ? [`${o.metadata.namespace}/${o.metadata.name}`] : []),
      ...(o.kind === 'Certificate' && o.spec?.secretName ? [`${o.metadata.namespace}/${o.spec.secretName}`] : []),
    ]));
    const existing = new Map<string, Set<string>>();
    const onCluster = (ns: string) => {
      if (!existing.has(ns)) {
        const found = this.kubectl(['get', 'namespace', ns]).status === 0
          ? this.query(command, ['get', 'secrets', '-n', ns, '-o', 'jsonpath={range .items[*]}{.metadata.name}{"\\n"}{end}']).split('\n').filter(Boolean) : [];
        existing.set(ns, new Set(found));
      }
      return existing.get(ns)!;
    };
    const missing = secretsNeeded(objects).filter((s) => !provided.has(`${s.namespace}/${s.name}`) && !onCluster(s.namespace).has(s.name));
    if (missing.length === 0) return;
    const lines = missing.map((s) => `  ${s.namespace}/${s.name} (for ${s.usedBy}${s.mountPath ? ` at ${s.mountPath}` : ''}):\n    `
      + (s.pullFrom !== undefined ? pullSecretCreateCommand(s.name, s.namespace, s.pullFrom)
        : secretCreateCommand(s.mountPath, s.name, s.namespace)));
    throw new OperatorError(`${command}: ${dir} needs ${missing.length === 1 ? 'a Secret' : `${missing.length} Secrets`} that the cluster does not have, `
      + `and its pods would wait in ContainerCreating until they exist. Create each with the command below it${
        command === 'deploy' ? ' (the namespaces exist now)' : ''}, then run this again:\n${lines.join('\n')}`);
  }

  /** What an apply of `dir` would change: kubectl diff's output, and its exit status (1 when something would change). */
  public diff(dir: string): number {
    readFolder('diff', dir);
    return this.run(['diff', '-f', dir]);
  }

  /**
   * Applies `dir` and prunes the objects of `app` that `dir` no longer has (of the kinds the packages emit and the
   * app's own, never a PersistentVolume, a claim or a Namespace), also in namespaces `dir` no longer uses.
   */
  public deploy(dir: string, app: string): number {
    const objects = readFolder('deploy', dir);
    const kinds = this.served('deploy', operatedKinds(readKinds('deploy', dir))).filter((k) => !k.keep);
    const label = `${PART_OF}=${app}`;
    // The namespaces first, so the Secrets the pods need can be created in them before anything waits for them.
    const namespaces = objects.filter((o) => o.kind === 'Namespace');
    if (namespaces.length > 0) {
      const status = this.run(['apply', '-f', '-'], namespaces);
      if (status !== 0) return status;
    }
    this.requireSecrets('deploy', dir, objects);
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

  /** Waits until every Deployment and DaemonSet of `app` (and `selector`) has rolled out. */
  public wait(app: string, selector?: string): number {
    const labels = `${PART_OF}=${app}${selector ? `,${selector}` : ''}`;
    const timeout = this.env.VSERVER_WAIT_TIMEOUT ?? '300s';
    const listing = this.query('wait', ['get', 'deployments,daemonsets', '-A', '-l', labels,
      '-o', 'jsonpath={range .items[*]}{.metadata.namespace}{" "}{.kind}{"/"}{.metadata.name}{"\\n"}{end}']);
    const objects = listing.split('\n').filter(Boolean);
    if (objects.length === 0) throw new OperatorError(`wait: no Deployment or DaemonSet has the labels ${labels}`);
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
    const emitted = dir === undefined ? [] : readKinds('uninstall', dir);
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
      const reason = result.stderr.trim().split('\n')[0] || `exit status ${result.status}`;
      if (/refused|no configuration has been provided|couldn't get current server|Unable to connect|no such host|i\/o timeout|Unauthorized|certificate/i.test(reason)) {
        throw new OperatorError(`${command}: kubectl cannot reach the cluster (${reason}). Point KUBECONFIG at the cluster's kubeconfig, `
          + 'or check that its API server is up, then run this again');
      }
      throw new OperatorError(`${command}: kubectl ${args.join(' ')} failed: ${reason}`);
    }
    return result.stdout;
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

/** Every Secret the pods of `objects` need: mounted (unless optional), read by an env var, or pulled with; each once. */
function secretsNeeded(objects: FolderObject[]): MissingSecret[] {
  const needed = new Map<string, MissingSecret>();
  for (const o of objects) {
    const pod: any = podSpecOf(o);
    if (!pod) continue;
    const namespace = o.metadata.namespace ?? 'default';
    const usedBy = `${o.kind}/${o.metadata.name}`;
    const containers: any[] = [...pod.initContainers ?? [], ...pod.containers ?? []];
    const add = (name: string, mountPath?: string, pullFrom?: string) => {
      if (!needed.has(`${namespace}/${name}`)) needed.set(`${namespace}/${name}`, { namespace, name, usedBy, mountPath, pullFrom });
    };
    for (const volume of pod.volumes ?? []) {
      if (!volume.secret?.secretName || volume.secret.optional === true) continue;
      add(volume.secret.secretName, containers.flatMap((c) => c.volumeMounts ?? []).find((m: any) => m.name === volume.name)?.mountPath);
    }
    for (const env of containers.flatMap((c) => c.env ?? [])) {
      const ref = env.valueFrom?.secretKeyRef;
      if (ref?.name && ref.optional !== true) add(ref.name);
    }
    for (const pull of pod.imagePullSecrets ?? []) add(pull.name, undefined, ImageReference.of(containers[0]?.image ?? '').registry);
  }
  return [...needed.values()];
}

/** The kinds the app wrote beside its manifests. */
function readKinds(command: string, dir: string) {
  const file = path.join(dir, KINDS_FILE);
  if (!fs.existsSync(file)) {
    throw new OperatorError(`${command}: ${dir} has no ${KINDS_FILE}, which synthApp writes beside the manifests: synthesize the app again (npx projen synth)`, 2);
  }
  try {
    return parseKinds(fs.readFileSync(file, 'utf-8'), file);
  } catch (e) {
    throw new OperatorError(`${command}: ${e instanceof Error ? e.message : e}`, 2);
  }
}
