import { IConstruct } from 'constructs';
import { SiteError } from './errors';
import { ImageReference } from './image';

/**
 * The folder, under an app's output folder, of what the synth tells the operator CLI: not beside the manifests, so
 * `kubectl apply -f dist/<app>` never reads it.
 */
export const OPERATOR_FOLDER = 'operator';

/** The contract between an app's synth and the operator CLI, as `<outdir>/operator/contract.json`. */
export const CONTRACT_FILE = `${OPERATOR_FOLDER}/contract.json`;

/**
 * The file the synth writes beside the manifests with every kind the app emits, one per line:
 * `<apiVersion> <Kind> <namespaced|cluster>`, sorted (a `.txt`, so `kubectl apply -f` leaves it alone). The same
 * kinds are in the contract; this file is for people and scripts (`grep Deployment dist/lab/kinds.txt`).
 */
export const KINDS_FILE = 'kinds.txt';

/** The version of the contract's format: the operator refuses a contract of another one. */
export const CONTRACT_VERSION = 1;

/** One kind an app emits, as its objects carry it. */
export interface EmittedKind {
  /** `apps/v1`, `v1`, `metallb.io/v1beta1`. */
  readonly apiVersion: string;
  /** `Deployment`. */
  readonly kind: string;
  /** Whether its objects have a namespace. */
  readonly namespaced: boolean;
}

/**
 * A Secret or ConfigMap that pods of the app need and that nothing in the app creates: the operator makes sure it
 * exists before the pods wait for it, and prints `command` when it does not.
 */
export interface NeededObject {
  /** Its namespace: the pods'. */
  readonly namespace: string;
  /** Its name. */
  readonly name: string;
  /** What it is, for a person: `the SSH host keys of server myweb`. */
  readonly what: string;
  /** The shell command that creates it, with `<...>` where the operator fills in a file of their own. */
  readonly command: string;
}

/** Where the operator gets an image the site pulls, before the cluster can pull it. */
export class ImageSource {
  /** Built from a Dockerfile folder of this project (`packages/web-ssh-server/images/httpd`), then pushed. */
  public static build(context: string): ImageSource {
    return new ImageSource('build', context);
  }

  /** A copy of an upstream image (`aledbf/kube-keepalived-vip:0.35`) into the site's registry. */
  public static copy(upstream: ImageReference): ImageSource {
    return new ImageSource('copy', upstream.reference);
  }

  private constructor(
    /** `build` or `copy`. */
    public readonly method: 'build' | 'copy',
    /** The Dockerfile folder, or the upstream reference. */
    public readonly from: string,
  ) {}
}

/** One image the site pulls, and where it comes from. */
export interface PulledImage {
  /** The reference the pods (or the nodes' static pods) pull. */
  readonly image: string;
  /** `build`: from a Dockerfile folder of this project; `copy`: from upstream; `pull`: the cluster pulls it from upstream as is. */
  readonly method: 'build' | 'copy' | 'pull';
  /** The Dockerfile folder (`build`) or the upstream reference (`copy`, and `pull`: the image itself). */
  readonly from: string;
}

/** A hint the operator prints when the cluster lacks what a backend needs (its CustomResourceDefinitions, its namespace). */
export interface InstallHint {
  /** The API group whose resources the hint installs (`metallb.io`). */
  readonly apiGroup?: string | undefined;
  /** The namespace the hint creates (`metallb-system`). */
  readonly namespace?: string | undefined;
  /** What to run, as a sentence: `Install MetalLB v0.16.0 first: kubectl apply -f ...`. */
  readonly install: string;
}

/** What `<outdir>/operator/contract.json` holds: everything the operator CLI knows about the app, besides its manifests. */
export interface ContractFile {
  /** {@link CONTRACT_VERSION}. */
  readonly version: number;
  /** The app's name: the `app.kubernetes.io/part-of` label of its objects, which deploy and uninstall select by. */
  readonly site?: string | undefined;
  /** Every kind the app emits, sorted by apiVersion and kind. */
  readonly kinds: EmittedKind[];
  /** The Secrets the pods need that the app does not create, sorted by namespace and name. */
  readonly secrets: NeededObject[];
  /** The ConfigMaps the pods need that the app does not create, sorted by namespace and name. */
  readonly configMaps: NeededObject[];
  /** Every image the app's pods and node files pull, sorted. */
  readonly images: PulledImage[];
  /** Install hints of the backends the app uses. */
  readonly installs: InstallHint[];
  /** With a redundant control plane: the endpoint every client should use, and the file that declares it. */
  readonly controlPlane?: { readonly endpoint: string; readonly file: string } | undefined;
  /** With a shared entry: its address, the hostnames DNS must point at it, and each server's SSH port on it. */
  readonly entry?: SharedEntryContract | undefined;
}

