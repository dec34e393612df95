import {
  AppChecks, clusterDnsEgressRule, clusterScoped, containerResources, FieldPath, ImageReference, ImageSource, Ipv4Address, k8s, MANAGED_BY,
  namespaceOf, NodeRole, OperatorContract,
  requireAbsolutePath, requireDnsLabel, requireImagePullSecrets, requireNodeRole, requirePinnedImage, requireResources, resourceName,
  restrictedContainerContext, restrictedPodContext, SiteError,
} from '@cdk8s-vserver/core';
import { Size, SizeRoundingBehavior } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { NEW_PASSWORD } from './secret-commands';

/** The Dockerfile folder of the database's image, in this project: the operator builds and pushes it to the site's registry. */
export const DATABASE_IMAGE_FOLDER = 'packages/storage/images/mariadb';
/** MariaDB's port. */
export const DATABASE_PORT = 3306;
/** The uid MariaDB runs as: mysql of the image. */
export const MYSQL_UID = 999;
/** Where the database image reads the admin's and a customer's password (each a Secret's key `password`). */
const ADMIN_PASSWORD_DIR = '/etc/mysql/admin';
const CUSTOMER_PASSWORD_DIR = '/etc/mysql/customer';
/** The label a pod carries to be let in to the database `<name>` (its NetworkPolicy selects it, in any namespace). */
export const DATABASE_CLIENT_LABEL = 'cdk8s-vserver.io/database-client';
/** A new random password in a command (letters and digits: the images refuse quotes and backslashes). */
/** The `app.kubernetes.io/name` of the customers' Jobs' pods. */
const CUSTOMER_JOB_APP = 'site-database-customer';
/** The longest database and user name MariaDB takes (64 and 80; the shorter for both). */
const MAX_DATABASE_NAME = 64;

/**
 * Where the database keeps its data: a volume of one node's local disk, or a claim of a block-storage class.
 * Not NFS: InnoDB relies on file locks and on its writes reaching the disk when fsync returns, which an NFS mount
 * does not promise (a lost lock after a network blip lets a second server open the same files; a cached write is
 * lost with the NAS's power), and every page read crosses the network.
 */
export class DatabaseVolume {
  /**
   * A folder on one node's own disk (a `local` PersistentVolume): the database runs on that node, and moves only
   * with its data (back it up: the node's disk is the only copy). The folder must exist and belong to uid 999.
   */
  public static local(options: { readonly node: string; readonly path: string; readonly size: Size }): DatabaseVolume {
    return new DatabaseVolume('local', options.size, options.node, options.path);
  }

  /** A claim of a storage class that provides block storage (Longhorn, Ceph RBD, a SAN's CSI driver): `ReadWriteOnce`. */
  public static claim(options: { readonly storageClassName: string; readonly size: Size }): DatabaseVolume {
    return new DatabaseVolume('claim', options.size, undefined, undefined, options.storageClassName);
  }

  private constructor(
    /** `local` or `claim`. */
    public readonly kind: 'local' | 'claim',
    public readonly size: Size,
    public readonly node?: string,
    public readonly path?: string,
    public readonly storageClassName?: string,
  ) {}
}

