import {
  AppChecks, clusterScoped, Ipv4Address, k8s, namespaceOf, requireAbsolutePath, requireEnum, requireHost, resourceName, SiteError,
} from '@cdk8s-vserver/core';
import { Size, SizeRoundingBehavior } from 'cdk8s';
import { Construct } from 'constructs';

/**
 * A folder of a NAS that pods can mount (a docroot, an ACME store, a backup target, the logs): the pod volume that
 * holds it, and a container's mount of it.
 */
export interface INfsFolder {
  /** The pod volume that holds the docroot (a pod lists it once in `spec.volumes`). */
  readonly podVolume: k8s.Volume;

  /** The namespace of the claim: a pod can mount it only from this namespace. */
  readonly namespace: string;

  /** How the volume can be mounted (`ReadWriteOnce` allows one node only). */
  readonly accessMode: AccessMode;

  /**
   * A container's mount of the docroot at `path` (for the container's `volumeMounts`).
   *
   * @param path absolute mount path inside the container (`/var/www/html`)
   * @param options mount options (read-only)
   */
  mountAt(path: string, options?: NfsFolderMountOptions): k8s.VolumeMount;
}

/** Options for {@link INfsFolder.mountAt}. */
export interface NfsFolderMountOptions {
  /**
   * Mount the docroot read-only in this container (a server that only serves content never needs to write it).
   *
   * @default - read-write, unless the docroot itself is read-only
   */
  readonly readOnly?: boolean | undefined;
}

/**
 * How a volume can be mounted: the values of cdk8s-plus's `PersistentVolumeAccessMode` that NFS supports, so
 * `kplus.PersistentVolumeAccessMode.READ_WRITE_MANY` (of any cdk8s-plus version) or the string `'ReadWriteMany'`.
 * @see https://kubernetes.io/docs/concepts/storage/persistent-volumes/#access-modes
 */
export type AccessMode = 'ReadWriteMany' | 'ReadOnlyMany' | 'ReadWriteOnce';

/**
 * What happens to a volume when its claim is deleted: the values of cdk8s-plus's
 * `PersistentVolumeReclaimPolicy`, so `kplus.PersistentVolumeReclaimPolicy.RETAIN` or the string `'Retain'`.
 * `Delete` deletes the PersistentVolume object; Kubernetes never touches the NFS export itself.
 * @see https://kubernetes.io/docs/concepts/storage/persistent-volumes/#reclaiming
 */
export type ReclaimPolicy = 'Retain' | 'Delete';

const ACCESS_MODES: Record<string, AccessMode> = {
  'PersistentVolumeAccessMode.READ_WRITE_MANY': 'ReadWriteMany',
  'PersistentVolumeAccessMode.READ_ONLY_MANY': 'ReadOnlyMany',
  'PersistentVolumeAccessMode.READ_WRITE_ONCE': 'ReadWriteOnce',
};
const RECLAIM_POLICIES: Record<string, ReclaimPolicy> = {
  'PersistentVolumeReclaimPolicy.RETAIN': 'Retain',
  'PersistentVolumeReclaimPolicy.DELETE': 'Delete',
};

/** Props of {@link NfsFolder}. */
export interface NfsFolderProps {
  /** The NAS, the NFS server's host: a hostname (`nas.test`) or an IPv4 address. */
  readonly host: string;

  /** The absolute path of the export on the server (`/export/web`). */
  readonly path: string;

  /**
   * Capacity the volume advertises and the claim requests (NFS does not enforce it; it is used for binding).
   * @default Size.gibibytes(10)
   */
  readonly capacity?: Size | undefined;

  /**
   * Access mode of the volume and the claim.
   * @default 'ReadWriteMany' - several pods on several nodes share the docroot
   */
  readonly accessMode?: AccessMode | undefined;

  /**
   * Reclaim policy of the PersistentVolume.
   * @default 'Retain' - the web content must survive the claim
   */
  readonly reclaimPolicy?: ReclaimPolicy | undefined;

  /**
   * NFS mount options (`nfsvers=4.1`, `hard`).
   * @see https://kubernetes.io/docs/concepts/storage/persistent-volumes/#mount-options
   * @default - none: the node's NFS client negotiates
   */
  readonly mountOptions?: string[] | undefined;

  /**
   * Export the content read-only to every pod.
   * @default false
   */
  readonly readOnly?: boolean | undefined;

  /**
   * Name of the PersistentVolume (cluster-wide, DNS-1123 label).
   * @default - the claim name followed by `-pv`
   */
  readonly volumeName?: string | undefined;

  /**
   * Name of the PersistentVolumeClaim (DNS-1123 label) in the chart's namespace.
   * @default - the construct id in kebab case
   */
  readonly claimName?: string | undefined;
}

const DEFAULT_CAPACITY = Size.gibibytes(10);

/**
 * A folder of a NAS, whatever it holds (a server's docroot, its ACME store, its backups, the site's logs): a static NFS
 * PersistentVolume and a PersistentVolumeClaim bound to it.
 *
 * The claim names the volume (`volumeName`) and both use the empty storage class, so no dynamic provisioner
 * can take the claim and it binds to exactly this volume. The volume's `claimRef` reserves it for this claim.
 */
