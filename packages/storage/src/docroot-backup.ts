import {
  AppChecks, containerResources, cronLongestGapSeconds, ImageReference, k8s, MANAGED_BY, NodeRole, OperatorContract, requireCronSchedule,
  requireImagePullSecrets, requireInteger, requireNodeRole, requirePinnedImage, resourceName, SiteError,
} from '@cdk8s-vserver/core';
import { Construct } from 'constructs';
import { INfsFolder } from './nfs-folder';

/** Props of {@link DocrootBackup}. */
export interface DocrootBackupProps {
  /**
   * Secrets (`kubernetes.io/dockerconfigjson`, in the pods' namespace) with the credentials of a registry that asks
   * for them (Harbor, a registry with basic auth): `kubectl create secret docker-registry <name> --docker-server=...`.
   * @default - none: the registry is open to the nodes
   */
  readonly imagePullSecrets?: string[] | undefined;
  /** The docroot to back up (mounted read-only by the backup, read-write by the restore). */
  readonly docroot: INfsFolder;
  /** Where the archives go: a second export, such as an `NfsFolder` of the NAS's backup folder. */
  readonly target: INfsFolder;
  /**
   * Base name of the two CronJobs, `<name>-backup` and `<name>-restore` (at most 44 characters: Kubernetes adds
   * to a CronJob's name for its Jobs).
   * @default - the construct id in kebab case
   */
  readonly name?: string | undefined;
  /** An image with `sh`, `tar` and `gzip`, pinned (the server's sshd image does: its `web` user owns the docroot). */
  readonly image: ImageReference;
  /**
   * When the backup runs, in cron syntax (the controller-manager's time zone, usually UTC).
   * @default '0 3 * * *' - every night at 03:00
   */
  readonly schedule?: string | undefined;
  /**
   * How many archives to keep; older ones are deleted after each backup.
   * @default 7
   */
  readonly keep?: number | undefined;
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

/** The longest a backup or restore job may run. */
const JOB_DEADLINE_SECONDS = 3600;

/**
 * Backup of a docroot: a CronJob `<name>-backup` that writes a dated, gzipped tar of the docroot to the target
 * export on a schedule and keeps the newest `keep` archives, and a suspended CronJob `<name>-restore`, a template
 * for one command that restores the newest archive into the docroot:
 *
 *   kubectl create job myweb-restore-1 --from=cronjob/myweb-restore
 *
 * (`kubectl create job myweb-backup-now --from=cronjob/myweb-backup` backs up at once.) A restore puts every file
 * of the archive back; files created since stay. Both jobs run as the docroot's owner, never as root, with no
 * capability and a read-only root filesystem.
 */
export class DocrootBackup extends Construct {
  /** Base name of the CronJobs. */
  public readonly name: string;
  /** The scheduled backup. */
  public readonly backup: k8s.KubeCronJob;
  /** The restore's template (suspended: it runs only when a Job is created from it). */
  public readonly restore: k8s.KubeCronJob;
  /** The jobs' NetworkPolicy: no connection in or out (both volumes are the kubelet's mounts, not the pod's). */
  public readonly networkPolicy: k8s.KubeNetworkPolicy;
  /**
   * How old the newest archive may be before a backup counts as missed: the schedule's longest gap between two runs,
   * plus the hour a job may take (its deadline). A site's alert fires after it.
   */
  public readonly staleAfterSeconds: number;
  /** The labels of its Jobs and their pods (`kubectl get jobs -l ...`): not the server's, so a query for the server's pods never finds them. */
  public readonly jobLabels: Readonly<Record<string, string>>;
  /** The backup job's one container (the restore's differs in its script and mounts only): what a quota must make room for. */
  public readonly container: k8s.Container;