/** What the operator tells of a shared entry: where DNS points, and where customers connect with SSH. */
export interface SharedEntryContract {
  /** The entry's VIP. */
  readonly address: string;
  /** Every hostname routed through it, sorted. */
  readonly hostnames: string[];
  /** Each server's SSH port on it, by `namespace/name`, sorted by port. */
  readonly ssh: Array<{ readonly server: string; readonly port: number }>;
}

const ROOT_CONTRACT = Symbol.for('@cdk8s-vserver/core.OperatorContract');

/**
 * What the constructs of one app tell the operator CLI, written by the app's synth (`synthApp` of
 * `@cdk8s-vserver/hosting`) as {@link CONTRACT_FILE}: the operator reads that folder, never the packages. Each construct
 * records what only it knows: the Secrets and ConfigMaps its pods mount with the command that makes each, the
 * images it pulls and where they come from, what to install for its custom resources.
 */
export class OperatorContract {
  /** The contract of the app `scope` belongs to. */
  public static of(scope: IConstruct): OperatorContract {
    const root = scope.node.root as IConstruct & { [ROOT_CONTRACT]?: OperatorContract | undefined };
    if (!root[ROOT_CONTRACT]) Object.defineProperty(root, ROOT_CONTRACT, { value: new OperatorContract() });
    return root[ROOT_CONTRACT]!;
  }

  private static addNeeded(map: Map<string, NeededObject & { scope: IConstruct }>, kind: string, scope: IConstruct, needed: NeededObject): void {
    const key = `${needed.namespace}/${needed.name}`;
    const known = map.get(key);
    if (known === undefined) {
      map.set(key, { ...needed, scope });
    } else if (known.command !== needed.command) {
      throw SiteError.atConstruct(scope, `needs ${kind} ${key} as ${needed.what}, which [${known.scope.node.path}] needs as ${known.what}: `
        + `one ${kind} cannot be made both ways; give one of them another name`);
    } else if (!known.what.split('; ').includes(needed.what)) {
      // one thing for two servers (the authorized keys they share): both named
      map.set(key, { ...known, what: `${known.what}; ${needed.what}` });
    }
  }

  private readonly secrets = new Map<string, NeededObject & { scope: IConstruct }>();
  private readonly configMaps = new Map<string, NeededObject & { scope: IConstruct }>();
  private readonly images = new Map<string, PulledImage>();
  private readonly installs = new Map<string, InstallHint>();
  private controlPlane?: { endpoint: string; file: string };
  private entry?: () => SharedEntryContract;

  private constructor() {}

  /**
   * Records a Secret the pods of `scope` need and the app does not create. Several constructs may need one Secret
   * made by one command (servers that share their authorized keys); a Secret made two ways is an error.
   */
  public needsSecret(scope: IConstruct, secret: NeededObject): this {
    OperatorContract.addNeeded(this.secrets, 'Secret', scope, secret);
    return this;
  }

  /** Records a ConfigMap the pods of `scope` need and the app does not create. */
  public needsConfigMap(scope: IConstruct, configMap: NeededObject): this {
    OperatorContract.addNeeded(this.configMaps, 'ConfigMap', scope, configMap);
    return this;
  }

  /**
   * Records an image the app pulls. Without a source the cluster pulls it as it is named; an image recorded twice
   * keeps its first source that is not a plain pull.
   */
  public pullsImage(image: ImageReference, source?: ImageSource): this {
    const known = this.images.get(image.reference);
    if (known === undefined || known.method === 'pull') {
      this.images.set(image.reference, source === undefined
        ? { image: image.reference, method: 'pull', from: image.reference }
        : { image: image.reference, method: source.method, from: source.from });
    }
    return this;
  }

