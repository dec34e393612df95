import {
  AppChecks, clusterDnsEgressRule, containerResources, cronLongestGapSeconds, ImageReference, ImageSource, k8s, MANAGED_BY, NodeRole,
  OperatorContract, Pushgateway, requirePushgateway,
  requireCronSchedule, requireDnsLabel, requireImagePullSecrets, requireInteger, requireNodeRole, requirePinnedImage, resourceName, SiteError,
} from '@cdk8s-vserver/core';
import { Size, SizeRoundingBehavior } from 'cdk8s';
import { Construct } from 'constructs';
import { INfsFolder } from './nfs-folder';
import { requireS3Repository, S3Repository } from './s3-repository';
import { NEW_PASSWORD } from './secret-commands';
import { DatabaseBinding } from './site-database';

/** Where the restic image is built from (its Dockerfile and the script its jobs run), for the operator's image list. */
export const BACKUP_IMAGE_FOLDER = 'packages/storage/images/restic';

/** How many snapshots restic's `forget` keeps (`--keep-daily`, `--keep-weekly`, `--keep-monthly`). */
export interface BackupRetention {
  /** The newest snapshot of each of the last N days. @default 7 */
  readonly daily?: number | undefined;
  /** The newest snapshot of each of the last N weeks. @default 4 */
  readonly weekly?: number | undefined;
  /** The newest snapshot of each of the last N months. @default 6 */
  readonly monthly?: number | undefined;
}

/** Props of {@link ResticBackup}. */
export interface ResticBackupProps {
  /**
   * Secrets (`kubernetes.io/dockerconfigjson`, in the pods' namespace) with the credentials of a registry that asks
   * for them: `kubectl create secret docker-registry <name> --docker-server=...`.
   * @default - none: the registry is open to the nodes
   */
  readonly imagePullSecrets?: string[] | undefined;
  /** The docroot to back up (mounted read-only by the backup and the drill, read-write by the restore). */
  readonly docroot: INfsFolder;
  /**
   * Where the repository lives: a second export, such as an `NfsFolder` of the NAS's backup folder (the repository
   * is its dot folder `.restic`, the customer's copy its folder `<date>`). Never the docroots' own export: a NAS lost
   * takes both. With `s3`, it holds the customer's copy only, and may be left out with `customerCopy: false`.
   * @default - none: only with `s3` and `customerCopy: false`
   */
  readonly target?: INfsFolder | undefined;
  /**
   * The repository in an S3-compatible bucket instead of `target`'s `.restic` (`<prefix>/<name>` in the bucket),
   * its keys from a Secret; every job may then reach the endpoint's port, and nothing else.
   * @default - none: the repository is `target`'s `.restic`
   */
  readonly s3?: S3Repository | undefined;
  /**
   * Base name of the CronJobs `<name>-backup`, `<name>-prune`, `<name>-drill` and `<name>-restore` (at most 44
   * characters: Kubernetes adds 11 to a CronJob's name for its Jobs), and of the password's Secret.
   * @default - the construct id in kebab case
   */
  readonly name?: string | undefined;
  /** The restic image (`packages/storage/images/restic`: Debian 13's restic 0.18 and the jobs' script), pinned. */
  readonly image: ImageReference;
  /**
   * The Secret (in the docroot's namespace) whose key `password` encrypts the repository. Made by the command the
   * operator prints; keep a copy outside the cluster: without it no snapshot can be read.
   * @default '<name>-restic'
   */
  readonly passwordSecret?: string | undefined;
  /**
   * When the backup runs, in cron syntax (the controller-manager's time zone, usually UTC). Each run backs up,
   * forgets what the retention no longer keeps, and reads back a share of the repository's data.
   * @default '0 3 * * *' - every night at 03:00
   */
  readonly schedule?: string | undefined;
  /** What `forget` keeps. @default - 7 daily, 4 weekly, 6 monthly */
  readonly keep?: BackupRetention | undefined;
  /**
   * Each backup reads back 1/checkShare of the repository's data (`restic check --read-data-subset=n/checkShare`, n
   * the day's turn), so every pack is read once in checkShare days.
   * @default 7
   */
  readonly checkShare?: number | undefined;
  /** When forgotten snapshots' data is pruned (`forget --prune`, then a check). @default '30 4 * * 0' - Sundays at 04:30 */
  readonly pruneSchedule?: string | undefined;
  /**
   * When the restore drill runs: the newest snapshot restored into a scratch folder, read back against its hashes,
   * compared with its own listing and, for a sample of files unchanged since, with the docroot.
   * @default '0 5 * * 0' - Sundays at 05:00
   */
  readonly drillSchedule?: string | undefined;
  /**
   * The most the drill's scratch folder (an emptyDir on the node's disk) may hold: the docroot's size and some. A
   * docroot larger than it fails the drill (the kubelet evicts the pod), never the node's disk.
   * @default Size.gibibytes(16)
   */
  readonly drillScratch?: Size | undefined;
  /**
   * The customer's own "yesterday": after each verified backup, its snapshot is unpacked into the target's folder
   * `<date>/` (one day; only what changed is written), which the server's sshd shows read-only at `/backups/<date>/`
   * (`WebSshServer`'s `backups` mounts the whole target: the repository beside it is encrypted), so a customer copies
   * a file back over SFTP. It costs a second copy of the docroot on the backup export, unencrypted like the docroot.
   * @default true
   */
  readonly customerCopy?: boolean | undefined;
  /**
   * The server's database (`ISiteDatabase.addCustomer`'s binding): each backup then also saves a consistent dump of it
   * (`mariadb-dump --single-transaction` as the customer's user, tag `database`), the drill loads the newest dump into
   * a scratch MariaDB of its own and checks every table, the customer's copy has it as `<database>-<date>.sql`, and a
   * whole server's restore loads the dump of the same backup run back. Only the backup's and the restore's pods may
   * reach the database (its client label, and a NetworkPolicy to its port alone).
   * @default - none: the docroot only
   */
  readonly database?: DatabaseBinding | undefined;
  /**
   * Where each backup, prune and drill pushes its result for Prometheus (`vserver_backup_success` 1 or 0, with the
   * labels `namespace`, `server` and `task`, its time and duration, and what it counted: files, bytes, the
   * repository's size, the database's tables and rows). Those jobs' NetworkPolicy then lets them reach it alone.
   * @default - none: Prometheus sees the CronJobs' last successes only (kube-state-metrics)
   */
  readonly pushgateway?: Pushgateway | undefined;
  /**
   * The user (and group) the jobs run as: the owner of the docroot's files.
   * @default 1000 - `web` in this project's images
   */
  readonly user?: number | undefined;
  /**
   * The node role the jobs run on.
   * @default NodeRole.WORKER
   */
  readonly nodeRole?: NodeRole | undefined;
}