export class NfsFolder extends Construct implements INfsFolder {
  /** Name of the PersistentVolume. */
  public readonly volumeName: string;
  /** Name of the PersistentVolumeClaim. */
  public readonly claimName: string;
  /** The PersistentVolume. */
  public readonly persistentVolume: k8s.KubePersistentVolume;
  /** The PersistentVolumeClaim, bound to {@link persistentVolume}. */
  public readonly persistentVolumeClaim: k8s.KubePersistentVolumeClaim;
  /** The claim as a pod volume, named `docroot` in the pod. */
  public readonly podVolume: k8s.Volume;
  /** True when the content is exported read-only. */
  public readonly readOnly: boolean;
  /** The namespace of the claim. */
  public readonly namespace: string;
  /** How the volume can be mounted. */
  public readonly accessMode: AccessMode;

  constructor(scope: Construct, id: string, props: NfsFolderProps) {
    super(scope, id);
    AppChecks.of(this).trust(this);
    const server = requireHost(this, 'host', props.host);
    if (Ipv4Address.of(server).problem === undefined) {
      AppChecks.of(this).declareAddress(server, `the NFS server of [${this.node.path}]`);
    }
    const exportPath = requireAbsolutePath(this, 'path', props.path, '/export/web');
    const capacity = quantityOf(this, props.capacity ?? DEFAULT_CAPACITY);
    const accessMode = this.accessMode = requireEnum(this, 'accessMode', props.accessMode ?? 'ReadWriteMany', ACCESS_MODES);
    const reclaimPolicy = requireEnum(this, 'reclaimPolicy', props.reclaimPolicy ?? 'Retain', RECLAIM_POLICIES);
    const mountOptions = nfsMountOptions(this, props.mountOptions ?? []);
    this.readOnly = props.readOnly ?? false;
    this.claimName = resourceName(this, 'claimName', props.claimName);
    this.volumeName = resourceName(this, 'volumeName', props.volumeName, `${this.claimName}-pv`);
    const namespace = this.namespace = namespaceOf(this);

    this.persistentVolume = clusterScoped(new k8s.KubePersistentVolume(this, 'PersistentVolume', {
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

    this.persistentVolumeClaim = new k8s.KubePersistentVolumeClaim(this, 'PersistentVolumeClaim', {
      metadata: { name: this.claimName },
      spec: {
        accessModes: [accessMode],
        storageClassName: '',
        volumeName: this.volumeName,
        resources: { requests: { storage: capacity } },
      },
    });
    this.podVolume = { name: 'docroot', persistentVolumeClaim: { claimName: this.claimName, readOnly: this.readOnly } };
  }

  /**
   * A container's mount of the docroot at `path`; read-only when `options.readOnly` says so or the docroot is.
   */
  public mountAt(path: string, options: NfsFolderMountOptions = {}): k8s.VolumeMount {
    requireAbsolutePath(this, 'mountAt path', path, '/var/www/html');
    return { name: this.podVolume.name, mountPath: path, readOnly: options.readOnly ?? this.readOnly };
  }
}

function quantityOf(scope: Construct, size: Size): k8s.Quantity {
  const kib = size.toKibibytes({ rounding: SizeRoundingBehavior.NONE });
  if (!(kib >= 1) || !Number.isInteger(kib)) {
    throw SiteError.invalidProp(scope, 'capacity', `${kib} KiB`,
      'be a cdk8s Size greater than zero, in whole KiB (such as Size.gibibytes(10))');
  }
  const [amount, unit] = kib % (1024 * 1024) === 0 ? [kib / (1024 * 1024), 'Gi'] : kib % 1024 === 0 ? [kib / 1024, 'Mi'] : [kib, 'Ki'];
  return k8s.Quantity.fromString(`${amount}${unit}`);
}

/** The NFS mount options, each a word of letters, digits and `_.:=/-`. */
function nfsMountOptions(scope: Construct, options: string[]): string[] {
  for (const option of options) {
    if (!/^[A-Za-z0-9_.:=/-]+$/.test(option)) {
      throw SiteError.invalidProp(scope, 'mountOptions', option, 'be NFS mount options of letters, digits and "_.:=/-" (such as "nfsvers=4.1")');
    }
  }
  return [...options];
}

/** @deprecated 0.10.0: {@link NfsFolder}, one name for a NAS folder of any role. */
export const NfsDocroot = NfsFolder;
/** @deprecated 0.10.0: {@link NfsFolder}. */
export type NfsDocroot = NfsFolder;
/** @deprecated 0.10.0: {@link NfsFolderProps} (whose NAS is `host`, not `server`). */
export type NfsDocrootProps = NfsFolderProps;
/** @deprecated 0.10.0: {@link INfsFolder}. */
export type IDocroot = INfsFolder;
/** @deprecated 0.10.0: {@link NfsFolderMountOptions}. */
export type DocrootMountOptions = NfsFolderMountOptions;
