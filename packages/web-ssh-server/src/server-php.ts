import {
  containerResources, ImageReference, k8s, quantityAmount, requireCronSchedule, requireDnsLabel, requireInteger,
  requirePinnedImage, requireResources, requireWholeSeconds, SiteError, Warnings,
} from '@cdk8s-vserver/core';
import { Duration, Size, SizeRoundingBehavior } from 'cdk8s';
import { IConstruct } from 'constructs';

/**
 * A PHP release a server runs: the php-fpm image built from this package's `images/php<release>-fpm/`. Debian
 * carries one PHP per release, so a release is a Debian base: 8.4 is Debian 13's. Debian 12's 8.2 is not offered
 * (its security support ends on 2026-12-31). Another release is another image folder from a base that carries it
 * (docs/php.md, "Another PHP release").
 */
export class PhpVersion {
  /** PHP 8.4, Debian 13's php8.4-fpm, with security support for as long as Debian 13 has it. */
  public static readonly V8_4 = new PhpVersion('8.4');

  /** Every release the project builds an image of. */
  public static get all(): readonly PhpVersion[] {
    return [PhpVersion.V8_4];
  }

  /** The image's name in the site's registry (`php8.4-fpm`), which is also its Dockerfile folder's. */
  public readonly imageName: string;

  private constructor(
    /** The release, `8.4`. */
    public readonly release: string,
  ) {
    this.imageName = `php${release}-fpm`;
  }

  /** The Dockerfile folder of the image, in this project: the operator builds and pushes it to the site's registry. */
  public get imageFolder(): string {
    return `packages/web-ssh-server/images/${this.imageName}`;
  }

  public toString(): string {
    return `PhpVersion.V${this.release.replace('.', '_')}`;
  }
}

/**
 * PHP for a server (`WebSshServer`'s `php`): php-fpm in a container of its own beside httpd and sshd, as the customer's
 * user (web, uid 1000), which httpd hands every `*.php` of the docroot to. httpd reads no `.htaccess`: what a PHP site
 * usually sets there is a prop here (upload size, memory limit, time zone, front controller).
 */
export interface ServerPhp {
  /** The PHP release (`PhpVersion.V8_4`): which image folder the image is built from. */
  readonly version: PhpVersion;

  /** The php-fpm image, pinned (`master.test:5000/myrepo/php8.4-fpm:v1`); the server's `version` retags it with httpd's and sshd's. */
  readonly image: ImageReference;

  /**
   * The most memory one request's PHP may use (php.ini's `memory_limit`, as an admin value: the customer's code
   * cannot raise it). WordPress asks for 40 MiB, 256 MiB in its admin pages.
   * @default Size.mebibytes(128)
   */
  readonly memoryLimit?: Size | undefined;

  /**
   * The largest file a visitor may upload through PHP (`upload_max_filesize`; `post_max_size` is 1 MiB more, for
   * the form around it). Uploads over SSH are not limited.
   * @default Size.mebibytes(16)
   */
  readonly uploadMaxSize?: Size | undefined;

  /**
   * PHP's time zone (`date.timezone`), an IANA name (`Asia/Tokyo`), for php-fpm and the cron jobs.
   * @default 'UTC'
   */
  readonly timezone?: string | undefined;

  /**
   * Send every request for a path the docroot does not have to `/index.php` (`FallbackResource`): the "pretty
   * links" of WordPress, Laravel and most PHP frameworks, which they would otherwise ask for in `.htaccess`.
   * @default false - a missing path is a 404
   */
  readonly frontController?: boolean | undefined;

  /**
   * How many requests PHP runs at once (php-fpm's `pm.max_children`): workers start when requests come and stop
   * after 10 s idle (`pm = ondemand`), so an idle server runs php-fpm's master only.
   * @default 4
   */
  readonly maxChildren?: number | undefined;

  /**
   * Resources of the php-fpm container.
   * @default - requests 20m CPU / 48Mi memory; limits 1 CPU and `maxChildren` x `memoryLimit` + 64Mi memory
   */
  readonly resources?: k8s.ResourceRequirements | undefined;
}

/** One of a server's cron jobs (`WebSshServer`'s `cron`): a command run in the PHP image, as the customer, in the docroot. */
export interface CronTask {
  /**
   * When it runs, as a Kubernetes CronJob's schedule (`*\/15 * * * *`, `@hourly`), in the time zone of the cluster's
   * controller manager (UTC on most clusters).
   */
  readonly schedule: string;