/** The label of a job's pods that names its task (`kubectl get pods -l cdk8s-vserver.io/backup-task=drill`). */
export const BACKUP_TASK_LABEL = 'cdk8s-vserver.io/backup-task';

/** The longest a job may run. */
const JOB_DEADLINE_SECONDS = 3600;
/** Where the backup reads the database's password (the customer's Secret, key `password`). */
const DATABASE_PASSWORD_DIR = '/etc/database';

/**
 * Backups of a docroot with restic, each one checked: a repository per server (deduplicated, encrypted with a
 * password from a Secret) on a second export, and four CronJobs running this package's restic image:
 *
 * - `<name>-backup` (the schedule): backs the docroot up, forgets what the retention no longer keeps, and reads back a
 *   share of the repository (a failed check fails the job). An empty or unreadable docroot fails it, saving nothing.
 * - `<name>-prune` (weekly): prunes forgotten data, then checks the repository's structure.
 * - `<name>-drill` (weekly): restores the newest snapshot into a scratch folder and compares it with the snapshot and
 *   the docroot; any difference fails it.
 * - `<name>-restore` (suspended: a template): puts the newest snapshot back into the docroot,
 *   `kubectl create job myweb-restore-1 --from=cronjob/myweb-restore`, or a named snapshot or one path through the
 *   operator's `restore`. Files created since the snapshot stay.
 *
 * With a `database`, each backup also saves a consistent dump of it, the drill loads the newest dump into a scratch
 * MariaDB and checks every table, and a whole server's restore loads the dump back. With `s3`, the repository is in
 * a bucket; with a `pushgateway`, each run's result is pushed there for Prometheus.
 *
 * Every job runs as the docroot's owner, never as root, with no capability and a read-only root filesystem, and no
 * connection in or out (both volumes are the kubelet's mounts) but those a policy of its own opens: the backup's and
 * the restore's to the database, every job's to the S3 endpoint, the pushing jobs' to the Pushgateway.
 */