/** Props of {@link SiteDatabase}. */
export interface SiteDatabaseProps {
  /**
   * Name of the StatefulSet and the Service (the customers' host is `<name>.<namespace>.svc`).
   * @default - the construct id in kebab case
   */
  readonly name?: string | undefined;
  /** MariaDB's image, pinned (`master.test:5000/myrepo/mariadb:v1`, from `packages/storage/images/mariadb/`). */
  readonly image: ImageReference;
  /** Where the data lives: `DatabaseVolume.local({ node, path, size })` or `DatabaseVolume.claim({ storageClassName, size })`. */
  readonly volume: DatabaseVolume;
  /**
   * The Service's cluster IP, fixed (an address of the cluster's service subnet that nothing else has): the customers'
   * PHP then connects without a DNS lookup, so a cluster DNS outage does not take every site with a database down.
   * @default - none: the customers connect to `<name>.<namespace>.svc` (and may reach the cluster's DNS)
   */
  readonly clusterIp?: Ipv4Address | undefined;
  /**
   * The Secret with the admin's password (key `password`), in the database's namespace; made once by the operator
   * (`cdk8s-vserver preflight` prints the command). Read on the first start only, to make the `admin` account.
   * @default '<name>-admin'
   */
  readonly adminSecret?: string | undefined;
  /** The node role it runs on. @default NodeRole.WORKER */
  readonly nodeRole?: NodeRole | undefined;
  /** Resources of MariaDB. @default - requests 100m CPU / 192Mi memory, limits 1 CPU / 512Mi memory */
  readonly resources?: k8s.ResourceRequirements | undefined;
  /** Secrets with the registry's credentials. @default - none */
  readonly imagePullSecrets?: string[] | undefined;
}

/** A customer of a {@link SiteDatabase}: who they are and where their credentials live. */
export interface DatabaseCustomerOptions {
  /** The customer's database and user name (`[a-z0-9_]`, at most 64): a server's name with `_` for `-`. */
  readonly name: string;
  /** The namespace of the customer's pods: their Secret `<secret>` is made there, and copied into the database's. */
  readonly namespace: string;
  /** The Secret with the customer's password (key `password`). @default '<name with - for _>-database' */
  readonly secret?: string | undefined;
}

/** What a customer's pods need to reach their database (`WebSshServer`'s `database`). */
export interface DatabaseBinding {
  /** The host to connect to: the Service's fixed cluster IP, or its DNS name. */
  readonly host: string;
  /** Whether `host` is a DNS name (the pods then need the cluster's DNS). */
  readonly hostIsDnsName: boolean;
  readonly port: number;
  /** The database's name, which is also the user's. */
  readonly database: string;
  readonly user: string;
  /** The Secret (key `password`) in the customer's namespace. */
  readonly secret: string;
  /** The labels the customer's pods carry to be let in. */
  readonly clientLabels: Record<string, string>;
  /** Where the database's pods are, for the customer's egress policy: any namespace, these pods. */
  readonly peer: k8s.NetworkPolicyPeer;
}

/**
 * The site's database, whichever runs it: {@link SiteDatabase} (this package's image, a StatefulSet the site runs) or
 * {@link MariaDbOperatorDatabase} (mariadb-operator's `MariaDB`). What `WebSshServer`'s `database` is made from.
 */
export interface ISiteDatabase extends IConstruct {
  /** Its name: the Service's (`<name>.<namespace>.svc`). */
  readonly name: string;
  readonly namespace: string;
  /** The host the customers connect to. */
  readonly host: string;
  /** Whether `host` is the Service's DNS name (no fixed cluster IP): its clients then need the cluster's DNS. */
  readonly hostIsDnsName: boolean;
  /** The labels of the database's pods. */
  readonly podLabels: Record<string, string>;
  /** The labels a pod carries to be let in. */
  readonly clientLabels: Record<string, string>;
  /** The NetworkPolicy of the database's pods: port 3306 from its clients only. */
  readonly networkPolicy: k8s.KubeNetworkPolicy;
  /**
   * A customer: their database and a user with every privilege on it and none elsewhere (`name`), made from the
   * customer's password Secret, which the operator makes in their namespace and copies into the database's. A name
   * taken by another customer is an error naming both.
   */
  addCustomer(scope: IConstruct, prop: string, options: DatabaseCustomerOptions): DatabaseBinding;
}

/** What {@link DatabaseBase} needs from the class that runs the database. */
export interface DatabaseBaseProps {
  readonly name?: string | undefined;
  readonly clusterIp?: Ipv4Address | undefined;
  /** `app.kubernetes.io/name` of the database's pods. */
  readonly appLabel: string;
}

