import { spawn, spawnSync } from 'child_process';
import * as path from 'path';
import { getJson, kubectl } from '../cluster/kubectl';
import { waitFor } from '../support';

/** What a Job made from a CronJob came to: whether it succeeded, and its last pod's log. */
export interface JobRun {
  readonly succeeded: boolean;
  readonly logs: string;
}

/**
 * A Job made from a CronJob, as `kubectl create job <job> --from=cronjob/<cronJob>` would (kubectl 1.32 makes that
 * only from a batch/v1 CronJob, Kubernetes 1.21+; on the 1.20 test server the same Job is made from the v1beta1 one),
 * with `env` added to its container (what the operator's restore sets) and `edit` applied to its pod's spec; waited
 * for until it has succeeded or failed for good (its one retry too).
 */
export async function runCronJob(namespace: string, cronJob: string, job: string, options: {
  readonly env?: Record<string, string>;
  readonly edit?: (pod: any) => void;
  readonly context?: () => string;
} = {}): Promise<JobRun> {
  const template = getJson(['cronjob', cronJob, '-n', namespace]).spec.jobTemplate;
  const container = template.spec.template.spec.containers[0];
  container.env = [...container.env ?? [], ...Object.entries(options.env ?? {}).map(([name, value]) => ({ name, value }))];
  options.edit?.(template.spec.template.spec);
  kubectl(['create', '-f', '-'], JSON.stringify({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: job, namespace, labels: template.metadata?.labels, annotations: { 'cronjob.kubernetes.io/instantiate': 'manual' } },
    spec: template.spec,
  }));
  const done = await waitFor(`Job ${job} to finish`, 180, () => {
    const status = getJson(['job', job, '-n', namespace]).status;
    return status.succeeded === 1 || (status.conditions ?? []).some((c: any) => c.type === 'Failed' && c.status === 'True') ? status : undefined;
  }, { intervalMs: 1000, context: options.context });
  const jobPods = getJson(['pods', '-n', namespace, '-l', `job-name=${job}`]).items
    .sort((a: any, b: any) => a.metadata.creationTimestamp.localeCompare(b.metadata.creationTimestamp));
  const logs = kubectl(['logs', '-n', namespace, jobPods[jobPods.length - 1].metadata.name]);
  return { succeeded: done.succeeded === 1, logs };
}

/** {@link runCronJob}, which must succeed: its last pod's log. */
export async function succeededCronJob(namespace: string, cronJob: string, job: string,
  options: Parameters<typeof runCronJob>[3] = {}): Promise<string> {
  const run = await runCronJob(namespace, cronJob, job, options);
  expect({ job, ...run }).toMatchObject({ job, succeeded: true });
  return run.logs;
}

/** Debian's restic on a repository, from outside the pods (the NAS's view), with the password of its Secret. */
export function resticOutside(repository: string, namespace: string, secret: string, args: string[], input?: string | Buffer): string {
  const password = Buffer.from(getJson(['secret', secret, '-n', namespace]).data.password, 'base64').toString();
  const out = spawnSync('restic', [...args, '--no-lock', '--no-cache', '--quiet'], {
    encoding: 'utf-8', input, env: { ...process.env, RESTIC_REPOSITORY: repository, RESTIC_PASSWORD: password },
  });
  if (out.status !== 0) throw new Error(`restic ${args.join(' ')}: ${out.stderr}`);
  return out.stdout;
}

/** The operator CLI, as `npx --no cdk8s-vserver ...` runs it (not blocking: a request loop may run meanwhile). */
export function operatorCli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(__dirname, '../../packages/operator/bin/cdk8s-vserver.js'), ...args], { env: process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}