export class ResticBackup extends Construct {
  /** Base name of the CronJobs. */
  public readonly name: string;
  /** The Secret holding the repository's password (key `password`). */
  public readonly passwordSecret: string;
  /** Whether each backup unpacks its snapshot for the customer (`customerCopy`): the server's sshd then mounts `target`. */
  public readonly customerCopy: boolean;
  /** The scheduled, verified backup. */
  public readonly backup: k8s.KubeCronJob;
  /** The scheduled prune. */
  public readonly prune: k8s.KubeCronJob;
  /** The scheduled restore drill. */
  public readonly drill: k8s.KubeCronJob;
  /** The restore's template (suspended: it runs only when a Job is created from it). */
  public readonly restore: k8s.KubeCronJob;
  /** The jobs' NetworkPolicy: no connection in or out. */
  public readonly networkPolicy: k8s.KubeNetworkPolicy;
  /** With a `database`: the NetworkPolicy that lets the backup's and the restore's pods (only) reach it. */
  public readonly databasePolicy?: k8s.KubeNetworkPolicy;
  /** With `s3`: the NetworkPolicy that lets every job reach the bucket's endpoint. */
  public readonly s3Policy?: k8s.KubeNetworkPolicy;
  /** With a `pushgateway`: the NetworkPolicy that lets the backup's, the prune's and the drill's pods reach it. */
  public readonly metricsPolicy?: k8s.KubeNetworkPolicy;
  /** Whether each run's result is pushed (`pushgateway`): the site's alerts on a failed run then watch it. */
  public readonly pushesResults: boolean;
  /**
   * How old the newest verified backup may be before it counts as missed: the schedule's longest gap between two
   * runs, plus the hour a job may take. A site's alert fires after it.
   */
  public readonly staleAfterSeconds: number;
  /** As {@link staleAfterSeconds}, for the newest successful drill. */
  public readonly drillStaleAfterSeconds: number;
  /** The labels of its Jobs and their pods (`kubectl get jobs -l ...`): not the server's, so a query for the server's pods never finds them. */
  public readonly jobLabels: Readonly<Record<string, string>>;
  /**
   * The jobs' one container as the backup runs it (the others differ in their command and mounts): what a quota must
   * make room for, twice (a backup may meet the drill, the prune or a restore started by hand).
   */
  public readonly container: k8s.Container;

