import { clusterScoped, Ipv4Address, isHostname, resourceName, SiteError } from '@cdk8s-vserver/site';
import { ApiObject, Chart, Size, SizeRoundingBehavior } from 'cdk8s';
import * as kplus from 'cdk8s-plus-22';
import { Construct } from 'constructs';

/**
 * A web docroot that pods can mount: anything that can mount itself into a container.
 */
export interface IDocroot {
  /**
   * Mounts the docroot into `container` at `path`.
   *
   * @param container the container that reads or edits the content
   * @param path absolute mount path inside the container (`/var/www/html`)
   * @param options mount options (read-only, sub-path)
   */
  mountInto(container: kplus.Container, path: string, options?: DocrootMountOptions): void;
}

/** Options for {@link IDocroot.mountInto}. */
export interface DocrootMountOptions {
  /**
   * Mount the docroot read-only in this container (a server that only serves content never needs to write it).
   *
   * @default - read-write, unless the docroot itself is read-only
   */
  readonly readOnly?: boolean;
}

/**
 * How the volume can be mounted.
 * @see https://kubernetes.io/docs/concepts/storage/persistent-volumes/#access-modes
 */
export enum NfsAccessMode {
  /** Read-write by pods on many nodes at once: what a replicated web server needs. */
  READ_WRITE_MANY = 'ReadWriteMany',
  /** Read-only by pods on many nodes. */
  READ_ONLY_MANY = 'ReadOnlyMany',
  /** Read-write by pods on a single node. */
  READ_WRITE_ONCE = 'ReadWriteOnce',
}

/**
 * What happens to the NFS content when the claim is deleted.
 * @see https://kubernetes.io/docs/concepts/storage/persistent-volumes/#reclaiming
 */
export enum NfsReclaimPolicy {
  /** Keep the volume and its content; an administrator reclaims it by hand. */
  RETAIN = 'Retain',
  /** Delete the PersistentVolume object (the NFS export itself is never touched by Kubernetes). */
  DELETE = 'Delete',
}

/** Props of {@link NfsDocroot}. */
export interface NfsDocrootProps {
  /** The NFS server: a hostname (`nas.test`) or an IPv4 address. */
  readonly server: string;

  /** The absolute path of the export on the server (`/export/web`). */
  readonly path: string;

  /**
   * Capacity the volume advertises and the claim requests (NFS does not enforce it; it is used for binding).
   * @default Size.gibibytes(10)
   */
  readonly capacity?: Size;

  /**
   * Access mode of the volume and the claim.
   * @default NfsAccessMode.READ_WRITE_MANY - several pods on several nodes share the docroot
   */
  readonly accessMode?: NfsAccessMode;

  /**
   * Reclaim policy of the PersistentVolume.
   * @default NfsReclaimPolicy.RETAIN - the web content must survive the claim
   */
  readonly reclaimPolicy?: NfsReclaimPolicy;

  /**
   * NFS mount options (`nfsvers=4.1`, `hard`).
   * @see https://kubernetes.io/docs/concepts/storage/persistent-volumes/#mount-options
   * @default - none: the node's NFS client negotiates
   */
  readonly mountOptions?: string[];

  /**
   * Export the content read-only to every pod.
   * @default false
   */
  readonly readOnly?: boolean;

  /**
   * Name of the PersistentVolume (cluster-wide, DNS-1123 label).
   * @default - the claim name followed by `-pv`
   */
  readonly volumeName?: string;

  /**
   * Name of the PersistentVolumeClaim (DNS-1123 label) in the chart's namespace.
   * @default - the construct id in kebab case
   */
  readonly claimName?: string;
}

const DEFAULT_CAPACITY = Size.gibibytes(10);

/**
 * A web docroot on a NAS: a static NFS PersistentVolume and a PersistentVolumeClaim bound to it.
 *
 * The claim names the volume (`volumeName`) and both use the empty storage class, so no dynamic provisioner
 * can take the claim and it binds to exactly this volume. The volume's `claimRef` reserves it for this claim.
 */
export class NfsDocroot extends Construct implements IDocroot {
  /** Name of the PersistentVolume. */
  public readonly volumeName: string;
  /** Name of the PersistentVolumeClaim. */
  public readonly claimName: string;
  /** The PersistentVolume object. */
  public readonly persistentVolume: ApiObject;
  /** The PersistentVolumeClaim object. */
  public readonly persistentVolumeClaim: ApiObject;
  /** The claim, for cdk8s-plus APIs that take one. */
  public readonly claim: kplus.IPersistentVolumeClaim;
  /** The claim as a pod volume (named `docroot` in the pod). */
  public readonly volume: kplus.Volume;
  /** True when the content is exported read-only. */
  public readonly readOnly: boolean;

