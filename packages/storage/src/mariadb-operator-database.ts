import {
  containerResources, ImageReference, k8s, MANAGED_BY, NodeRole, OperatorContract,
  requireDnsLabel, requireImagePullSecrets, requireNodeRole, requirePinnedImage, requireResources, SiteError,
} from '@cdk8s-vserver/core';
import { SizeRoundingBehavior } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import {
  Database, DatabaseSpecCleanupPolicy, Grant, GrantSpecCleanupPolicy, MariaDb, MariaDbSpecImagePullPolicy, MariaDbSpecResources,
  MariaDbSpecResourcesLimits, MariaDbSpecResourcesRequests, MariaDbSpecServiceType, MariaDbSpecStorageSize, User, UserSpecCleanupPolicy,
} from './imports/k8s.mariadb.com';
import { NEW_PASSWORD } from './secret-commands';
import { DATABASE_PORT, DatabaseBase, DatabaseVolume, MYSQL_UID, requireDatabaseVolume } from './site-database';

/** The mariadb-operator release whose custom resources this class emits (`src/imports/k8s.mariadb.com.ts`, `crds/`). */
export const MARIADB_OPERATOR_VERSION = '26.6.0';
/** The API group of mariadb-operator's custom resources. */
export const MARIADB_OPERATOR_GROUP = 'k8s.mariadb.com';
/** The image mariadb-operator v26.6.0 runs by default (its Helm chart's `config.mariadbImage`): MariaDB 11.8, as this package's own. */
export const MARIADB_OPERATOR_DEFAULT_IMAGE = 'docker.io/library/mariadb:11.8.8';
/**
 * The server settings a small hosting's databases need, which this package's image has in its `site.cnf` too (a
 * test holds the two together): an idle server stays small, accounts go by address, text is utf8mb4.
 */
export const MARIADB_SITE_SETTINGS: readonly string[] = [
  'skip-name-resolve',
  'innodb_buffer_pool_size = 128M',
  'innodb_log_file_size = 32M',
  'key_buffer_size = 8M',
  'aria_pagecache_buffer_size = 8M',
  'performance_schema = OFF',
  'max_connections = 150',
  'character-set-server = utf8mb4',
  'collation-server = utf8mb4_unicode_ci',
];
/** `app.kubernetes.io/name` of the pods of a `MariaDB` (mariadb-operator v26.6.0, `pkg/builder/labels`). */
const OPERATOR_MARIADB_APP = 'mariadb';
/** `app.kubernetes.io/name` of mariadb-operator's own pods (its Helm chart's name): it connects to the database to make the customers. */
const OPERATOR_APP = 'mariadb-operator';
const INSTALL = 'helm repo add mariadb-operator https://mariadb-operator.github.io/mariadb-operator && '
  + `helm install mariadb-operator-crds mariadb-operator/mariadb-operator-crds --version ${MARIADB_OPERATOR_VERSION} && `
  + `helm install mariadb-operator mariadb-operator/mariadb-operator --version ${MARIADB_OPERATOR_VERSION} -n mariadb-operator --create-namespace`;

/** Props of {@link MariaDbOperatorDatabase}. */
export interface MariaDbOperatorDatabaseProps {
  /**
   * Name of the `MariaDB` (and of the Service mariadb-operator makes: the customers' host is `<name>.<namespace>.svc`).
   * @default - the construct id in kebab case
   */
  readonly name?: string | undefined;
  /**
   * MariaDB's image: upstream's, or its copy in the site's registry (the operator CLI copies it there).
   * @default - `docker.io/library/mariadb:11.8.8`, what mariadb-operator v26.6.0 runs
   */
  readonly image?: ImageReference | undefined;
  /** Where the data lives: `DatabaseVolume.claim({ storageClassName, size })`, a claim mariadb-operator makes. */
  readonly volume: DatabaseVolume;
  /**
   * The Secret with MariaDB's root password (key `password`), in the database's namespace; made once by the operator
   * (`cdk8s-vserver preflight` prints the command).
   * @default '<name>-root'
   */
  readonly rootSecret?: string | undefined;
  /** The node role it runs on. @default NodeRole.WORKER */
  readonly nodeRole?: NodeRole | undefined;
  /** Resources of MariaDB. @default - requests 100m CPU / 192Mi memory, limits 1 CPU / 512Mi memory */
  readonly resources?: k8s.ResourceRequirements | undefined;
  /** Secrets with the registry's credentials. @default - none */
  readonly imagePullSecrets?: string[] | undefined;
}