  /** The command, run by `/bin/sh -c` in the docroot as the customer's user (`php wp-cron.php`). */
  readonly command: string;

  /**
   * The task's name: its CronJob is `<server name>-<name>` (`kubectl get cronjob myshop-wp-cron`).
   * @default 'cron-<n>' - its place in the list, from 1
   */
  readonly name?: string | undefined;

  /**
   * How long one run may take; a run that takes longer is stopped (the Job's `activeDeadlineSeconds`).
   * @default Duration.minutes(10)
   */
  readonly deadline?: Duration | undefined;
}

/** Where httpd and php-fpm meet: the socket's folder, an in-memory volume both containers mount. */
export const PHP_SOCKET_DIR = '/run/php-fpm';
/** The php-fpm image's probe: exits 0 while php-fpm listens on its socket. */
const PHP_LISTENING = '/usr/local/lib/web-ssh-server/php-fpm-listening';
/** The labels of a cron job's pods: not the server's, so a query for its pods never finds them. */
export const CRON_APP_NAME = 'web-ssh-server-cron';
/** The longest CronJob name: the controller appends an 11-character suffix to make its Jobs' names (63 at most). */
const MAX_CRON_JOB_NAME = 52;

const DEFAULT_MEMORY_LIMIT = Size.mebibytes(128);
const DEFAULT_UPLOAD_MAX_SIZE = Size.mebibytes(16);
const DEFAULT_MAX_CHILDREN = 4;
/** What php-fpm's master and OPcache's shared memory take beside the workers. */
const MASTER_MIB = 64;

/** A server's PHP, checked: what its container, its volumes and httpd's settings are made from. */
export interface ResolvedPhp {
  readonly version: PhpVersion;
  readonly image: ImageReference;
  /** The environment the image's entrypoint reads. */
  readonly env: Record<string, string>;
  /** Environment from Secrets (the database's password). */
  readonly secretEnv?: k8s.EnvVar[] | undefined;
  readonly frontController: boolean;
  readonly resources: k8s.ResourceRequirements;
  /** The size of /tmp, where uploads land before PHP moves them. */
  readonly tmpSize: string;
}

/** Checks `php` (the prop `prop` of `scope`) and works out its container's settings. */
export function resolvePhp(scope: IConstruct, prop: string, php: ServerPhp): ResolvedPhp {
  // by its release, not instanceof: two copies of this package in one program (a consumer's node_modules) each have their own class
  const version = PhpVersion.all.find((v) => v.release === (php.version as { release?: unknown } | undefined)?.release);
  if (!version) {
    throw SiteError.invalidProp(scope, `${prop}.version`, php.version, `be a PhpVersion the project builds an image of: ${PhpVersion.all.join(', ')}`);
  }
  const image = requirePinnedImage(scope, `${prop}.image`, php.image);
  const memoryMib = requireMebibytes(scope, `${prop}.memoryLimit`, php.memoryLimit ?? DEFAULT_MEMORY_LIMIT, 16, 4096,
    'WordPress needs 40 MiB, 256 MiB in its admin pages');
  const uploadMib = requireMebibytes(scope, `${prop}.uploadMaxSize`, php.uploadMaxSize ?? DEFAULT_UPLOAD_MAX_SIZE, 1, 2048,
    'larger files go up over SFTP, which has no limit');
  const timezone = requireTimezone(scope, `${prop}.timezone`, php.timezone ?? 'UTC');
  const maxChildren = requireInteger(scope, `${prop}.maxChildren`, php.maxChildren ?? DEFAULT_MAX_CHILDREN, 1, 256);
  const neededMib = maxChildren * memoryMib + MASTER_MIB;
  const resources = requireResources(scope, `${prop}.resources`, php.resources ?? containerResources('20m', '48Mi', '1', `${neededMib}Mi`));
  const limitMib = (quantityAmount(String(resources.limits?.memory?.value ?? '')) ?? Infinity) / 2 ** 20;
  if (limitMib < neededMib) {
    Warnings.of(scope).add(`'${prop}.resources' limits memory to ${Math.floor(limitMib)}Mi, below what ${maxChildren} requests of `
      + `${memoryMib} MiB each and php-fpm's master take (${neededMib}Mi): a busy moment ends in the kernel killing php-fpm (OOMKilled), `
      + 'every request in flight with it. Lower maxChildren or memoryLimit, or raise the limit.');
  }
  return {
    version,
    image,
    env: {
      PHP_MEMORY_LIMIT: `${memoryMib}M`,
      PHP_UPLOAD_MAX_SIZE: `${uploadMib}M`,
      PHP_POST_MAX_SIZE: `${uploadMib + 1}M`,
      PHP_TIMEZONE: timezone,
      PHP_MAX_CHILDREN: String(maxChildren),
    },
    frontController: php.frontController ?? false,
    resources,
    // room for as many uploads at once as requests run, and PHP's own temporary files
    tmpSize: `${Math.max(64, maxChildren * (uploadMib + 1))}Mi`,
  };
}

