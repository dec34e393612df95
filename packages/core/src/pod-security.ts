import * as k8s from './imports/k8s';

/**
 * The Pod Security Standards' "restricted" profile, as Kubernetes documents it
 * (https://kubernetes.io/docs/concepts/security/pod-security-standards/): every control of "baseline", and the
 * restricted ones on top. A pod that passes here is what the API server's Pod Security admission admits into a
 * namespace labelled `pod-security.kubernetes.io/enforce: restricted` (Kubernetes 1.23+, where the admission exists).
 */

/** The parts of a pod spec the profile reads (a `k8s.PodSpec`, or a pod template's spec read back from YAML). */
export interface PodSecurityInput {
  readonly hostNetwork?: boolean | undefined;
  readonly hostPID?: boolean | undefined;
  readonly hostIPC?: boolean | undefined;
  readonly securityContext?: PodSecurityContextInput | undefined;
  readonly containers?: ContainerSecurityInput[] | undefined;
  readonly initContainers?: ContainerSecurityInput[] | undefined;
  readonly ephemeralContainers?: ContainerSecurityInput[] | undefined;
  readonly volumes?: Array<{ readonly name: string; readonly [source: string]: unknown }> | undefined;
}

interface SecurityContextInput {
  readonly runAsNonRoot?: boolean | undefined;
  readonly runAsUser?: number | undefined;
  readonly seccompProfile?: { readonly type?: string | undefined } | undefined;
  readonly seLinuxOptions?: {
    readonly type?: string | undefined;
    readonly user?: string | undefined;
    readonly role?: string | undefined;
  } | undefined;
  readonly windowsOptions?: { readonly hostProcess?: boolean | undefined } | undefined;
  readonly appArmorProfile?: { readonly type?: string | undefined } | undefined;
}

interface PodSecurityContextInput extends SecurityContextInput {
  readonly sysctls?: Array<{ readonly name: string }> | undefined;
}

interface ContainerSecurityInput {
  readonly name: string;
  readonly ports?: Array<{ readonly hostPort?: number | undefined }> | undefined;
  readonly securityContext?: SecurityContextInput & {
    readonly privileged?: boolean | undefined;
    readonly allowPrivilegeEscalation?: boolean | undefined;
    readonly procMount?: string | undefined;
    readonly capabilities?: { readonly add?: string[] | undefined; readonly drop?: string[] | undefined } | undefined;
  } | undefined;
}

/** Volume sources "restricted" allows; every other one (hostPath, nfs, iscsi, ...) is refused. */
export const RESTRICTED_VOLUME_TYPES: readonly string[] = [
  'configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret',
];

/** Sysctls "baseline" allows (the namespaced, safe set). */
const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.ip_unprivileged_port_start', 'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range', 'net.ipv4.ip_local_reserved_ports', 'net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes',
]);
const SELINUX_TYPES = new Set(['container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t']);

/**
 * What keeps the pod out of a namespace that enforces Pod Security "restricted": one line per violated control,
 * naming the control, the container (or the pod) and the field (`restricted: container "httpd" must set
 * securityContext.allowPrivilegeEscalation to false`). Empty when the pod passes.
 */