  constructor(scope: Construct, id: string, props: DocrootBackupProps) {
    super(scope, id);
    AppChecks.of(this).trust(this);
    this.name = resourceName(this, 'name', props.name);
    if (this.name.length > 44) {
      throw SiteError.invalidProp(this, 'name', this.name, `have at most 44 characters (it has ${this.name.length}): `
        + "'<name>-restore' is a CronJob name, and Kubernetes adds 11 characters to it for each Job");
    }
    const image = requirePinnedImage(this, 'image', props.image);
    OperatorContract.of(this).pullsImage(image);
    const imagePullSecrets = requireImagePullSecrets(this, 'imagePullSecrets', props.imagePullSecrets);
    const schedule = requireCronSchedule(this, 'schedule', props.schedule ?? '0 3 * * *');
    this.staleAfterSeconds = cronLongestGapSeconds(schedule) + JOB_DEADLINE_SECONDS;
    const keep = requireInteger(this, 'keep', props.keep ?? 7, 1, 1000);
    const user = requireInteger(this, 'user', props.user ?? 1000, 1, 2147483647);
    const nodeRole = requireNodeRole(this, 'nodeRole', props.nodeRole ?? NodeRole.WORKER);
    if (props.docroot.namespace !== props.target.namespace) {
      throw SiteError.invalidProp(this, 'target', props.target.namespace, `be a claim in the docroot's namespace "${props.docroot.namespace}": `
        + 'one Job mounts both');
    }
    // Not the server's instance label: a query for the server's pods (`-l app.kubernetes.io/instance=myweb`) must not
    // find its backup jobs.
    const labels = { 'app.kubernetes.io/name': 'docroot-backup', 'app.kubernetes.io/instance': `${this.name}-backup`, ...MANAGED_BY };
    this.jobLabels = { 'app.kubernetes.io/instance': `${this.name}-backup` };
    const archives = `${this.name}-*.tar.gz`;
    const backupScript = [
      'set -eu',
      'cd /backup',
      'stamp=$(date -u +%Y%m%dT%H%M%SZ)',
      // written under a dot name first, so a restore never picks a half-written archive
      `tar -C /docroot -czf ".${this.name}-$stamp.tar.gz.part" .`,
      `mv ".${this.name}-$stamp.tar.gz.part" "${this.name}-$stamp.tar.gz"`,
      `ls -1 ${archives} | sort -r | tail -n +${keep + 1} | xargs -r rm -f --`,
      `echo "backed up to ${this.name}-$stamp.tar.gz; archives kept: $(ls -1 ${archives} | wc -l)"`,
    ].join('\n');
    const restoreScript = [
      'set -eu',
      `latest=$(ls -1 /backup/${archives} 2>/dev/null | sort | tail -n 1)`,
      `[ -n "$latest" ] || { echo "no archive of ${this.name} in the backup export" >&2; exit 1; }`,
      'tar -C /docroot -xzf "$latest"',
      'echo "restored $latest"',
    ].join('\n');

    const container = (script: string, docrootReadOnly: boolean): k8s.Container => ({
      name: 'tar',
      image: image.reference,
      imagePullPolicy: 'IfNotPresent',
      command: ['sh', '-c', script],
      securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
      resources: containerResources('10m', '16Mi', '500m', '128Mi'),
      volumeMounts: [
        { ...props.docroot.mountAt('/docroot', { readOnly: docrootReadOnly }) },
        { ...props.target.mountAt('/backup', { readOnly: !docrootReadOnly }), name: 'backup' },
      ],
    });
    this.container = container(backupScript, true);
    const job = (script: string, docrootReadOnly: boolean): k8s.JobTemplateSpec => ({
      metadata: { labels },
      spec: {
        backoffLimit: 2,
        activeDeadlineSeconds: JOB_DEADLINE_SECONDS,
        template: {
          metadata: { labels },
          spec: {
            restartPolicy: 'Never',
            nodeSelector: nodeRole.nodeSelector,
            automountServiceAccountToken: false,
            imagePullSecrets,
            securityContext: { runAsUser: user, runAsGroup: user, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
            containers: [script === backupScript ? this.container : container(script, docrootReadOnly)],
            volumes: [props.docroot.podVolume, { ...props.target.podVolume, name: 'backup' }],
          },
        },
      },
    });
    const cronJob = (cronJobId: string, name: string, script: string, docrootReadOnly: boolean, suspend: boolean) =>
      new k8s.KubeCronJob(this, cronJobId, {
        metadata: { name, labels },
        spec: {
          schedule,
          suspend,
          concurrencyPolicy: 'Forbid',
          startingDeadlineSeconds: 3600,
          successfulJobsHistoryLimit: 3,
          failedJobsHistoryLimit: 3,
          jobTemplate: job(script, docrootReadOnly),
        },
      });
    this.backup = cronJob('Backup', `${this.name}-backup`, backupScript, true, false);
    this.restore = cronJob('Restore', `${this.name}-restore`, restoreScript, false, true);
    this.networkPolicy = new k8s.KubeNetworkPolicy(this, 'NetworkPolicy', {
      metadata: { name: `${this.name}-backup`, labels },
      spec: {
        podSelector: { matchLabels: { 'app.kubernetes.io/name': labels['app.kubernetes.io/name'], 'app.kubernetes.io/instance': labels['app.kubernetes.io/instance'] } },
        // both directions, no rule: nothing in, nothing out (an empty list would be dropped by the API server, and
        // every apply would change the object again)
        policyTypes: ['Ingress', 'Egress'],
      },
    });
  }
}