  constructor(scope: Construct, id: string, props: NfsDocrootProps) {
    super(scope, id);
    const server = validateServer(this, props.server);
    const exportPath = validateExportPath(this, props.path);
    const capacity = quantityOf(this, props.capacity ?? DEFAULT_CAPACITY);
    const accessMode = validateEnum(this, 'accessMode', props.accessMode ?? NfsAccessMode.READ_WRITE_MANY, NfsAccessMode);
    const reclaimPolicy = validateEnum(this, 'reclaimPolicy', props.reclaimPolicy ?? NfsReclaimPolicy.RETAIN, NfsReclaimPolicy);
    const mountOptions = validateMountOptions(this, props.mountOptions ?? []);
    this.readOnly = props.readOnly ?? false;
    this.claimName = resourceName(this, 'claimName', props.claimName);
    this.volumeName = resourceName(this, 'volumeName', props.volumeName, `${this.claimName}-pv`);
    const namespace = Chart.of(this).namespace ?? 'default';

    this.persistentVolume = clusterScoped(new kplus.k8s.KubePersistentVolume(this, 'PersistentVolume', {
      metadata: { name: this.volumeName },
      spec: {
        capacity: { storage: capacity },
        accessModes: [accessMode],
        persistentVolumeReclaimPolicy: reclaimPolicy,
        storageClassName: '',
        mountOptions: mountOptions.length > 0 ? mountOptions : undefined,
        nfs: { server, path: exportPath, readOnly: this.readOnly || undefined },
        claimRef: { namespace, name: this.claimName },
      },
    }));

    this.persistentVolumeClaim = new kplus.k8s.KubePersistentVolumeClaim(this, 'PersistentVolumeClaim', {
      metadata: { name: this.claimName },
      spec: {
        accessModes: [accessMode],
        storageClassName: '',
        volumeName: this.volumeName,
        resources: { requests: { storage: capacity } },
      },
    });
    this.claim = kplus.PersistentVolumeClaim.fromClaimName(this, 'Claim', this.claimName);
    this.volume = kplus.Volume.fromPersistentVolumeClaim(this, 'Volume', this.claim, { name: 'docroot', readOnly: this.readOnly });
  }

  /**
   * Mounts the docroot into `container` at `path`.
   */
  public mountInto(container: kplus.Container, path: string, options: DocrootMountOptions = {}): void {
    if (typeof path !== 'string' || !path.startsWith('/')) {
      throw SiteError.invalidProp(this, 'mountInto path', path, `be an absolute path inside container '${container.name}', such as "/var/www/html"`);
    }
    container.mount(path, this.volume, { readOnly: options.readOnly ?? this.readOnly });
  }
}

function validateServer(scope: Construct, server: string): string {
  if (!Ipv4Address.isValid(server) && !isHostname(server)) {
    throw SiteError.invalidProp(scope, 'server', server, 'be a hostname (such as "nas.test") or an IPv4 address (such as "192.168.1.10")');
  }
  return server;
}

function validateExportPath(scope: Construct, path: string): string {
  if (typeof path !== 'string' || !path.startsWith('/') || /\s/.test(path) || path.split('/').some((s) => s === '.' || s === '..')) {
    throw SiteError.invalidProp(scope, 'path', path, 'be the absolute path of the NFS export, without white space, "." or ".." (such as "/export/web")');
  }
  return path;
}

function quantityOf(scope: Construct, size: Size): kplus.k8s.Quantity {
  const kib = size instanceof Size ? size.toKibibytes({ rounding: SizeRoundingBehavior.NONE }) : NaN;
  if (!(kib >= 1) || !Number.isInteger(kib)) {
    throw SiteError.invalidProp(scope, 'capacity', size instanceof Size ? `${kib} KiB` : size,
      'be a cdk8s Size greater than zero, in whole KiB (such as Size.gibibytes(10))');
  }
  const [amount, unit] = kib % (1024 * 1024) === 0 ? [kib / (1024 * 1024), 'Gi'] : kib % 1024 === 0 ? [kib / 1024, 'Mi'] : [kib, 'Ki'];
  return kplus.k8s.Quantity.fromString(`${amount}${unit}`);
}

function validateEnum<T extends string>(scope: Construct, prop: string, value: T, values: Record<string, T>): T {
  const allowed = Object.values(values);
  if (!allowed.includes(value)) {
    throw SiteError.invalidProp(scope, prop, value, `be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}`);
  }
  return value;
}

function validateMountOptions(scope: Construct, options: string[]): string[] {
  for (const option of options) {
    if (typeof option !== 'string' || !/^[A-Za-z0-9_.:=/-]+$/.test(option)) {
      throw SiteError.invalidProp(scope, 'mountOptions', option, 'be NFS mount options of letters, digits and "_.:=/-" (such as "nfsvers=4.1")');
    }
  }
  return [...options];
}
