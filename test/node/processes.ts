import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

// How the node tier reads a running pod's processes from the kernel (uids, capabilities, memory), not from what
// Kubernetes was asked for.

const STATE = process.env.VSERVER_NODE_STATE!;

/** What the kernel says of a process: its uids, effective capabilities, no_new_privs and seccomp mode. */
export const kernelView = (pid: number) => {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf-8');
  const field = (name: string) => status.match(new RegExp(`^${name}:\\s+(.*)$`, 'm'))![1].trim();
  return { uids: field('Uid').split(/\s+/).map(Number), capEff: field('CapEff'), noNewPrivs: field('NoNewPrivs'), seccomp: field('Seccomp') };
};
/** The main process of each container of a pod, from its node's containerd. */
export const containerPids = (pod: any): Record<string, number> => {
  const tasks = spawnSync('ctr', ['--address', path.join(STATE, pod.spec.nodeName, 'containerd.sock'), '-n', 'k8s.io', 'tasks', 'ls'], { encoding: 'utf-8' }).stdout;
  return Object.fromEntries(pod.status.containerStatuses.map((c: any) => {
    const id = c.containerID.replace('containerd://', '');
    return [c.name, Number(tasks.split('\n').find((line) => line.startsWith(id))!.split(/\s+/)[1])];
  }));
};

/** A process as the kernel saw it: its pid, command and what {@link kernelView} reads. */
export type ProcessView = ReturnType<typeof kernelView> & { pid: number; command: string };

/**
 * Every process of a pod, by container ('sandbox' for the pod's pause process), read from the kernel: the members of
 * the pod's cgroup, each in its container's cgroup (named by the container's id), so a worker or a child counts too.
 * Each is read once, cgroup then status and command; one that exits meanwhile (an apache2 worker ending) is left out.
 */
export function podProcesses(pod: any): Record<string, ProcessView[]> {
  const names: Record<string, string> = Object.fromEntries(pod.status.containerStatuses.map((c: any) => [c.containerID.replace('containerd://', ''), c.name]));
  const uid: string = pod.metadata.uid;
  const byContainer: Record<string, ProcessView[]> = {};
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number)) {
    let line: string | undefined;
    let view: ProcessView;
    try {
      line = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf-8').split('\n').find((l) => l.includes(`pod${uid}/`) || l.includes(`pod${uid.replace(/-/g, '_')}`));
      if (!line) continue;
      view = { pid, command: fs.readFileSync(`/proc/${pid}/cmdline`, 'utf-8').split('\0')[0], ...kernelView(pid) };
    } catch (e: any) {
      if (e.code === 'ENOENT' || e.code === 'ESRCH') continue;
      throw e;
    }
    const id = line.split('/').pop()!.replace(/^cri-containerd-|\.scope$/g, '');
    (byContainer[names[id] ?? 'sandbox'] ??= []).push(view);
  }
  return byContainer;
}


/** Resident memory of a process (VmRSS), in KiB; 0 for one that has exited. */
export function rssKiB(pid: number): number {
  try {
    return Number(/^VmRSS:\s+(\d+) kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf-8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/**
 * Proportional memory of a process (Pss, from smaps_rollup), in KiB: its private pages, and each page it shares
 * (a library, the parent's copy-on-write memory) divided by the processes that share it, so a pod's sum is what
 * it adds to its node. 0 for one that has exited.
 */
export function pssKiB(pid: number): number {
  try {
    return Number(/^Pss:\s+(\d+) kB$/m.exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf-8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/**
 * Private memory of a process, in KiB: its anonymous and shared-memory pages (RssAnon + RssShmem), what no other
 * process of another pod shares; the file pages (libraries, read from the image's layers) are shared by every
 * container of the same image on a node. 0 for one that has exited.
 */
export function privateKiB(pid: number): number {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf-8');
    return ['RssAnon', 'RssShmem'].reduce((n, field) => n + Number(new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status)?.[1] ?? 0), 0);
  } catch {
    return 0;
  }
}

/**
 * Each container of a pod (the sandbox left out): how many processes, and their resident (VmRSS), proportional (Pss)
 * and private (RssAnon + RssShmem) memory in MiB.
 */
export function podMemory(pod: any): Record<string, { processes: number; rssMiB: number; pssMiB: number; privateMiB: number }> {
  const mib = (kib: number) => +(kib / 1024).toFixed(1);
  return Object.fromEntries(Object.entries(podProcesses(pod)).filter(([c]) => c !== 'sandbox').sort(([a], [b]) => a.localeCompare(b))
    .map(([c, ps]) => [c, {
      processes: ps.length,
      rssMiB: mib(ps.reduce((n, p) => n + rssKiB(p.pid), 0)),
      pssMiB: mib(ps.reduce((n, p) => n + pssKiB(p.pid), 0)),
      privateMiB: mib(ps.reduce((n, p) => n + privateKiB(p.pid), 0)),
    }]));
}
