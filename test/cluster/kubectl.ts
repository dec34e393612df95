import { spawnSync } from 'child_process';

/** Result of one kubectl call. */
export interface KubectlResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs kubectl against the control plane in KUBECONFIG; never throws. */
export function kubectlRaw(args: string[], input?: string): KubectlResult {
  const out = spawnSync('kubectl', args, { input, encoding: 'utf-8', timeout: 60_000, env: process.env });
  return { status: out.status ?? -1, stdout: out.stdout ?? '', stderr: out.stderr ?? String(out.error ?? '') };
}

/** Runs kubectl and returns stdout; throws with kubectl's stderr when it fails. */
export function kubectl(args: string[], input?: string): string {
  const out = kubectlRaw(args, input);
  if (out.status !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${out.status}): ${out.stderr.trim()}`);
  return out.stdout;
}

/** `kubectl get … -o json`, parsed. */
export function getJson(args: string[]): any {
  return JSON.parse(kubectl(['get', ...args, '-o', 'json']));
}

/** A pod that is running, Ready, and not being deleted: one the Service's endpoints count. */
export function isPodReady(pod: any): boolean {
  return !pod.metadata.deletionTimestamp && pod.status.phase === 'Running'
    && (pod.status.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True');
}

/** Fails fast, with the fix, when the tier is run without a control plane. */
export function requireControlPlane(): void {
  if (!process.env.KUBECONFIG) {
    throw new Error("KUBECONFIG is not set: run the real cluster tier through 'npx projen test:cluster'");
  }
  kubectl(['get', '--raw', '/readyz']);
}