/** What makes a server's pods and cron jobs run PHP. */
export interface PhpPod {
  readonly php: ResolvedPhp;
  readonly docrootMount: k8s.VolumeMount;
  readonly securityContext: k8s.SecurityContext;
}

/** The php-fpm container of a server's pods. */
export function phpContainer(pod: PhpPod, docrootPath: string, drain: k8s.Lifecycle,
  probes: { readiness: Partial<k8s.Probe>; liveness: Partial<k8s.Probe> }): k8s.Container {
  const listening = { exec: { command: [PHP_LISTENING] } };
  return {
    name: 'php',
    image: pod.php.image.reference,
    imagePullPolicy: 'IfNotPresent',
    securityContext: pod.securityContext,
    resources: pod.php.resources,
    env: phpEnv(pod, docrootPath),
    lifecycle: drain,
    readinessProbe: { ...listening, ...probes.readiness },
    livenessProbe: { ...listening, ...probes.liveness },
    volumeMounts: [
      // read-write: the customer's PHP writes where the customer can (uploads, plugins)
      pod.docrootMount,
      { name: 'php-socket', mountPath: PHP_SOCKET_DIR },
      { name: 'php-tmp', mountPath: '/tmp' },
    ],
  };
}

/** The volumes the php container adds to a pod: the socket's (in memory) and /tmp. */
export function phpVolumes(php: ResolvedPhp): k8s.Volume[] {
  return [
    { name: 'php-socket', emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString('1Mi') } },
    { name: 'php-tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString(php.tmpSize) } },
  ];
}

/** A cron task, checked: its CronJob's name, schedule, command and deadline. */
export interface ResolvedCronTask {
  readonly cronJobName: string;
  readonly schedule: string;
  readonly command: string;
  readonly deadlineSeconds: number;
}

/** Checks the server's `cron` tasks (`prop` of `scope`): PHP is there, schedules Kubernetes takes, names once each. */
export function resolveCron(scope: IConstruct, prop: string, serverName: string, tasks: CronTask[],
  php: ResolvedPhp | undefined): ResolvedCronTask[] {
  if (!Array.isArray(tasks)) throw SiteError.invalidProp(scope, prop, tasks, "be a list of tasks, such as [{ schedule: '*/15 * * * *', command: 'php wp-cron.php' }]");
  if (tasks.length > 0 && !php) {
    throw SiteError.invalidProp(scope, `${prop}[0].command`, tasks[0]?.command, "run on a server with PHP: the cron jobs run in the server's PHP image. "
      + 'Give the server `php: { version: PhpVersion.V8_4, ... }`, or leave out `cron`');
  }
  const seen = new Map<string, number>();
  return tasks.map((task, i) => {
    const at = `${prop}[${i}]`;
    const schedule = requireCronSchedule(scope, `${at}.schedule`, typeof task.schedule === 'string' ? task.schedule : String(task.schedule));
    if (typeof task.command !== 'string' || task.command.trim() === '') {
      throw SiteError.invalidProp(scope, `${at}.command`, task.command, "be the command to run in the docroot, such as 'php wp-cron.php'");
    }
    const name = requireDnsLabel(scope, `${at}.name`, task.name ?? `cron-${i + 1}`);
    const cronJobName = `${serverName}-${name}`;
    if (cronJobName.length > MAX_CRON_JOB_NAME) {
      throw SiteError.invalidProp(scope, `${at}.name`, name, `be at most ${MAX_CRON_JOB_NAME - serverName.length - 1} characters: the CronJob's name `
        + `"${cronJobName}" may have ${MAX_CRON_JOB_NAME} (its Jobs' names add 11)`);
    }
    const first = seen.get(name);
    if (first !== undefined) throw SiteError.invalidProp(scope, `${at}.name`, name, `differ from ${prop}[${first}]'s: each task is a CronJob of its own`);
    seen.set(name, i);
    const deadlineSeconds = requireInteger(scope, `${at}.deadline (seconds)`, requireWholeSeconds(scope, `${at}.deadline`, task.deadline ?? Duration.minutes(10)), 1, 86_400);
    return { cronJobName, schedule, command: task.command, deadlineSeconds };
  });
}

