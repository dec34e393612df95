import { podSpecOf, restrictedViolations } from '@cdk8s-vserver/core';

/** A pod that passes "restricted": every control below breaks exactly one thing of it. */
const RESTRICTED = {
  securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
  containers: [{ name: 'app', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }],
  volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }, { name: 'run', emptyDir: {} }, { name: 'keys', secret: { secretName: 'k' } }],
};
const app = RESTRICTED.containers[0];
const withContainer = (securityContext: object, extra: object = {}) => ({
  ...RESTRICTED,
  containers: [{ ...app, ...extra, securityContext: { ...app.securityContext, ...securityContext } }],
});

describe('Pod Security "restricted", control by control', () => {
  test('a pod that sets every control passes (the positive case for each negative one below)', () => {
    expect(restrictedViolations(RESTRICTED)).toEqual([]);
    // per-container settings instead of the pod's, and NET_BIND_SERVICE, are allowed too
    const perContainer = {
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      seccompProfile: { type: 'Localhost' },
      capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] },
    };
    expect(restrictedViolations({ containers: [{ name: 'a', securityContext: perContainer }] })).toEqual([]);
  });

  test.each([
    ['host namespaces', { ...RESTRICTED, hostNetwork: true }, 'host namespaces: the pod must not set hostNetwork'],
    ['host PID', { ...RESTRICTED, hostPID: true }, 'host namespaces: the pod must not set hostPID'],
    ['privileged', withContainer({ privileged: true }), 'privileged containers: container "app" must not set securityContext.privileged'],
    ['a hostPath volume', { ...RESTRICTED, volumes: [{ name: 'h', hostPath: { path: '/' } }] }, 'hostPath volumes: volume "h" must not be a hostPath'],
    ['an nfs volume', { ...RESTRICTED, volumes: [{ name: 'n', nfs: { server: 'nas', path: '/' } }] },
      'volume types: volume "n" must be one of configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected, secret, not nfs'],
    ['a host port', withContainer({}, { ports: [{ containerPort: 80, hostPort: 80 }] }), 'host ports: container "app" must not set a hostPort'],
    ['escalation allowed', withContainer({ allowPrivilegeEscalation: true }), 'privilege escalation: container "app" must set securityContext.allowPrivilegeEscalation to false'],
    ['escalation unset', { ...RESTRICTED, containers: [{ name: 'app', securityContext: { capabilities: { drop: ['ALL'] } } }] },
      'privilege escalation: container "app" must set securityContext.allowPrivilegeEscalation to false'],
    ['root allowed by the container', withContainer({ runAsNonRoot: false }), 'running as non-root: container "app" must set securityContext.runAsNonRoot to true (or the pod must)'],
    ['uid 0', withContainer({ runAsUser: 0 }), 'running as non-root user: container "app" must not set runAsUser 0'],
    ['no seccomp profile', { ...RESTRICTED, securityContext: { runAsNonRoot: true } },
      'seccomp: container "app" must set securityContext.seccompProfile.type to RuntimeDefault or Localhost (or the pod must)'],
    ['an unconfined container', withContainer({ seccompProfile: { type: 'Unconfined' } }), 'seccomp: container "app" must not set seccompProfile.type Unconfined'],
    ['capabilities kept', withContainer({ capabilities: {} }), 'capabilities: container "app" must drop ALL capabilities'],
    ['a capability added', withContainer({ capabilities: { drop: ['ALL'], add: ['CHOWN', 'NET_BIND_SERVICE', 'SETUID'] } }),
      'capabilities: container "app" must add no capability but NET_BIND_SERVICE, not CHOWN, SETUID'],
    ['an unsafe sysctl', { ...RESTRICTED, securityContext: { ...RESTRICTED.securityContext, sysctls: [{ name: 'kernel.msgmax' }] } },
      'sysctls: the pod must not set the sysctl kernel.msgmax'],
    ['/proc unmasked', withContainer({ procMount: 'Unmasked' }), '/proc mount type: container "app" must not set procMount Unmasked'],
    ['an SELinux user', withContainer({ seLinuxOptions: { user: 'system_u' } }), 'SELinux: container "app" must not set seLinuxOptions.user or .role'],
    ['AppArmor unconfined', withContainer({ appArmorProfile: { type: 'Unconfined' } }), 'AppArmor: container "app" must not set appArmorProfile.type Unconfined'],
    ['a Windows host process', withContainer({ windowsOptions: { hostProcess: true } }), 'HostProcess: container "app" must not set windowsOptions.hostProcess'],
  ])('refuses %s', (_what, pod, problem) => {
    expect(restrictedViolations(pod as any)).toContain(problem);
  });

  test('init containers are held to the same controls', () => {
    expect(restrictedViolations({ ...RESTRICTED, initContainers: [{ name: 'init' }] })).toEqual([
      'privilege escalation: container "init" must set securityContext.allowPrivilegeEscalation to false',
      'capabilities: container "init" must drop ALL capabilities',
    ]);
  });

  test('finds the pod template of every workload kind', () => {
    const spec = { containers: [] };
    for (const kind of ['Deployment', 'DaemonSet', 'StatefulSet', 'ReplicaSet', 'Job']) expect(podSpecOf({ kind, spec: { template: { spec } } })).toBe(spec);
    expect(podSpecOf({ kind: 'CronJob', spec: { jobTemplate: { spec: { template: { spec } } } } })).toBe(spec);
    expect(podSpecOf({ kind: 'Pod', spec })).toBe(spec);
    expect(podSpecOf({ kind: 'Service', spec: {} })).toBeUndefined();
  });
});