  constructor(scope: Construct, id: string, props: ResticBackupProps) {
    super(scope, id);
    AppChecks.of(this).trust(this);
    this.name = resourceName(this, 'name', props.name);
    if (this.name.length > 44) {
      throw SiteError.invalidProp(this, 'name', this.name, `have at most 44 characters (it has ${this.name.length}): `
        + "'<name>-restore' is a CronJob name, and Kubernetes adds 11 characters to it for each Job");
    }
    const image = requirePinnedImage(this, 'image', props.image);
    const imagePullSecrets = requireImagePullSecrets(this, 'imagePullSecrets', props.imagePullSecrets);
    const schedule = requireCronSchedule(this, 'schedule', props.schedule ?? '0 3 * * *');
    const pruneSchedule = requireCronSchedule(this, 'pruneSchedule', props.pruneSchedule ?? '30 4 * * 0');
    const drillSchedule = requireCronSchedule(this, 'drillSchedule', props.drillSchedule ?? '0 5 * * 0');
    this.staleAfterSeconds = cronLongestGapSeconds(schedule) + JOB_DEADLINE_SECONDS;
    this.drillStaleAfterSeconds = cronLongestGapSeconds(drillSchedule) + JOB_DEADLINE_SECONDS;
    const keep = requireRetention(this, props.keep);
    const checkShare = requireInteger(this, 'checkShare', props.checkShare ?? 7, 1, 100);
    const scratchMib = requireScratch(this, props.drillScratch ?? Size.gibibytes(16));
    const user = requireInteger(this, 'user', props.user ?? 1000, 1, 2147483647);
    const nodeRole = requireNodeRole(this, 'nodeRole', props.nodeRole ?? NodeRole.WORKER);
    this.passwordSecret = requireDnsLabel(this, 'passwordSecret', props.passwordSecret ?? `${this.name}-restic`);
    this.customerCopy = props.customerCopy ?? true;
    const namespace = props.docroot.namespace;
    const pushgateway = props.pushgateway === undefined ? undefined : requirePushgateway(this, 'pushgateway', props.pushgateway);
    this.pushesResults = pushgateway !== undefined;
    const s3 = props.s3 === undefined ? undefined : requireS3Repository(this, 's3', props.s3);
    const target = props.target;
    if (target === undefined && (!s3 || this.customerCopy)) {
      throw SiteError.invalidProp(this, 'target', target, s3
        ? "be a folder for the customer's copy (an NfsFolder of the backup export), or customerCopy be false"
        : 'be the folder the repository lives in (an NfsFolder of the backup export), or s3 name a bucket');
    }
    if (target && target.namespace !== namespace) {
      throw SiteError.invalidProp(this, 'target', target.namespace, `be a claim in the docroot's namespace "${namespace}": `
        + 'one Job mounts both');
    }
    if (target && JSON.stringify(target.podVolume) === JSON.stringify(props.docroot.podVolume)) {
      throw SiteError.invalidProp(this, 'target', target.podVolume.persistentVolumeClaim?.claimName ?? target.podVolume.name,
        'be another folder than the docroot: a backup inside what it saves is lost with it');
    }
    const contract = OperatorContract.of(this);
    contract.pullsImage(image, ImageSource.build(BACKUP_IMAGE_FOLDER));
    contract.needsSecret(this, {
      namespace,
      name: this.passwordSecret,
      what: `the password of ${this.name}'s backup repository (keep a copy outside the cluster: without it no backup can be read)`,
      command: `kubectl create secret generic ${this.passwordSecret} -n ${namespace} --from-literal=password=${NEW_PASSWORD}`,
    });
    if (s3) {
      // one Secret for every server of the namespace that backs up into the bucket: the command makes it once
      contract.needsSecret(this, {
        namespace,
        name: s3.credentialsSecret,
        what: `the keys of the S3 bucket ${props.s3!.bucket} (from its provider; set S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY first)`,
        command: `{ kubectl get secret ${s3.credentialsSecret} -n ${namespace} >/dev/null 2>&1 || kubectl create secret generic ${s3.credentialsSecret} -n ${namespace} `
          + '--from-literal=AWS_ACCESS_KEY_ID="${S3_ACCESS_KEY_ID:?set it to the bucket key id}" '
          + '--from-literal=AWS_SECRET_ACCESS_KEY="${S3_SECRET_ACCESS_KEY:?set it to the bucket secret key}"; }',
      });
    }

    // Not the server's instance label: a query for the server's pods (`-l app.kubernetes.io/instance=myweb`) must not
    // find its backup jobs.
    const labels = { 'app.kubernetes.io/name': 'restic-backup', 'app.kubernetes.io/instance': `${this.name}-backup`, ...MANAGED_BY };
    this.jobLabels = { 'app.kubernetes.io/instance': `${this.name}-backup` };
    const env: k8s.EnvVar[] = [
      { name: 'SERVER', value: this.name },
      { name: 'SOURCE', value: '/docroot' },
      { name: 'RESTIC_REPOSITORY', value: s3 ? s3.repository(this.name) : '/backup/.restic' },
      ...(s3 ? s3.env : []),
      { name: 'RESTIC_PASSWORD_FILE', value: '/etc/restic/password' },
      { name: 'KEEP_DAILY', value: String(keep.daily) },
      { name: 'KEEP_WEEKLY', value: String(keep.weekly) },
      { name: 'KEEP_MONTHLY', value: String(keep.monthly) },
      { name: 'CHECK_SHARE', value: String(checkShare) },
      ...(this.customerCopy ? [{ name: 'CUSTOMER_COPY', value: '/backup' }] : []),
    ];
    // the target's folder: the repository's (every job takes a lock in it, even a read), or the customer's copy's
    const mountsTarget = (task: Task) => target !== undefined && (!s3 || task === 'backup');
    const database = props.database;
    // the backup dumps the database, a whole server's restore loads a dump back; the drill loads into its own
    const reachesDatabase = (task: Task) => database !== undefined && (task === 'backup' || task === 'restore');
    const databaseEnv = (task: Task): k8s.EnvVar[] => {
      if (!database || task === 'prune') return [];
      return [
        { name: 'DATABASE', value: database.database },
        ...(reachesDatabase(task) ? [
          { name: 'DATABASE_HOST', value: database.host },
          { name: 'DATABASE_PORT', value: String(database.port) },
          { name: 'DATABASE_USER', value: database.user },
          { name: 'DATABASE_PASSWORD_FILE', value: `${DATABASE_PASSWORD_DIR}/password` },
        ] : []),
      ];
    };
    const pushes = (task: Task) => pushgateway !== undefined && task !== 'restore';
    const pushEnv = (task: Task): k8s.EnvVar[] => (pushes(task)
      ? [{ name: 'PUSHGATEWAY_URL', value: pushgateway!.url }, { name: 'PUSH_NAMESPACE', value: namespace }]
      : []);
    const container = (task: Task): k8s.Container => ({
      name: 'restic',
      image: image.reference,
      imagePullPolicy: 'IfNotPresent',
      args: [task],
      env: [...env, ...databaseEnv(task), ...pushEnv(task)],
      securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
      // restic's index grows with the repository: a limit well above what a docroot of some GiB needs
      resources: containerResources('50m', '64Mi', '1', '512Mi'),
      volumeMounts: [
        props.docroot.mountAt('/docroot', { readOnly: task !== 'restore' }),
        // writable for every task: even a read takes a lock in the repository
        ...(mountsTarget(task) ? [{ ...target!.mountAt('/backup'), name: 'backup' }] : []),
        { name: 'password', mountPath: '/etc/restic', readOnly: true },
        { name: 'tmp', mountPath: '/tmp' },
        ...(task === 'drill' ? [{ name: 'scratch', mountPath: '/scratch' }] : []),
        ...(reachesDatabase(task) ? [{ name: 'database-password', mountPath: DATABASE_PASSWORD_DIR, readOnly: true }] : []),
      ],
    });
    this.container = container('backup');
    // the backup's and the restore's pods alone carry the database's client label: its NetworkPolicy lets them in
    const podLabels = (task: Task) => ({ ...labels, [BACKUP_TASK_LABEL]: task, ...(reachesDatabase(task) ? database!.clientLabels : {}) });
    const job = (task: Task): k8s.JobTemplateSpec => ({
      metadata: { labels },
      spec: {
        // a failed check or drill is an answer, not a glitch: one retry at most
        backoffLimit: 1,
        activeDeadlineSeconds: JOB_DEADLINE_SECONDS,
        template: {
          metadata: { labels: podLabels(task) },
          spec: {
            restartPolicy: 'Never',
            nodeSelector: nodeRole.nodeSelector,
            automountServiceAccountToken: false,
            imagePullSecrets,
            // fsGroup: the password's file is the group's (the NFS mounts keep their owners: no ownership change on NFS)
            securityContext: { runAsUser: user, runAsGroup: user, fsGroup: user, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
            containers: [task === 'backup' ? this.container : container(task)],
            volumes: [
              props.docroot.podVolume,
              ...(mountsTarget(task) ? [{ ...target!.podVolume, name: 'backup' }] : []),
              // readable by the jobs' group alone
              { name: 'password', secret: { secretName: this.passwordSecret, defaultMode: 0o440, items: [{ key: 'password', path: 'password' }] } },
              { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('1Gi') } },
              ...(task === 'drill' ? [{ name: 'scratch', emptyDir: { sizeLimit: k8s.Quantity.fromString(`${scratchMib}Mi`) } }] : []),
              ...(reachesDatabase(task)
                ? [{ name: 'database-password', secret: { secretName: database!.secret, defaultMode: 0o440, items: [{ key: 'password', path: 'password' }] } }]
                : []),
            ],
          },
        },
      },
    });
    const cronJob = (task: Task, cronJobId: string, cronSchedule: string, suspend: boolean) =>
      new k8s.KubeCronJob(this, cronJobId, {
        metadata: { name: `${this.name}-${task}`, labels },
        spec: {
          schedule: cronSchedule,
          suspend,
          concurrencyPolicy: 'Forbid',
          startingDeadlineSeconds: 3600,
          successfulJobsHistoryLimit: 3,
          failedJobsHistoryLimit: 3,
          jobTemplate: job(task),
        },
      });
    this.backup = cronJob('backup', 'Backup', schedule, false);
    this.prune = cronJob('prune', 'Prune', pruneSchedule, false);
    this.drill = cronJob('drill', 'Drill', drillSchedule, false);
    this.restore = cronJob('restore', 'Restore', schedule, true);
    this.networkPolicy = new k8s.KubeNetworkPolicy(this, 'NetworkPolicy', {
      metadata: { name: `${this.name}-backup`, labels },
      spec: {
        podSelector: { matchLabels: { 'app.kubernetes.io/name': labels['app.kubernetes.io/name'], 'app.kubernetes.io/instance': labels['app.kubernetes.io/instance'] } },
        // both directions, no rule: nothing in, nothing out (an empty list would be dropped by the API server, and
        // every apply would change the object again)
        policyTypes: ['Ingress', 'Egress'],
      },
    });
    // one more policy per way out (policies add up), each for the jobs that take it
    const instance = { 'app.kubernetes.io/instance': labels['app.kubernetes.io/instance'] };
    const egressPolicy = (policyId: string, suffix: string, podSelector: k8s.LabelSelector, egress: k8s.NetworkPolicyEgressRule[]) =>
      new k8s.KubeNetworkPolicy(this, policyId, { metadata: { name: `${this.name}-backup-${suffix}`, labels }, spec: { podSelector, policyTypes: ['Egress'], egress } });
    if (database) {
      // the backup's and the restore's pods: out to the database's port, and the cluster's DNS when its host is a name
      this.databasePolicy = egressPolicy('DatabasePolicy', 'database', { matchLabels: { ...instance, ...database.clientLabels } }, [
        { to: [database.peer], ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(database.port) }] },
        ...(database.hostIsDnsName ? [clusterDnsEgressRule()] : []),
      ]);
    }
    // every job reads or writes the repository: out to the bucket's endpoint
    if (s3) this.s3Policy = egressPolicy('S3Policy', 's3', { matchLabels: instance }, s3.egress);
    if (pushgateway) {
      // the jobs that push their result (not the restore), to the Pushgateway alone
      this.metricsPolicy = egressPolicy('MetricsPolicy', 'metrics', {
        matchLabels: instance,
        matchExpressions: [{ key: BACKUP_TASK_LABEL, operator: 'In', values: ['backup', 'prune', 'drill'] }],
      }, pushgateway.egress);
    }
  }
}