/**
 * What every runner of the site's database shares: its name, host and pod labels, the NetworkPolicy that lets in its
 * clients only, and a customer's checks, Secrets and binding. A subclass makes the customer's database and user.
 */
export abstract class DatabaseBase extends Construct implements ISiteDatabase {
  public readonly name: string;
  public readonly namespace: string;
  public readonly host: string;
  public readonly hostIsDnsName: boolean;
  public readonly podLabels: Record<string, string>;
  public abstract readonly networkPolicy: k8s.KubeNetworkPolicy;
  /** The declaration of each customer, by database name. */
  private readonly customers = new Map<string, string>();

  protected constructor(scope: Construct, id: string, props: DatabaseBaseProps) {
    super(scope, id);
    AppChecks.of(this).trust(this);
    const name = this.name = resourceName(this, 'name', props.name);
    const namespace = this.namespace = namespaceOf(this);
    this.podLabels = { 'app.kubernetes.io/name': props.appLabel, 'app.kubernetes.io/instance': name };
    this.hostIsDnsName = props.clusterIp === undefined;
    this.host = props.clusterIp ? props.clusterIp.text : `${name}.${namespace}.svc`;
  }

  /** The NetworkPolicy of the database's pods: port 3306 from pods with its client label, and from `alsoAdmits`; nothing out. */
  protected admitClients(alsoAdmits: k8s.NetworkPolicyPeer[] = []): k8s.KubeNetworkPolicy {
    return new k8s.KubeNetworkPolicy(this, 'NetworkPolicy', {
      metadata: { name: this.name, labels: { ...this.podLabels, ...MANAGED_BY } },
      spec: {
        podSelector: { matchLabels: this.podLabels },
        policyTypes: ['Ingress', 'Egress'],
        // only pods that carry its client label (its customers' servers, cron jobs, its own Jobs), from any namespace
        ingress: [{
          from: [{ namespaceSelector: {}, podSelector: { matchLabels: this.clientLabels } }, ...alsoAdmits],
          ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(DATABASE_PORT) }],
        }],
      },
    });
  }

  public get clientLabels(): Record<string, string> {
    return { [DATABASE_CLIENT_LABEL]: this.name };
  }

  public addCustomer(scope: IConstruct, prop: string, options: DatabaseCustomerOptions): DatabaseBinding {
    const database = options.name;
    if (typeof database !== 'string' || !/^[a-z0-9_]+$/.test(database) || database.length > MAX_DATABASE_NAME) {
      throw SiteError.invalidProp(scope, `${prop}.name`, database, `be a database name of 1-${MAX_DATABASE_NAME} lowercase letters, digits or '_', such as "bakery_wp"`);
    }
    const taken = this.customers.get(database);
    if (taken !== undefined) {
      throw SiteError.invalidProp(scope, `${prop}.name`, database, `differ from every other customer's: ${taken} has database "${database}" on ${this.name}, `
        + 'and a second user with every privilege on it would read and change the first customer\'s data. Give one of them another name');
    }
    const where = FieldPath.locate(scope, prop);
    this.customers.set(database, `${where.prop} (${where.scope.node.path})`);
    const namespace = requireDnsLabel(scope, `${prop} (namespace)`, options.namespace);
    const secret = requireDnsLabel(scope, `${prop}.secret`, options.secret ?? `${database.replace(/_/g, '-')}-database`);
    const contract = OperatorContract.of(this);
    // made once, whichever of the two commands runs first (the operator lists them by namespace)
    const make = `{ kubectl get secret ${secret} -n ${namespace} >/dev/null 2>&1 || kubectl create secret generic ${secret} -n ${namespace} `
      + `--from-literal=password=${NEW_PASSWORD}; }`;
    contract.needsSecret(scope, { namespace, name: secret, what: `the password of database ${database} on ${this.name}`, command: make });
    // the database's side reads it in the database's namespace: a copy of the customer's, never a second password
    if (namespace !== this.namespace) {
      contract.needsSecret(this, {
        namespace: this.namespace,
        name: secret,
        what: `a copy of ${namespace}/${secret}, for making database ${database}`,
        command: `${make} && kubectl create secret generic ${secret} -n ${this.namespace} --from-literal=password="$(kubectl get secret ${secret} -n ${namespace} `
          + "-o jsonpath='{.data.password}' | base64 -d)\"",
      });
    }
    this.makeCustomer(database, secret);
    return {
      host: this.host,
      hostIsDnsName: this.hostIsDnsName,
      port: DATABASE_PORT,
      database,
      user: database,
      secret,
      clientLabels: this.clientLabels,
      peer: { namespaceSelector: {}, podSelector: { matchLabels: this.podLabels } },
    };
  }

  /**
   * Makes the customer's database `database` and its user of the same name, with every privilege on it alone,
   * its password from the Secret `secret` (key `password`) in the database's namespace.
   */
  protected abstract makeCustomer(database: string, secret: string): void;
}