/**
 * The site's MariaDB run by mariadb-operator (v26.6, on clusters that have it; Kubernetes 1.26+): its `MariaDB` (one
 * replica on a claim of block storage, non-root and restricted, the site's server settings), a NetworkPolicy that lets
 * in only its customers' pods and the operator, and per customer a `Database`, a `User` and a `Grant` of every
 * privilege on that database alone. Everything lives in the database's namespace (a customer who may edit objects in
 * their own namespace cannot grant themselves another's database); the customer's password is a copy of their Secret,
 * as for {@link SiteDatabase}. A removed customer's user goes; their data stays (`cleanupPolicy: Skip`).
 */
export class MariaDbOperatorDatabase extends DatabaseBase {
  public readonly mariaDb: MariaDb;
  public readonly networkPolicy: k8s.KubeNetworkPolicy;
  /** Each customer's `Database`, `User` and `Grant`, by database name. */
  public readonly customerObjects = new Map<string, { database: Database; user: User; grant: Grant }>();

  constructor(scope: Construct, id: string, props: MariaDbOperatorDatabaseProps) {
    super(scope, id, {
      name: props.name,
      appLabel: OPERATOR_MARIADB_APP,
    });
    const upstream = ImageReference.of(MARIADB_OPERATOR_DEFAULT_IMAGE);
    const image = requirePinnedImage(this, 'image', props.image ?? upstream);
    const volume = requireClaim(this, 'volume', props.volume);
    const rootSecret = requireDnsLabel(this, 'rootSecret', props.rootSecret ?? `${this.name}-root`);
    const nodeRole = requireNodeRole(this, 'nodeRole', props.nodeRole ?? NodeRole.WORKER);
    const resources = requireResources(this, 'resources', props.resources ?? containerResources('100m', '192Mi', '1', '512Mi'));
    const imagePullSecrets = requireImagePullSecrets(this, 'imagePullSecrets', props.imagePullSecrets);

    const contract = OperatorContract.of(this);
    contract.pullsCopyOf(image, upstream);
    contract.installHint({ apiGroup: MARIADB_OPERATOR_GROUP, install: `Install mariadb-operator v${MARIADB_OPERATOR_VERSION} first (docs/php.md, "mariadb-operator"): ${INSTALL}` });
    contract.needsSecret(this, {
      namespace: this.namespace,
      name: rootSecret,
      what: `the root password of database ${this.name}`,
      command: `kubectl create secret generic ${rootSecret} -n ${this.namespace} --from-literal=password=${NEW_PASSWORD}`,
    });

    this.mariaDb = new MariaDb(this, 'MariaDb', {
      metadata: { name: this.name, labels: { ...this.podLabels, ...MANAGED_BY } },
      spec: {
        image: image.reference,
        imagePullPolicy: MariaDbSpecImagePullPolicy.IF_NOT_PRESENT,
        imagePullSecrets: imagePullSecrets?.map((s) => ({ name: s.name })),
        rootPasswordSecretKeyRef: { name: rootSecret, key: 'password', generate: false },
        replicas: 1,
        port: DATABASE_PORT,
        storage: {
          size: MariaDbSpecStorageSize.fromString(`${volume.size.toMebibytes({ rounding: SizeRoundingBehavior.FLOOR })}Mi`),
          storageClassName: volume.storageClassName,
        },
        myCnf: ['[mariadb]', ...MARIADB_SITE_SETTINGS].join('\n') + '\n',
        resources: operatorResources(resources),
        nodeSelector: nodeRole.nodeSelector,
        service: { type: MariaDbSpecServiceType.CLUSTER_IP },
        // Pod Security "restricted": non-root as mysql of upstream's image, no capability, the runtime's seccomp profile
        podSecurityContext: {
          runAsNonRoot: true,
          runAsUser: MYSQL_UID,
          runAsGroup: MYSQL_UID,
          fsGroup: MYSQL_UID,
          seccompProfile: { type: 'RuntimeDefault' },
        },
        securityContext: {
          runAsNonRoot: true,
          runAsUser: MYSQL_UID,
          allowPrivilegeEscalation: false,
          capabilities: { drop: ['ALL'] },
        },
      },
    });
    // the operator connects to make and update the customers' databases, users and grants
    this.networkPolicy = this.admitClients([{ namespaceSelector: {}, podSelector: { matchLabels: { 'app.kubernetes.io/name': OPERATOR_APP } } }]);
  }