/** A job of the backup: what its container runs. */
type Task = 'backup' | 'prune' | 'drill' | 'restore';


function requireRetention(scope: Construct, keep: BackupRetention | undefined): Required<BackupRetention> {
  if (keep !== undefined && (typeof keep !== 'object' || keep === null)) {
    throw SiteError.invalidProp(scope, 'keep', keep, 'be { daily, weekly, monthly }, how many snapshots of each to keep '
      + '(a number of archives was the tar backup\'s: { daily: 7 } keeps as many days)');
  }
  const retention = {
    daily: requireInteger(scope, 'keep.daily', keep?.daily ?? 7, 0, 1000),
    weekly: requireInteger(scope, 'keep.weekly', keep?.weekly ?? 4, 0, 1000),
    monthly: requireInteger(scope, 'keep.monthly', keep?.monthly ?? 6, 0, 1000),
  };
  if (retention.daily + retention.weekly + retention.monthly === 0) {
    throw SiteError.invalidProp(scope, 'keep', keep, 'keep at least one snapshot ({ daily: 1 } or more): restic forgets nothing without a policy, '
      + 'and no snapshot kept is no backup');
  }
  return retention;
}

function requireScratch(scope: Construct, size: Size): number {
  const mib = size instanceof Size ? size.toMebibytes({ rounding: SizeRoundingBehavior.FLOOR }) : NaN;
  if (!(mib >= 64)) {
    throw SiteError.invalidProp(scope, 'drillScratch', Number.isNaN(mib) ? size : `${mib} MiB`, 'be a Size of at least 64 MiB, such as Size.gibibytes(16)');
  }
  return mib;
}