/**
 * The site's MariaDB (Debian 13's 11.8 in this package's image): one StatefulSet pod as uid 999 on its data volume,
 * a Service, and a NetworkPolicy that lets in only its customers' pods. `addCustomer()` gives a customer a database
 * and a user with every privilege on it and none elsewhere, made by an idempotent Job; no password is in the
 * manifests (the operator makes each Secret from a printed command).
 */
export class SiteDatabase extends DatabaseBase {
  public readonly statefulSet: k8s.KubeStatefulSet;
  public readonly networkPolicy: k8s.KubeNetworkPolicy;
  public readonly service: k8s.KubeService;
  /** The NetworkPolicy of the customers' Jobs: nothing in; out, the database only (and the cluster's DNS for its name). */
  public readonly jobsNetworkPolicy: k8s.KubeNetworkPolicy;
  /** The data volume's claim (and, for a local volume, its PersistentVolume). */
  public readonly claim: k8s.KubePersistentVolumeClaim;
  public readonly persistentVolume?: k8s.KubePersistentVolume;
  /** Each customer's Job, by database name. */
  public readonly jobs = new Map<string, k8s.KubeJob>();
  private readonly image: ImageReference;
  private readonly adminSecret: string;
  private readonly nodeRole: NodeRole;
  private readonly imagePullSecrets?: k8s.LocalObjectReference[];