  /** The customer's `Database`, `User` and `Grant`, in the database's namespace, made by the operator. */
  protected makeCustomer(database: string, secret: string): void {
    const name = database.replace(/_/g, '-');
    const mariaDbRef = { name: this.name, namespace: this.namespace };
    const labels = { 'app.kubernetes.io/instance': `${this.name}-${name}`, ...MANAGED_BY };
    this.customerObjects.set(database, {
      database: new Database(this, `Database${database}`, {
        metadata: { name, labels },
        // the customer's data outlives the object: an uninstall or a removed customer never drops a database
        spec: { mariaDbRef, name: database, characterSet: 'utf8mb4', collate: 'utf8mb4_unicode_ci', cleanupPolicy: DatabaseSpecCleanupPolicy.SKIP },
      }),
      user: new User(this, `User${database}`, {
        metadata: { name, labels },
        spec: {
          mariaDbRef,
          name: database,
          host: '%',
          passwordSecretKeyRef: { name: secret, key: 'password' },
          // as this package's own image: bounded by the server's max_connections only
          maxUserConnections: 0,
          cleanupPolicy: UserSpecCleanupPolicy.DELETE,
        },
      }),
      grant: new Grant(this, `Grant${database}`, {
        metadata: { name, labels },
        spec: {
          mariaDbRef,
          privileges: ['ALL PRIVILEGES'],
          database,
          table: '*',
          username: database,
          host: '%',
          grantOption: false,
          cleanupPolicy: GrantSpecCleanupPolicy.DELETE,
        },
      }),
    });
  }
}

/** A claim volume (mariadb-operator makes it from the class); a local volume is an error with the fix. */
function requireClaim(scope: IConstruct, prop: string, volume: DatabaseVolume): DatabaseVolume & { storageClassName: string } {
  if (volume instanceof Object && volume.kind === 'local') {
    throw SiteError.invalidProp(scope, prop, `DatabaseVolume.local({ node: ${volume.node}, ... })`, 'be DatabaseVolume.claim({ storageClassName, size }): mariadb-operator '
      + 'makes its volume from a storage class (a local volume needs the built-in SiteDatabase, or a class of local volumes such as local-path)');
  }
  return requireDatabaseVolume(scope, prop, volume) as DatabaseVolume & { storageClassName: string };
}

/** Resources as the operator's type carries them. */
function operatorResources(resources: k8s.ResourceRequirements): MariaDbSpecResources {
  const each = <T>(values: Record<string, k8s.Quantity> | undefined, of: (v: string) => T) =>
    values && Object.fromEntries(Object.entries(values).map(([k, v]) => [k, of(String(v.value))]));
  return {
    requests: each(resources.requests, MariaDbSpecResourcesRequests.fromString),
    limits: each(resources.limits, MariaDbSpecResourcesLimits.fromString),
  };
}