export function restrictedViolations(pod: PodSecurityInput): string[] {
  const problems: string[] = [];
  const add = (control: string, where: string, what: string) => problems.push(`${control}: ${where} ${what}`);
  const podContext = pod.securityContext ?? {};
  const containers = [...pod.containers ?? [], ...pod.initContainers ?? [], ...pod.ephemeralContainers ?? []];

  // baseline
  for (const field of ['hostNetwork', 'hostPID', 'hostIPC'] as const) {
    if (pod[field] === true) add('host namespaces', 'the pod', `must not set ${field}`);
  }
  const contexts: Array<[string, SecurityContextInput]> = [['the pod', podContext],
    ...containers.map((c): [string, SecurityContextInput] => [`container "${c.name}"`, c.securityContext ?? {}])];
  for (const [where, context] of contexts) {
    if (context.windowsOptions?.hostProcess === true) add('HostProcess', where, 'must not set windowsOptions.hostProcess');
    const se = context.seLinuxOptions;
    if (se?.type !== undefined && se.type !== '' && !SELINUX_TYPES.has(se.type)) add('SELinux', where, `must not set seLinuxOptions.type "${se.type}"`);
    if (se?.user || se?.role) add('SELinux', where, 'must not set seLinuxOptions.user or .role');
    if (context.appArmorProfile?.type === 'Unconfined') add('AppArmor', where, 'must not set appArmorProfile.type Unconfined');
    if (context.seccompProfile?.type === 'Unconfined') add('seccomp', where, 'must not set seccompProfile.type Unconfined');
    if (context.runAsUser === 0) add('running as non-root user', where, 'must not set runAsUser 0');
  }
  for (const sysctl of podContext.sysctls ?? []) {
    if (!SAFE_SYSCTLS.has(sysctl.name)) add('sysctls', 'the pod', `must not set the sysctl ${sysctl.name}`);
  }
  for (const volume of pod.volumes ?? []) {
    const source = Object.keys(volume).find((k) => k !== 'name');
    if (source === 'hostPath') {
      add('hostPath volumes', `volume "${volume.name}"`, 'must not be a hostPath');
    } else if (source !== undefined && !RESTRICTED_VOLUME_TYPES.includes(source)) {
      add('volume types', `volume "${volume.name}"`, `must be one of ${RESTRICTED_VOLUME_TYPES.join(', ')}, not ${source}`);
    }
  }

  const podSeccomp = podContext.seccompProfile?.type;
  for (const c of containers) {
    const where = `container "${c.name}"`;
    const sc = c.securityContext ?? {};
    if (sc.privileged === true) add('privileged containers', where, 'must not set securityContext.privileged');
    if ((c.ports ?? []).some((p) => (p.hostPort ?? 0) !== 0)) add('host ports', where, 'must not set a hostPort');
    if (sc.procMount !== undefined && sc.procMount !== 'Default') add('/proc mount type', where, `must not set procMount ${sc.procMount}`);
    // restricted
    if (sc.allowPrivilegeEscalation !== false) add('privilege escalation', where, 'must set securityContext.allowPrivilegeEscalation to false');
    const nonRoot = sc.runAsNonRoot ?? podContext.runAsNonRoot;
    if (nonRoot !== true) add('running as non-root', where, 'must set securityContext.runAsNonRoot to true (or the pod must)');
    const seccomp = sc.seccompProfile?.type ?? podSeccomp;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') {
      add('seccomp', where, 'must set securityContext.seccompProfile.type to RuntimeDefault or Localhost (or the pod must)');
    }
    if (!(sc.capabilities?.drop ?? []).includes('ALL')) add('capabilities', where, 'must drop ALL capabilities');
    const added = (sc.capabilities?.add ?? []).filter((cap) => cap !== 'NET_BIND_SERVICE');
    if (added.length) add('capabilities', where, `must add no capability but NET_BIND_SERVICE, not ${added.join(', ')}`);
  }
  return problems;
}

/** The pod template of a workload object (Pod, Deployment, DaemonSet, StatefulSet, ReplicaSet, Job, CronJob), or none. */
export function podSpecOf(object: { kind?: string | undefined; spec?: any | undefined }): PodSecurityInput | undefined {
  switch (object.kind) {
    case 'Pod': return object.spec;
    case 'CronJob': return object.spec?.jobTemplate?.spec?.template?.spec;
    case 'Deployment': case 'DaemonSet': case 'StatefulSet': case 'ReplicaSet': case 'Job': case 'ReplicationController':
      return object.spec?.template?.spec;
    default: return undefined;
  }
}

/** A container that passes "restricted": `uid` (never root), no capability, no escalation, a read-only root. */
export function restrictedContainerContext(uid: number): k8s.SecurityContext {
  return {
    runAsUser: uid,
    runAsGroup: uid,
    runAsNonRoot: true,
    privileged: false,
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
  };
}

/**
 * A pod that passes "restricted", run as `uid` and its group, which is also the fsGroup: kubelet gives the volumes it
 * mounts (Secrets, the data) to that group, and every container has it.
 */
export function restrictedPodContext(uid: number): k8s.PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: uid,
    fsGroup: uid,
    fsGroupChangePolicy: 'OnRootMismatch',
    seccompProfile: { type: 'RuntimeDefault' },
  };
}