  constructor(scope: Construct, id: string, props: SiteDatabaseProps) {
    super(scope, id, { name: props.name, clusterIp: props.clusterIp, appLabel: 'site-database' });
    const name = this.name;
    const namespace = this.namespace;
    const image = this.image = requirePinnedImage(this, 'image', props.image);
    const volume = requireDatabaseVolume(this, 'volume', props.volume);
    const adminSecret = this.adminSecret = requireDnsLabel(this, 'adminSecret', props.adminSecret ?? `${name}-admin`);
    const nodeRole = this.nodeRole = requireNodeRole(this, 'nodeRole', props.nodeRole ?? NodeRole.WORKER);
    const resources = requireResources(this, 'resources', props.resources ?? containerResources('100m', '192Mi', '1', '512Mi'));
    this.imagePullSecrets = requireImagePullSecrets(this, 'imagePullSecrets', props.imagePullSecrets);
    const selectorLabels = this.podLabels;
    const labels = { ...selectorLabels, ...MANAGED_BY };

    const contract = OperatorContract.of(this);
    contract.pullsImage(image, ImageSource.build(DATABASE_IMAGE_FOLDER));
    contract.needsSecret(this, {
      namespace,
      name: adminSecret,
      what: `the admin password of database ${name}`,
      command: `kubectl create secret generic ${adminSecret} -n ${namespace} --from-literal=password=${NEW_PASSWORD}`,
    });

    const claimName = `${name}-data`;
    const storage = k8s.Quantity.fromString(`${volume.size.toMebibytes({ rounding: SizeRoundingBehavior.FLOOR })}Mi`);
    if (volume.kind === 'local') {
      this.persistentVolume = clusterScoped(new k8s.KubePersistentVolume(this, 'Volume', {
        metadata: { name: `${namespace}-${name}-data`, labels },
        spec: {
          capacity: { storage },
          accessModes: ['ReadWriteOnce'],
          persistentVolumeReclaimPolicy: 'Retain',
          storageClassName: '',
          local: { path: volume.path! },
          // the data is on this node's disk: the pod goes where the data is
          nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [volume.node!] }] }] } },
          claimRef: { name: claimName, namespace },
        },
      }));
    }
    this.claim = new k8s.KubePersistentVolumeClaim(this, 'Claim', {
      metadata: { name: claimName, labels },
      spec: {
        accessModes: ['ReadWriteOnce'],
        resources: { requests: { storage } },
        storageClassName: volume.kind === 'local' ? '' : volume.storageClassName,
        ...(this.persistentVolume ? { volumeName: this.persistentVolume.name } : {}),
      },
    });

    const ping = { exec: { command: ['mariadb-admin', '--socket=/run/mysqld/mysqld.sock', 'ping'] } };
    const container: k8s.Container = {
      name: 'mariadb',
      image: image.reference,
      imagePullPolicy: 'IfNotPresent',
      ports: [{ containerPort: DATABASE_PORT, name: 'mysql' }],
      securityContext: restrictedContainerContext(MYSQL_UID),
      resources,
      readinessProbe: { ...ping, periodSeconds: 5, failureThreshold: 2, timeoutSeconds: 3 },
      livenessProbe: { ...ping, initialDelaySeconds: 30, periodSeconds: 10, failureThreshold: 6, timeoutSeconds: 3 },
      volumeMounts: [
        { name: 'data', mountPath: '/var/lib/mysql' },
        { name: 'run', mountPath: '/run/mysqld' },
        { name: 'tmp', mountPath: '/tmp' },
        { name: 'admin', mountPath: ADMIN_PASSWORD_DIR, readOnly: true },
      ],
    };
    this.statefulSet = new k8s.KubeStatefulSet(this, 'StatefulSet', {
      metadata: { name, labels },
      spec: {
        serviceName: name,
        replicas: 1,
        selector: { matchLabels: selectorLabels },
        // one pod, never two on the same files: the old one is gone before a new one starts
        podManagementPolicy: 'OrderedReady',
        updateStrategy: { type: 'RollingUpdate' },
        template: {
          metadata: { labels },
          spec: {
            containers: [container],
            // InnoDB's own shutdown (a clean one needs no recovery at the next start)
            terminationGracePeriodSeconds: 60,
            volumes: [
              { name: 'data', persistentVolumeClaim: { claimName } },
              { name: 'run', emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString('16Mi') } },
              { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('1Gi') } },
              { name: 'admin', secret: { secretName: adminSecret, defaultMode: 0o440 } },
            ],
            nodeSelector: nodeRole.nodeSelector,
            securityContext: restrictedPodContext(MYSQL_UID),
            automountServiceAccountToken: false,
            imagePullSecrets: this.imagePullSecrets,
          },
        },
      },
    });
    this.service = new k8s.KubeService(this, 'Service', {
      metadata: { name, labels },
      spec: {
        type: 'ClusterIP',
        ...(props.clusterIp ? { clusterIp: props.clusterIp.text } : {}),
        selector: selectorLabels,
        ports: [{ name: 'mysql', port: DATABASE_PORT, targetPort: k8s.IntOrString.fromNumber(DATABASE_PORT) }],
      },
    });
    this.networkPolicy = this.admitClients();
    const dns = props.clusterIp ? [] : [clusterDnsEgressRule()];
    this.jobsNetworkPolicy = new k8s.KubeNetworkPolicy(this, 'JobsNetworkPolicy', {
      metadata: { name: `${name}-customers`, labels },
      spec: {
        podSelector: { matchLabels: { 'app.kubernetes.io/name': CUSTOMER_JOB_APP } },
        policyTypes: ['Ingress', 'Egress'],
        egress: [...dns, { to: [{ podSelector: { matchLabels: selectorLabels } }], ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(DATABASE_PORT) }] }],
      },
    });
  }

  /** The customer's idempotent Job, in the database's namespace, with the admin's and the customer's password. */
  protected makeCustomer(database: string, secret: string): void {
    const labels = { 'app.kubernetes.io/name': CUSTOMER_JOB_APP, 'app.kubernetes.io/instance': `${this.name}-${database.replace(/_/g, '-')}`, ...MANAGED_BY };
    const jobName = `${this.name}-customer-${database.replace(/_/g, '-')}`.slice(0, 63).replace(/-+$/, '');
    this.jobs.set(database, new k8s.KubeJob(this, `Customer${database}`, {
      metadata: { name: jobName, labels },
      spec: {
        // the database may still be starting: retries with back-off wait for it
        backoffLimit: 10,
        activeDeadlineSeconds: 1800,
        template: {
          metadata: { labels: { ...labels, ...this.clientLabels } },
          spec: {
            restartPolicy: 'Never',
            containers: [{
              name: 'customer',
              image: this.image.reference,
              imagePullPolicy: 'IfNotPresent',
              args: ['customer', this.host, database, database],
              securityContext: restrictedContainerContext(MYSQL_UID),
              resources: containerResources('10m', '16Mi', '200m', '64Mi'),
              volumeMounts: [
                { name: 'admin', mountPath: ADMIN_PASSWORD_DIR, readOnly: true },
                { name: 'customer', mountPath: CUSTOMER_PASSWORD_DIR, readOnly: true },
              ],
            }],
            volumes: [
              { name: 'admin', secret: { secretName: this.adminSecret, defaultMode: 0o440 } },
              { name: 'customer', secret: { secretName: secret, defaultMode: 0o440 } },
            ],
            nodeSelector: this.nodeRole.nodeSelector,
            securityContext: restrictedPodContext(MYSQL_UID),
            automountServiceAccountToken: false,
            imagePullSecrets: this.imagePullSecrets,
          },
        },
      },
    }));
  }
}