/** The container of a cron task's pod: the PHP image's entrypoint runs the command in the docroot. */
export function cronContainer(pod: PhpPod, docrootPath: string, task: ResolvedCronTask): k8s.Container {
  const limits = pod.php.resources.limits;
  return {
    name: 'cron',
    image: pod.php.image.reference,
    imagePullPolicy: 'IfNotPresent',
    args: ['cron', task.command],
    securityContext: pod.securityContext,
    resources: {
      requests: { cpu: k8s.Quantity.fromString('10m'), memory: k8s.Quantity.fromString('32Mi') },
      ...(limits ? { limits } : {}),
    },
    env: phpEnv(pod, docrootPath),
    volumeMounts: [pod.docrootMount, { name: 'php-tmp', mountPath: '/tmp' }],
  };
}

/** The CronJob spec of a task: one run at a time, a deadline, a short history. */
export function cronJobSpec(task: ResolvedCronTask, labels: Record<string, string>, podSpec: k8s.PodSpec): k8s.CronJobSpec {
  return {
    schedule: task.schedule,
    // a run still going when the next is due: the next is skipped, never two at once on the same files
    concurrencyPolicy: 'Forbid',
    // a run the controller missed (down, or the one before still going) by more than 5 minutes is skipped, not caught up
    startingDeadlineSeconds: 300,
    successfulJobsHistoryLimit: 1,
    failedJobsHistoryLimit: 3,
    jobTemplate: {
      metadata: { labels },
      spec: {
        backoffLimit: 1,
        activeDeadlineSeconds: task.deadlineSeconds,
        template: { metadata: { labels }, spec: podSpec },
      },
    },
  };
}

/** `size` in whole MiB between `min` and `max`. */
function requireMebibytes(scope: IConstruct, prop: string, size: Size, min: number, max: number, hint: string): number {
  // by its method, not instanceof: the user's cdk8s may be another copy than this package's
  if (typeof (size as Size | undefined)?.toMebibytes !== 'function') throw SiteError.invalidProp(scope, prop, size, 'be a Size, such as Size.mebibytes(128)');
  const mib = size.toMebibytes({ rounding: SizeRoundingBehavior.NONE });
  if (!Number.isInteger(mib) || mib < min || mib > max) {
    throw SiteError.invalidProp(scope, prop, `${mib} MiB`, `be whole MiB from ${min} to ${max} (${hint})`);
  }
  return mib;
}

/** An IANA time zone PHP knows, such as `Asia/Tokyo`. */
function requireTimezone(scope: IConstruct, prop: string, timezone: string): string {
  let known = typeof timezone === 'string' && /^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(timezone);
  if (known) {
    try {
      new Intl.DateTimeFormat('en', { timeZone: timezone });
    } catch {
      known = false;
    }
  }
  if (!known) throw SiteError.invalidProp(scope, prop, timezone, "be an IANA time zone, such as 'UTC', 'Europe/Berlin' or 'Asia/Tokyo'");
  return timezone;
}

/** What the PHP image's entrypoint reads, the same for php-fpm and the cron jobs: the docroot, PHP's settings, the database. */
function phpEnv(pod: PhpPod, docrootPath: string): k8s.EnvVar[] {
  return [...envList({ DOCROOT: docrootPath, ...pod.php.env }), ...pod.php.secretEnv ?? []];
}

/** Plain environment variables, in the order given. */
export function envList(vars: Record<string, string>): k8s.EnvVar[] {
  return Object.entries(vars).map(([name, value]) => ({ name, value }));
}