  /**
   * Records an image whose upstream is `upstream`: pulled as is when it is that image, else copied from it (a
   * mirror in the site's registry).
   */
  public pullsCopyOf(image: ImageReference, upstream: ImageReference): this {
    return this.pullsImage(image, image.reference === upstream.reference ? undefined : ImageSource.copy(upstream));
  }

  /** Records what to install when the cluster lacks a backend's API group or namespace (each hint once). */
  public installHint(hint: InstallHint): this {
    this.installs.set(`${hint.apiGroup ?? ''}/${hint.namespace ?? ''}`, hint);
    return this;
  }

  /** Records the endpoint of the app's redundant control plane and the node file that declares it. */
  public controlPlaneEndpoint(endpoint: string, file: string): this {
    this.controlPlane = { endpoint, file };
    return this;
  }

  /** Records the app's shared entry, read when the contract is written (servers added after this call are in it). */
  public sharedEntry(entry: () => SharedEntryContract): this {
    this.entry = entry;
    return this;
  }

  /** The contract's content, for an app that emitted `kinds` and whose objects carry the part-of label `site`. */
  public render(kinds: readonly EmittedKind[], site: string | undefined): ContractFile {
    const byName = (a: NeededObject, b: NeededObject) => compare(`${a.namespace}/${a.name}`, `${b.namespace}/${b.name}`);
    const strip = ({ namespace, name, what, command }: NeededObject): NeededObject => ({ namespace, name, what, command });
    return {
      version: CONTRACT_VERSION,
      ...(site === undefined ? {} : { site }),
      kinds: [...kinds],
      secrets: [...this.secrets.values()].map(strip).sort(byName),
      configMaps: [...this.configMaps.values()].map(strip).sort(byName),
      images: [...this.images.values()].sort((a, b) => compare(a.image, b.image)),
      installs: [...this.installs.values()],
      ...(this.controlPlane ? { controlPlane: this.controlPlane } : {}),
      ...(this.entry ? { entry: this.entry() } : {}),
    };
  }

}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The content of {@link KINDS_FILE}. */
export function formatKinds(kinds: readonly EmittedKind[]): string {
  return kinds.map((k) => `${k.apiVersion} ${k.kind} ${k.namespaced ? 'namespaced' : 'cluster'}\n`).join('');
}

/** Reads {@link KINDS_FILE} back; throws naming the file and line when a line is not `<apiVersion> <Kind> <namespaced|cluster>`. */
export function parseKinds(text: string, file = KINDS_FILE): EmittedKind[] {
  return text.split('\n').filter((line) => line.trim() !== '').map((line, i) => {
    const [apiVersion, kind, scope, ...rest] = line.trim().split(/\s+/);
    if (!kind || (scope !== 'namespaced' && scope !== 'cluster') || rest.length > 0) {
      throw new Error(`${file}:${i + 1}: expected "<apiVersion> <Kind> <namespaced|cluster>", got "${line}"`);
    }
    return { apiVersion, kind, namespaced: scope === 'namespaced' };
  });
}

/**
 * The command that creates the Secret the kubelet pulls a pod's images from `registry` with (`imagePullSecrets`):
 * a `kubernetes.io/dockerconfigjson` Secret, the only kind it reads (a generic one leaves the pods in
 * ImagePullBackOff). The password comes from a file, so it stays out of the shell's history.
 */
export function pullSecretCreateCommand(secret: string, namespace: string, registry: string): string {
  return `kubectl create secret docker-registry ${secret} -n ${namespace} --docker-server=${registry} --docker-username=<user> `
    + '--docker-password="$(cat <file with the password>)"';
}

/** The lines that put `image` where the cluster pulls it from: build and push, copy, or nothing (a comment). */
export function mirrorCommand(image: PulledImage): string {
  switch (image.method) {
    case 'build': return `buildah bud -t ${image.image} ${image.from} && buildah push ${image.image}`;
    case 'copy': return `skopeo copy docker://${image.from} docker://${image.image}`;
    default: return `# ${image.image}: the nodes pull it from its own registry (${ImageReference.of(image.image).registry}); mirror it into yours and name `
      + 'the copy in the site if they cannot reach it';
  }
}