export function requireDatabaseVolume(scope: IConstruct, prop: string, volume: DatabaseVolume): DatabaseVolume {
  if (!(volume instanceof Object) || (volume.kind !== 'local' && volume.kind !== 'claim')) {
    throw SiteError.invalidProp(scope, prop, volume, 'be a DatabaseVolume: DatabaseVolume.local({ node, path, size }) or DatabaseVolume.claim({ storageClassName, size })');
  }
  const mib = typeof volume.size?.toMebibytes === 'function' ? volume.size.toMebibytes({ rounding: SizeRoundingBehavior.NONE }) : NaN;
  if (!(mib >= 1024)) throw SiteError.invalidProp(scope, `${prop}.size`, Number.isNaN(mib) ? volume.size : `${mib} MiB`, 'be a Size of at least 1 GiB, such as Size.gibibytes(20)');
  if (volume.kind === 'local') {
    requireDnsLabel(scope, `${prop}.node`, volume.node!);
    requireAbsolutePath(scope, `${prop}.path`, volume.path!, '/srv/mariadb');
  } else {
    requireDnsLabel(scope, `${prop}.storageClassName`, volume.storageClassName!);
    if (/nfs/i.test(volume.storageClassName!)) {
      throw SiteError.invalidProp(scope, `${prop}.storageClassName`, volume.storageClassName, 'be a class of local or block storage, not NFS: InnoDB needs the '
        + 'file locks and the durable writes NFS does not promise (docs/php.md, "The database")');
    }
  }
  return volume;
}
