import { containerResources, ImageReference, Ipv4Subnet, NodeRole, restrictedViolations, Warnings } from '@cdk8s-vserver/core';
import { NfsFolder } from '@cdk8s-vserver/storage';
import {
  AcmeCertificateOptions, AuthorizedKeys, EgressProtocol, FramePolicy, Hsts, IssuerKind, LETS_ENCRYPT, NodeSpread, publicKeyProblem,
  ReferrerPolicy, ResponseHeaders, ServerCertificate, ServerEgress, WebSshServer, WebSshServerProps,
} from '@cdk8s-vserver/web-ssh-server';
import { Chart, Duration, Testing } from 'cdk8s';
import { find, Manifest, synth } from '../../support';

const HTTPD = ImageReference.of('master.test:5000/myrepo/httpd:v1');
const SSHD = ImageReference.of('master.test:5000/myrepo/sshd:v1');

const ALICE = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIADat1PWSVPy/gKi+0W0DUUcOvYft3FDAvWwiCaB8Vkm alice@laptop';

function server(props: Partial<WebSshServerProps> = {}, chart: Chart = Testing.chart()) {
  const docroot = new NfsFolder(chart, 'Docroot', { host: 'nas.test', path: '/export/web' });
  const construct = new WebSshServer(chart, 'MyWeb', { httpdImage: HTTPD, sshdImage: SSHD, docroot, ...props });
  return { chart, construct, manifests: synth(chart) };
}

function podSpec(manifests: Manifest[], name = 'my-web') {
  return find(manifests, 'Deployment', name).spec.template.spec;
}

function container(manifests: Manifest[], name: string) {
  return podSpec(manifests).containers.find((c: any) => c.name === name);
}

describe('the deployment', () => {
  const { manifests } = server();
  const deployment = find(manifests, 'Deployment', 'my-web');

  test('defaults to two replicas named after the construct id', () => {
    expect(deployment.spec.replicas).toBe(2);
    expect(deployment.metadata.name).toBe('my-web');
  });

  test('runs httpd on 8080 and sshd on 2222 (unprivileged ports) with the pinned images', () => {
    expect(container(manifests, 'httpd')).toMatchObject({ image: HTTPD.reference, ports: [{ containerPort: 8080, name: 'http' }], imagePullPolicy: 'IfNotPresent' });
    expect(container(manifests, 'sshd')).toMatchObject({ image: SSHD.reference, ports: [{ containerPort: 2222, name: 'ssh' }], imagePullPolicy: 'IfNotPresent' });
  });

  test('both containers mount the docroot claim at /var/www/html; httpd read-only', () => {
    const spec = podSpec(manifests);
    const docrootVolume = spec.volumes.find((v: any) => v.persistentVolumeClaim);
    expect(docrootVolume.persistentVolumeClaim.claimName).toBe('docroot');
    expect(container(manifests, 'httpd').volumeMounts).toContainEqual({ name: docrootVolume.name, mountPath: '/var/www/html', readOnly: true });
    expect(container(manifests, 'sshd').volumeMounts).toContainEqual({ name: docrootVolume.name, mountPath: '/var/www/html', readOnly: false });
  });

  test('runs only on worker nodes, through a real nodeSelector on the role label', () => {
    expect(podSpec(manifests).nodeSelector).toEqual({ role: 'worker' });
    expect(podSpec(manifests).affinity.nodeAffinity).toBeUndefined();
  });

  test('rolls out one extra pod at a time and never goes below the replica count', () => {
    expect(deployment.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
  });

  test('selects its pods by explicit, stable labels that the pod template carries', () => {
    expect(deployment.spec.selector).toEqual({ matchLabels: { 'app.kubernetes.io/name': 'web-ssh-server', 'app.kubernetes.io/instance': 'my-web' } });
    const podLabels = deployment.spec.template.metadata.labels;
    expect(podLabels).toMatchObject(deployment.spec.selector.matchLabels);
    expect(Object.keys(podLabels).some((k) => k.startsWith('cdk8s.io'))).toBe(false);
  });

  test('carries the standard labels', () => {
    expect(deployment.metadata.labels).toEqual({
      'app.kubernetes.io/name': 'web-ssh-server',
      'app.kubernetes.io/instance': 'my-web',
      'app.kubernetes.io/version': 'v1',
      'app.kubernetes.io/managed-by': 'cdk8s-vserver',
    });
  });

  test("probes httpd over HTTP, and sshd with the image's listening check (no connection for sshd to log)", () => {
    expect(container(manifests, 'httpd').readinessProbe.httpGet).toEqual({ path: '/healthz', port: 8080, scheme: 'HTTP' });
    expect(container(manifests, 'httpd').livenessProbe.httpGet).toEqual({ path: '/healthz', port: 8080, scheme: 'HTTP' });
    for (const probe of ['readinessProbe', 'livenessProbe']) {
      expect(container(manifests, 'sshd')[probe].exec).toEqual({ command: ['/usr/local/lib/web-ssh-server/listening'] });
      expect(container(manifests, 'sshd')[probe].tcpSocket).toBeUndefined();
    }
  });

  test('requests and limits resources for both containers', () => {
    for (const name of ['httpd', 'sshd']) {
      const resources = container(manifests, name).resources;
      expect(Object.keys(resources.requests).sort()).toEqual(['cpu', 'memory']);
      expect(Object.keys(resources.limits).sort()).toEqual(['cpu', 'memory']);
    }
  });
});

describe('failover and rollouts', () => {
  const { manifests } = server({ name: 'myweb' });
  const deployment = find(manifests, 'Deployment', 'myweb');
  const spec = deployment.spec.template.spec;

  test('never puts two pods on one node (required anti-affinity on the hostname)', () => {
    expect(spec.affinity).toEqual({
      podAntiAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [{
          labelSelector: { matchLabels: deployment.spec.selector.matchLabels }, topologyKey: 'kubernetes.io/hostname',
        }],
      },
    });
  });

  test('leaves a NotReady or unreachable node after 30 s instead of 300 s', () => {
    expect(spec.tolerations).toEqual([
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 },
    ]);
  });

  test('a PodDisruptionBudget keeps at least one of exactly these pods during drains', () => {
    const pdb = find(manifests, 'PodDisruptionBudget', 'myweb');
    expect(pdb.apiVersion).toBe('policy/v1');
    expect(pdb.spec).toEqual({ minAvailable: 1, selector: { matchLabels: deployment.spec.selector.matchLabels } });
  });

  test('counts a new pod as available as soon as it is ready, by default', () => {
    expect(deployment.spec.minReadySeconds).toBe(0);
  });

  test('version, eviction delay, preferred spread and minReady are props', () => {
    const { manifests: m } = server({
      name: 'v2', version: 'v2', evictionDelay: Duration.minutes(1), spread: NodeSpread.PREFERRED, minReady: Duration.seconds(10),
    });
    const d = find(m, 'Deployment', 'v2');
    expect(d.spec.template.spec.containers.map((c: any) => c.image)).toEqual(['master.test:5000/myrepo/httpd:v2', 'master.test:5000/myrepo/sshd:v2']);
    expect(d.spec.template.metadata.labels['app.kubernetes.io/version']).toBe('v2');
    expect(d.spec.template.spec.tolerations.map((t: any) => t.tolerationSeconds)).toEqual([60, 60]);
    expect(d.spec.minReadySeconds).toBe(10);
    expect(d.spec.template.spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight).toBe(100);
  });

  test('warns that one replica blocks drains', () => {
    const chart = Testing.chart();
    server({ replicas: 1 }, chart);
    expect(Warnings.collect(chart).filter((w) => !w.includes('serves no HTTPS')))
      .toEqual([expect.stringMatching(/^\[test\/MyWeb\] 'replicas' is 1: the PodDisruptionBudget/)]);
  });
});

describe('security', () => {
  const { manifests } = server();
  const spec = podSpec(manifests);

  test('gets no service-account token', () => {
    expect(spec.automountServiceAccountToken).toBe(false);
  });

  test('uses the runtime default seccomp profile', () => {
    expect(spec.securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
  });

  test.each([['httpd', 33], ['sshd', 1000]])('%s runs as uid %d (never root), with no capability, no escalation and a read-only root', (name, uid) => {
    expect(container(manifests, name).securityContext).toEqual({
      runAsUser: uid,
      runAsGroup: uid,
      runAsNonRoot: true,
      privileged: false,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
  });

  test("the pod's fsGroup is web's group: kubelet gives it the mounted Secrets (host keys, a TLS key)", () => {
    expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000 });
  });

  test('the pod passes Pod Security "restricted", with HTTPS by every source too', () => {
    expect(restrictedViolations(spec)).toEqual([]);
    const chart = Testing.chart();
    const acmeStore = new NfsFolder(chart, 'AcmeStore', { host: 'nas.test', path: '/export/web/.acme/my-web', claimName: 'my-web-acme' });
    const withAcme = server({ hostnames: ['www.example.org'], certificate: ServerCertificate.acme({ contactEmail: 'a@example.org' }), acmeStore }, chart);
    const withSecret = server({ hostnames: ['www.example.org'], certificate: ServerCertificate.fromSecret('shop-tls') });
    expect(restrictedViolations(podSpec(withAcme.manifests))).toEqual([]);
    expect(restrictedViolations(podSpec(withSecret.manifests))).toEqual([]);
  });

  test.each([['httpPort', 80], ['httpsPort', 443], ['sshPort', 22], ['sshPort', 1023]])('throws on %s %d: only root may listen below 1024', (prop, port) => {
    expect(() => server({ [prop]: port, ...(prop === 'httpsPort' ? { hostnames: ['www.example.org'], certificate: ServerCertificate.fromSecret('t') } : {}) }))
      .toThrow(`[test/MyWeb] '${prop}' must be 1024-65535: the container runs as a non-root user with no capability, and only root may listen below 1024. `
        + `The Service keeps the well-known port outside; leave '${prop}' out, got ${port}`);
  });
});

describe('SSH keys', () => {
  const volume = (manifests: Manifest[], name: string) => podSpec(manifests).volumes.find((v: any) => v.name === name);
  const mount = (manifests: Manifest[], name: string) => container(manifests, 'sshd').volumeMounts.find((m: any) => m.name === name);

  test('host keys come from the Secret <name>-ssh-host-keys, readable by root and the pod\'s fsGroup only, in sshd only', () => {
    const { manifests } = server();
    expect(volume(manifests, 'ssh-host-keys')).toEqual({ name: 'ssh-host-keys', secret: { secretName: 'my-web-ssh-host-keys', defaultMode: 0o440 } });
    expect(mount(manifests, 'ssh-host-keys')).toEqual({ name: 'ssh-host-keys', mountPath: '/etc/ssh/host-keys', readOnly: true });
    expect(container(manifests, 'httpd').volumeMounts.map((m: any) => m.name)).not.toContain('ssh-host-keys');
  });

  test('authorized keys default to the Secret <name>-ssh-authorized-keys, mounted whole for sshd to read at each login', () => {
    const { manifests } = server();
    expect(volume(manifests, 'ssh-authorized-keys')).toEqual({
      name: 'ssh-authorized-keys',
      secret: { secretName: 'my-web-ssh-authorized-keys', defaultMode: 0o444, items: [{ key: 'authorized_keys', path: 'authorized_keys' }] },
    });
    expect(mount(manifests, 'ssh-authorized-keys')).toEqual({ name: 'ssh-authorized-keys', mountPath: '/etc/ssh/web-ssh-server', readOnly: true });
    expect(manifests.map((m) => m.kind)).not.toContain('ConfigMap');
  });

  test('public keys given inline become a ConfigMap that the volume reads', () => {
    const { manifests, construct } = server({ authorizedKeys: AuthorizedKeys.fromPublicKeys([ALICE, `  ${ALICE.replace('alice', 'carol')}  `]) });
    const configMap = find(manifests, 'ConfigMap', 'my-web-ssh-authorized-keys');
    expect(configMap.data).toEqual({ authorized_keys: `${ALICE}\n${ALICE.replace('alice', 'carol')}\n` });
    expect(configMap.metadata.labels).toMatchObject({ 'app.kubernetes.io/instance': 'my-web' });
    expect(volume(manifests, 'ssh-authorized-keys').configMap).toEqual({
      name: 'my-web-ssh-authorized-keys', defaultMode: 0o444, items: [{ key: 'authorized_keys', path: 'authorized_keys' }],
    });
    expect(construct.authorizedKeysConfigMap?.name).toBe('my-web-ssh-authorized-keys');
  });

  test('an existing Secret and the host-key Secret are props', () => {
    const { manifests, construct } = server({ authorizedKeys: AuthorizedKeys.fromSecret('team-keys'), hostKeysSecret: 'shared.host-keys' });
    expect(volume(manifests, 'ssh-authorized-keys').secret.secretName).toBe('team-keys');
    expect(volume(manifests, 'ssh-host-keys').secret.secretName).toBe('shared.host-keys');
    expect(construct.hostKeysSecret).toBe('shared.host-keys');
  });

  test('no private key is ever written', () => {
    const { manifests } = server({ authorizedKeys: AuthorizedKeys.fromPublicKeys([ALICE]) });
    expect(JSON.stringify(manifests)).not.toMatch(/PRIVATE KEY/);
    expect(manifests.map((m) => m.kind)).not.toContain('Secret');
  });

  test.each([
    ['ssh-ed25519', ALICE],
    ['ssh-rsa', 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDXvCnCZw0ntrKQ'],
    ['a key without comment', ALICE.replace(' alice@laptop', '')],
  ])('accepts %s', (_what, key) => {
    expect(publicKeyProblem(key)).toBeUndefined();
  });
});

describe('the containers and their images', () => {
  const { manifests } = server({ httpPort: 8081, sshPort: 2022, docrootPath: '/srv/www' });

  test('tell the images their ports, docroot and penalty exemptions, so the props and the processes agree', () => {
    expect(container(manifests, 'httpd').env).toEqual([{ name: 'HTTP_PORT', value: '8081' }, { name: 'DOCROOT', value: '/srv/www' },
      { name: 'CONTENT_TYPE_NOSNIFF', value: 'true' }, { name: 'REFERRER_POLICY', value: 'strict-origin-when-cross-origin' }, { name: 'FRAME_OPTIONS', value: 'SAMEORIGIN' }]);
    expect(container(manifests, 'sshd').env).toEqual([{ name: 'SSH_PORT', value: '2022' }, { name: 'DOCROOT', value: '/srv/www' }, {
      name: 'SSH_PENALTY_EXEMPT', value: '10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,100.64.0.0/10,127.0.0.0/8,::1,fc00::/7,fe80::/10',
    }]);
  });

  test('imagePullSecrets name the registry\'s credentials for the pods; none by default', () => {
    expect(podSpec(server({ imagePullSecrets: ['harbor-robot'] }).manifests).imagePullSecrets).toEqual([{ name: 'harbor-robot' }]);
    expect(podSpec(server().manifests).imagePullSecrets).toBeUndefined();
    expect(() => server({ imagePullSecrets: ['Harbor Robot'] })).toThrow("[test/MyWeb] 'imagePullSecrets[0]' must be a DNS-1123 subdomain");
  });

  test('sftpOnly tells sshd to offer SFTP and scp only', () => {
    expect(container(server({ sftpOnly: true }).manifests, 'sshd').env[3]).toEqual({ name: 'SSH_SFTP_ONLY', value: 'true' });
    expect(container(server().manifests, 'sshd').env.map((e: any) => e.name)).not.toContain('SSH_SFTP_ONLY');
  });

  test("sshd's penalty exemptions are a prop; loopback and IPv6's private ranges stay exempt", () => {
    const m = server({ sshPenaltyExempt: [Ipv4Subnet.of('192.168.1.0/24')] }).manifests;
    expect(container(m, 'sshd').env[2]).toEqual({ name: 'SSH_PENALTY_EXEMPT', value: '192.168.1.0/24,127.0.0.0/8,::1,fc00::/7,fe80::/10' });
    expect(() => server({ sshPenaltyExempt: [Ipv4Subnet.of('192.168.1.7/24')] })).toThrow("[test/MyWeb] 'sshPenaltyExempt[0]' must be");
  });

  test('wait 5 s before stopping, while the pod leaves the Service', () => {
    for (const name of ['httpd', 'sshd']) {
      expect(container(manifests, name).lifecycle).toEqual({ preStop: { exec: { command: ['sleep', '5'] } } });
    }
  });

  test('write pid files and locks only to /run, an emptyDir, under a read-only root filesystem', () => {
    for (const name of ['httpd', 'sshd']) {
      const c = container(manifests, name);
      expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
      const run = c.volumeMounts.find((m: any) => m.mountPath === '/run');
      expect(podSpec(manifests).volumes.find((v: any) => v.name === run.name).emptyDir).toEqual({ sizeLimit: '16Mi' });
    }
  });
});

describe('the service', () => {
  const { manifests } = server({ name: 'myweb' });
  const service = find(manifests, 'Service', 'myweb');
  const deployment = find(manifests, 'Deployment', 'myweb');

  test('is named like the server and exposes named ports 80 and 22, to the containers\' 8080 and 2222', () => {
    expect(service.spec.ports).toEqual([
      { name: 'http', port: 80, targetPort: 8080 },
      { name: 'ssh', port: 22, targetPort: 2222 },
    ]);
    expect(service.spec.type).toBe('ClusterIP');
  });

  test('selects exactly the pods of the deployment', () => {
    expect(service.spec.selector).toEqual(deployment.spec.selector.matchLabels);
    const podLabels = deployment.spec.template.metadata.labels;
    for (const [key, value] of Object.entries(service.spec.selector)) {
      expect(podLabels[key]).toBe(value);
    }
  });

  test('targets ports the containers declare', () => {
    const declared = deployment.spec.template.spec.containers.flatMap((c: any) => c.ports.map((p: any) => p.containerPort));
    for (const port of service.spec.ports) expect(declared).toContain(port.targetPort);
  });
});

describe("the customer's copy of the newest backup (backups)", () => {
  test("sshd mounts the backups' folder read-only at /backups; httpd never mounts it", () => {
    const chart = Testing.chart();
    const backups = new NfsFolder(chart, 'Backups', { host: 'nas.test', path: '/export/backup/myweb', claimName: 'myweb-backup' });
    const { manifests } = server({ backups }, chart);
    expect(container(manifests, 'sshd').volumeMounts).toContainEqual({ name: 'backups', mountPath: '/backups', readOnly: true });
    expect(container(manifests, 'httpd').volumeMounts.map((m: any) => m.name)).not.toContain('backups');
    expect(podSpec(manifests).volumes).toContainEqual({ name: 'backups', persistentVolumeClaim: { claimName: 'myweb-backup', readOnly: false } });
    expect(restrictedViolations(podSpec(manifests))).toEqual([]);
  });

  test('without it, no such mount (negative control)', () => {
    const { manifests } = server();
    expect(container(manifests, 'sshd').volumeMounts.map((m: any) => m.name)).not.toContain('backups');
  });

  test('throws for a folder in another namespace than the server', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'web', { namespace: 'web' });
    const backups = new NfsFolder(new Chart(app, 'other', { namespace: 'backups' }), 'Backups', { host: 'nas.test', path: '/export/backup/myweb', claimName: 'myweb-backup' });
    expect(() => server({ backups }, chart)).toThrow("[web/MyWeb] 'backups' must be a claim in the server's own namespace \"web\"");
  });
});

describe('props', () => {
  test('name, replicas, ports, docroot path, probe path and version label', () => {
    const { manifests } = server({
      name: 'shop',
      replicas: 3,
      httpPort: 8081,
      sshPort: 2022,
      docrootPath: '/srv/www',
      httpProbePath: '/',
      httpdImage: HTTPD.withTag('v2'),
    });
    const deployment = find(manifests, 'Deployment', 'shop');
    expect(deployment.spec.replicas).toBe(3);
    expect(deployment.spec.template.metadata.labels['app.kubernetes.io/version']).toBe('v2');
    const httpd = deployment.spec.template.spec.containers[0];
    expect(httpd.image).toBe('master.test:5000/myrepo/httpd:v2');
    expect(httpd.readinessProbe.httpGet).toMatchObject({ path: '/', port: 8081 });
    expect(httpd.volumeMounts[0].mountPath).toBe('/srv/www');
    expect(find(manifests, 'Service', 'shop').spec.ports.map((p: any) => [p.port, p.targetPort])).toEqual([[80, 8081], [22, 2022]]);
  });

  test('sshServicePort publishes SSH on another Service port, still reaching sshd on 2222', () => {
    const { manifests } = server({ name: 'alt', sshServicePort: 2200 });
    expect(find(manifests, 'Service', 'alt').spec.ports).toEqual([
      { name: 'http', port: 80, targetPort: 8080 },
      { name: 'ssh', port: 2200, targetPort: 2222 },
    ]);
  });

  test('the node role decides the nodeSelector', () => {
    const { manifests } = server({ nodeRole: NodeRole.ROUTER });
    expect(podSpec(manifests).nodeSelector).toEqual({ role: 'router' });
  });

  test('two servers in one chart keep their own names and selectors', () => {
    const chart = Testing.chart();
    const docroot = new NfsFolder(chart, 'Docroot', { host: 'nas.test', path: '/export/web' });
    new WebSshServer(chart, 'A', { httpdImage: HTTPD, sshdImage: SSHD, docroot });
    new WebSshServer(chart, 'B', { httpdImage: HTTPD, sshdImage: SSHD, docroot });
    const manifests = synth(chart);
    expect(find(manifests, 'Service', 'a').spec.selector['app.kubernetes.io/instance']).toBe('a');
    expect(find(manifests, 'Service', 'b').spec.selector['app.kubernetes.io/instance']).toBe('b');
  });
});

describe('bad input', () => {
  test.each([
    ['an uppercase name', { name: 'MyWeb' }, /^\[test\/MyWeb\] 'name' must be a DNS-1123 label.*got "MyWeb"$/],
    ['an empty name', { name: '' }, /'name' must be a DNS-1123 label.*got ""$/],
    ['a name over 63 characters', { name: 'w'.repeat(64) }, /'name' must be a DNS-1123 label.*\(it has 64 characters\), got "w{64}"$/],
    ['zero replicas', { replicas: 0 }, "[test/MyWeb] 'replicas' must be an integer from 1 to 2147483647, got 0"],
    ['fractional replicas', { replicas: 1.5 }, "[test/MyWeb] 'replicas' must be an integer from 1 to 2147483647, got 1.5"],
    ['replicas beyond int32', { replicas: 2 ** 31 }, "[test/MyWeb] 'replicas' must be an integer from 1 to 2147483647, got 2147483648"],
    ['a minReady beyond int32', { minReady: Duration.seconds(2 ** 31) }, "[test/MyWeb] 'minReady (seconds)' must be an integer from 0 to 2147483647, got 2147483648"],
    ['a version that is no label value', { version: 'v2.' + 'x'.repeat(62) },
      /^\[test\/MyWeb\] 'version' must be usable as the label app.kubernetes.io\/version: at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit, got "v2.x{62}"$/],
    ['an image tag that is no label value', { httpdImage: ImageReference.of('master.test:5000/myrepo/httpd:_v1') },
      "[test/MyWeb] 'httpdImage (its tag)' must be usable as the label app.kubernetes.io/version: at most 63 letters, digits, '-', '_' or '.', "
      + 'starting and ending with a letter or digit, got "_v1"'],
    ['a version with an image pinned by digest', { version: 'v2', sshdImage: ImageReference.of(`master.test:5000/myrepo/sshd@sha256:${'a'.repeat(64)}`) },
      `[test/MyWeb] 'version' must not be set while 'sshdImage' is pinned by digest (master.test:5000/myrepo/sshd@sha256:${'a'.repeat(64)}): `
      + "a tag would replace the digest. Drop 'version', or pin both images by tag, got \"v2\""],
    ['a negative CPU request', { httpdResources: containerResources('-50m', '64Mi', '500m', '256Mi') },
      "[test/MyWeb] 'httpdResources.requests.cpu' must be a quantity of at least zero, such as '50m' or '64Mi' (containerResources('50m', '64Mi', '500m', '256Mi')), got \"-50m\""],
    ['a memory quantity that is no quantity', { sshdResources: containerResources('20m', '32 MB', '500m', '256Mi') },
      /'sshdResources.requests.memory' must be a quantity of at least zero.*got "32 MB"$/],
    ['a request above its limit', { sshdResources: containerResources('20m', '512Mi', '500m', '256Mi') },
      "[test/MyWeb] 'sshdResources.requests.memory' must be at most the limit (256Mi): the API server rejects a request above its limit, got \"512Mi\""],
    ['a role no node carries', { nodeRole: NodeRole.of('storage') },
      /^\[test\/MyWeb\] 'nodeRole' must be one of the site's node roles: NodeRole.ROUTER \(role=router\), NodeRole.WORKER \(role=worker\), got "storage"$/],
    ['an untagged image', { httpdImage: ImageReference.of('master.test:5000/myrepo/httpd') }, /^\[test\/MyWeb\] 'httpdImage' must be an ImageReference with a pinned tag.*this one has no tag, got "master.test:5000\/myrepo\/httpd"$/],
    ['the latest tag', { sshdImage: ImageReference.of('master.test:5000/myrepo/sshd:latest') }, /'sshdImage' must be .*this one uses the floating tag 'latest', got "master.test:5000\/myrepo\/sshd:latest"$/],
    ['duplicate ports', { httpPort: 2222 }, "[test/MyWeb] 'sshPort' must differ from 'httpPort' (2222): each port may be used once, got 2222"],
    ['an SSH Service port equal to the HTTP port', { sshServicePort: 80 },
      "[test/MyWeb] 'sshServicePort' must differ from 'httpServicePort' (80): each port may be used once, got 80"],
    ['an out-of-range port', { sshPort: 70000 }, "[test/MyWeb] 'sshPort' must be an integer from 1 to 65535, got 70000"],
    ['an unknown node role', { nodeRole: { name: 'worker', nodeSelector: { type: 'worker' } } as any },
      /^\[test\/MyWeb\] 'nodeRole' must be one of the site's node roles: NodeRole.ROUTER \(role=router\), NodeRole.WORKER \(role=worker\), got/],
    ['a relative docroot path', { docrootPath: 'www' },
      "[test/MyWeb] 'docrootPath' must be an absolute path without white space, \".\" or \"..\" segments, such as \"/var/www/html\", got \"www\""],
    ['a probe path without slash', { httpProbePath: 'healthz' },
      "[test/MyWeb] 'httpProbePath' must be an absolute path without white space, \".\" or \"..\" segments, such as \"/healthz\", got \"healthz\""],
    ['a floating version', { version: 'latest' }, /^\[test\/MyWeb\] 'version' must be a pinned image tag such as "v2" \(this one uses the floating tag 'latest'\), got "latest"$/],
    ['an unknown spread', { spread: 'always' as NodeSpread },
      "[test/MyWeb] 'spread' must be one of NodeSpread.REQUIRED (\"required\"), NodeSpread.PREFERRED (\"preferred\"), got \"always\""],
    ['a fractional eviction delay', { evictionDelay: Duration.millis(1500) },
      "[test/MyWeb] 'evictionDelay' must be a Duration of whole seconds, at least 0, such as Duration.seconds(30), got \"1.5 s\""],
    ['a fractional minReady', { minReady: Duration.millis(200) },
      "[test/MyWeb] 'minReady' must be a Duration of whole seconds, at least 0, such as Duration.seconds(30), got \"0.2 s\""],
    ['a host-key Secret name that is not a DNS name', { hostKeysSecret: 'My_Keys' },
      "[test/MyWeb] 'hostKeysSecret' must be a DNS-1123 subdomain of lowercase letters, digits, '-' and '.', such as \"myweb-ssh-host-keys\", got \"My_Keys\""],
    ['an authorized-keys Secret name that is not a DNS name', { authorizedKeys: AuthorizedKeys.fromSecret('keys/web') },
      /^\[test\/MyWeb\] 'authorizedKeys' must be a DNS-1123 subdomain .*got "keys\/web"$/],
    ['an empty key list', { authorizedKeys: AuthorizedKeys.fromPublicKeys([]) },
      "[test/MyWeb] 'authorizedKeys' must list at least one OpenSSH public key, such as the content of ~/.ssh/id_ed25519.pub, got []"],
    ['a key of an unknown type', { authorizedKeys: AuthorizedKeys.fromPublicKeys([ALICE.replace('ssh-ed25519', 'ssh-dss')]) },
      /^\[test\/MyWeb\] 'authorizedKeys\[0\]' must be an OpenSSH public key line .*\(this one starts with "ssh-dss", which is not an OpenSSH key type/],
    ['a key whose base64 is another type', { authorizedKeys: AuthorizedKeys.fromPublicKeys([ALICE, ALICE.replace('ssh-ed25519', 'ssh-rsa')]) },
      /'authorizedKeys\[1\]' must be an OpenSSH public key line .*\(this one has a base64 key that is not a ssh-rsa key\)/],
    ['a key with broken base64', { authorizedKeys: AuthorizedKeys.fromPublicKeys(['ssh-ed25519 AAAA!!!! x']) },
      /'authorizedKeys\[0\]' .*\(this one has no valid base64 key after the type\)/],
    ['a private key', { authorizedKeys: AuthorizedKeys.fromPublicKeys(['-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----']) },
      "[test/MyWeb] 'authorizedKeys[0]' must be an OpenSSH public key line \"type base64 [comment]\" such as \"ssh-ed25519 AAAAC3Nza... alice@laptop\" "
      + '(this one is a PRIVATE key: give the .pub file, and never put a private key in the site), got "<a private key, not shown>"'],
    ['a path instead of a key', { authorizedKeys: AuthorizedKeys.fromPublicKeys(['~/.ssh/id_ed25519.pub']) },
      /'authorizedKeys\[0\]' .*\(this one starts with "~\/.ssh\/id_ed25519.pub", which is not an OpenSSH key type/],
  ])('throws for %s', (_what, props, message) => {
    expect(() => server(props as Partial<WebSshServerProps>)).toThrow(message);
  });
});

describe('HTTPS', () => {
  const acmeStore = (chart: Chart, accessMode?: 'ReadWriteOnce') =>
    new NfsFolder(chart, 'AcmeStore', { host: 'nas.test', path: '/export/web/.acme/my-web', claimName: 'my-web-acme', accessMode });
  const acme = (options: Partial<AcmeCertificateOptions> = {}) => ServerCertificate.acme({ contactEmail: 'webmaster@example.org', ...options });
  const withAcme = (props: Partial<WebSshServerProps> = {}) => {
    const chart = Testing.chart();
    return server({ hostnames: ['www.example.org', 'example.org'], certificate: acme(), acmeStore: acmeStore(chart), ...props }, chart);
  };

  describe('without a certificate (the default)', () => {
    const { chart, manifests } = server();

    test('serves HTTP only: no port 443, no TLS settings, and a warning says so', () => {
      expect(find(manifests, 'Service', 'my-web').spec.ports.map((p: any) => p.name)).toEqual(['http', 'ssh']);
      expect(container(manifests, 'httpd').env.map((e: any) => e.name)).toEqual(['HTTP_PORT', 'DOCROOT', 'CONTENT_TYPE_NOSNIFF', 'REFERRER_POLICY', 'FRAME_OPTIONS']);
      expect(Warnings.collect(chart)).toContainEqual(expect.stringMatching(
        /^\[test\/MyWeb\] serves no HTTPS: browsers mark every page "Not secure" .* Give it 'hostnames' and a 'certificate'/));
    });

    test('with hostnames, httpd answers them, and the warning names them', () => {
      const named = server({ hostnames: ['www.example.org'] });
      expect(container(named.manifests, 'httpd').env).toContainEqual({ name: 'SERVER_NAMES', value: 'www.example.org' });
      expect(Warnings.collect(named.chart)).toContainEqual(expect.stringContaining('serves no HTTPS for www.example.org'));
    });
  });

  describe('by ACME in the server (mod_md)', () => {
    const { manifests, construct, chart } = withAcme();
    const httpd = container(manifests, 'httpd');

    test('port 443 on the pod and the Service, beside HTTP and SSH', () => {
      expect(httpd.ports).toEqual([{ containerPort: 8080, name: 'http' }, { containerPort: 8443, name: 'https' }]);
      expect(find(manifests, 'Service', 'my-web').spec.ports).toEqual([
        { name: 'http', port: 80, targetPort: 8080 }, { name: 'https', port: 443, targetPort: 8443 }, { name: 'ssh', port: 22, targetPort: 2222 },
      ]);
    });

    test("tells the image its names, Let's Encrypt's directory, the contact and the redirect", () => {
      expect(Object.fromEntries(httpd.env.map((e: any) => [e.name, e.value]))).toEqual({
        HTTP_PORT: '8080',
        DOCROOT: '/var/www/html',
        SERVER_NAMES: 'www.example.org example.org',
        HTTPS_PORT: '8443',
        TLS: 'acme',
        ACME_DIRECTORY: LETS_ENCRYPT,
        ACME_EMAIL: 'webmaster@example.org',
        HTTP_TO_HTTPS: 'true',
        CONTENT_TYPE_NOSNIFF: 'true',
        REFERRER_POLICY: 'strict-origin-when-cross-origin',
        FRAME_OPTIONS: 'SAMEORIGIN',
      });
      expect(construct.hostnames).toEqual(['www.example.org', 'example.org']);
      expect(Warnings.collect(chart)).toEqual([]);
    });

    test('mounts the shared ACME store read-write in httpd only, never in sshd', () => {
      const spec = podSpec(manifests);
      expect(spec.volumes).toContainEqual({ name: 'acme-store', persistentVolumeClaim: { claimName: 'my-web-acme', readOnly: false } });
      expect(httpd.volumeMounts).toContainEqual({ name: 'acme-store', mountPath: '/var/lib/web-ssh-server/md', readOnly: false });
      expect(container(manifests, 'sshd').volumeMounts.map((m: any) => m.name)).not.toContain('acme-store');
    });

    test("a private CA's ConfigMap and an External Account Binding Secret are mounted where the image reads them", () => {
      const chart2 = Testing.chart();
      const certificate = acme({ directory: 'https://ca.lan:14000/dir', directoryCaConfigMap: 'lan-ca', externalAccountBindingSecret: 'zerossl-eab' });
      const m = server({ hostnames: ['www.example.org'], acmeStore: acmeStore(chart2), certificate }, chart2).manifests;
      expect(podSpec(m).volumes).toEqual(expect.arrayContaining([
        { name: 'acme-ca', configMap: { name: 'lan-ca', items: [{ key: 'ca.crt', path: 'ca.crt' }], defaultMode: 0o444 } },
        { name: 'acme-eab', secret: { secretName: 'zerossl-eab', items: [{ key: 'eab.json', path: 'eab.json' }], defaultMode: 0o400 } },
      ]));
      expect(container(m, 'httpd').volumeMounts).toEqual(expect.arrayContaining([
        { name: 'acme-ca', mountPath: '/etc/web-ssh-server/acme-ca', readOnly: true },
        { name: 'acme-eab', mountPath: '/etc/web-ssh-server/acme-eab', readOnly: true },
      ]));
      expect(container(m, 'httpd').env).toContainEqual({ name: 'ACME_DIRECTORY', value: 'https://ca.lan:14000/dir' });
    });

    test('HSTS opt-in, the redirect switched off, another pod port', () => {
      const m = withAcme({ hsts: Hsts.maxAge(Duration.days(365)), redirectToHttps: false, httpsPort: 9443 }).manifests;
      const env = Object.fromEntries(container(m, 'httpd').env.map((e: any) => [e.name, e.value]));
      expect(env).toMatchObject({ HSTS: 'max-age=31536000', HTTP_TO_HTTPS: 'false', HTTPS_PORT: '9443' });
      expect(find(m, 'Service', 'my-web').spec.ports[1]).toEqual({ name: 'https', port: 443, targetPort: 9443 });
    });

    test.each([
      [Hsts.preloadReady(), 'max-age=63072000; includeSubDomains; preload'],
      [Hsts.maxAge(Duration.minutes(5)), 'max-age=300'],
      [Hsts.maxAge(Duration.days(180), { includeSubdomains: true }), 'max-age=15552000; includeSubDomains'],
    ])('HSTS %s is the header %s', (hsts, header) => {
      const env = Object.fromEntries(container(withAcme({ hsts }).manifests, 'httpd').env.map((e: any) => [e.name, e.value]));
      expect(env.HSTS).toBe(header);
    });

    test('response headers: nosniff, the Referrer-Policy and the frame policy are props; FramePolicy.ANY sends none', () => {
      const env = (responseHeaders: ResponseHeaders) => Object.fromEntries(container(withAcme({ responseHeaders }).manifests, 'httpd').env
        .map((e: any) => [e.name, e.value]).filter(([n]: string[]) => ['CONTENT_TYPE_NOSNIFF', 'REFERRER_POLICY', 'FRAME_OPTIONS'].includes(n)));
      expect(env({ contentTypeNosniff: false, referrerPolicy: ReferrerPolicy.NO_REFERRER, framing: FramePolicy.DENY }))
        .toEqual({ CONTENT_TYPE_NOSNIFF: 'false', REFERRER_POLICY: 'no-referrer', FRAME_OPTIONS: 'DENY' });
      expect(env({ framing: FramePolicy.ANY })).toEqual({ CONTENT_TYPE_NOSNIFF: 'true', REFERRER_POLICY: 'strict-origin-when-cross-origin' });
    });
  });

  describe('by cert-manager', () => {
    const certificate = ServerCertificate.certManager({ issuer: 'letsencrypt', issuerKind: IssuerKind.CLUSTER_ISSUER, renewBefore: Duration.days(30) });
    const { manifests, construct } = server({ hostnames: ['*.example.org', 'example.org'], certificate });

    test('a Certificate for the names (wildcards too) from the named issuer, into the Secret httpd mounts whole', () => {
      expect(find(manifests, 'Certificate', 'my-web-tls').spec).toEqual({
        secretName: 'my-web-tls',
        dnsNames: ['*.example.org', 'example.org'],
        issuerRef: { name: 'letsencrypt', kind: 'ClusterIssuer', group: 'cert-manager.io' },
        privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' },
        renewBefore: '2592000s',
        secretTemplate: { labels: { 'app.kubernetes.io/name': 'web-ssh-server', 'app.kubernetes.io/instance': 'my-web', 'app.kubernetes.io/managed-by': 'cdk8s-vserver' } },
      });
      expect(podSpec(manifests).volumes).toContainEqual({
        name: 'tls', secret: { secretName: 'my-web-tls', items: [{ key: 'tls.crt', path: 'tls.crt' }, { key: 'tls.key', path: 'tls.key' }], defaultMode: 0o400 },
      });
      // mounted whole (no subPath): kubelet replaces the files when cert-manager renews
      expect(container(manifests, 'httpd').volumeMounts).toContainEqual({ name: 'tls', mountPath: '/etc/web-ssh-server/tls', readOnly: true });
      expect(container(manifests, 'httpd').env).toContainEqual({ name: 'TLS', value: 'files' });
      expect(construct.tlsSecret).toBe('my-web-tls');
    });

    test("cert-manager's default issuer kind is Issuer", () => {
      const m = server({ hostnames: ['www.example.org'], certificate: ServerCertificate.certManager({ issuer: 'ca', secretName: 'web-cert' }) }).manifests;
      expect(find(m, 'Certificate', 'my-web-tls').spec).toMatchObject({ issuerRef: { name: 'ca', kind: 'Issuer' }, secretName: 'web-cert' });
    });
  });

  test('from an existing Secret: mounted, no Certificate', () => {
    const { manifests } = server({ hostnames: ['www.example.org'], certificate: ServerCertificate.fromSecret('bought-tls') });
    expect(podSpec(manifests).volumes).toContainEqual(expect.objectContaining({ name: 'tls', secret: expect.objectContaining({ secretName: 'bought-tls' }) }));
    expect(manifests.filter((o) => o.kind === 'Certificate')).toEqual([]);
  });

  describe('bad input', () => {
    const cases: Array<[string, () => unknown, string]> = [
      ['a hostname that is not a DNS name', () => server({ hostnames: ['www example.org'] }),
        "[test/MyWeb] 'hostnames[0]' must be a DNS name such as \"www.example.org\" (this one is not a DNS name of lowercase letters, digits, \"-\" and \".\" (labels of 1-63 characters)), got \"www example.org\""],
      ['an IP address as hostname', () => server({ hostnames: ['192.168.1.31'] }), 'is an IP address: a certificate and name-based HTTPS need DNS names'],
      ['a hostname in capitals', () => server({ hostnames: ['WWW.example.org'] }), 'has capitals: write it in lowercase ("www.example.org")'],
      ['a single-label hostname', () => server({ hostnames: ['intranet'] }), 'is a single label'],
      ['one hostname twice', () => server({ hostnames: ['a.example.org', 'a.example.org'] }), "'hostnames[1]' must be listed once"],
      ['a certificate without hostnames', () => server({ certificate: ServerCertificate.fromSecret('x') }),
        "'hostnames' must list the DNS names the Secret certificate covers"],
      ['a wildcard with ACME (HTTP-01)', () => withAcme({ hostnames: ['*.example.org'] }),
        'must not be ACME in the server for a wildcard hostname: HTTP-01 cannot prove a wildcard, only DNS-01 can. Use ServerCertificate.certManager()'],
      ['ACME without a contact email', () => withAcme({ certificate: acme({ contactEmail: '' }) }), "'certificate contactEmail' must be an email address"],
      ['a directory URL that is not https', () => withAcme({ certificate: acme({ directory: 'http://ca.lan/dir' }) }),
        "'certificate directory' must be the https:// URL of an ACME directory"],
      ['ACME without a store', () => server({ hostnames: ['www.example.org'], certificate: acme() }), "'acmeStore' must be given with ServerCertificate.acme()"],
      ['a ReadWriteOnce store with two replicas', () => { const c = Testing.chart(); return server({ hostnames: ['www.example.org'], certificate: acme(), acmeStore: acmeStore(c, 'ReadWriteOnce') }, c); },
        "'acmeStore' must be ReadWriteMany with more than one replica"],
      ['a cert-manager issuer without a name', () => server({ hostnames: ['www.example.org'], certificate: ServerCertificate.certManager({ issuer: '' }) }),
        "'certificate issuer' must name the cert-manager Issuer or ClusterIssuer"],
      ['a Secret name that is not a DNS name', () => server({ hostnames: ['www.example.org'], certificate: ServerCertificate.fromSecret('My_Cert') }),
        "'certificate' must be a DNS-1123 subdomain"],
      ['HSTS without HTTPS', () => server({ hsts: Hsts.maxAge(Duration.days(1)) }), "'hsts' must be left out without a certificate"],
      ['HSTS as a plain Duration (before 0.9.0)', () => withAcme({ hsts: Duration.days(365) as any }),
        "[test/MyWeb] 'hsts' must be an Hsts: Hsts.maxAge(Duration.days(365)) or Hsts.preloadReady() (a plain Duration until 0.9.0), got \"365 days\""],
      ['HSTS of part of a second', () => withAcme({ hsts: Hsts.maxAge(Duration.millis(500)) }), "[test/MyWeb] 'hsts' must be a Duration of whole seconds, at least 1"],
      ['a Referrer-Policy that is not one', () => server({ responseHeaders: { referrerPolicy: 'never' as ReferrerPolicy } }),
        "[test/MyWeb] 'responseHeaders.referrerPolicy' must be one of NO_REFERRER (\"no-referrer\")"],
      ['a frame policy that is not one', () => server({ responseHeaders: { framing: 'ALLOW-FROM x' as FramePolicy } }),
        "[test/MyWeb] 'responseHeaders.framing' must be one of \"DENY\", SAME_ORIGIN (\"SAMEORIGIN\"), ANY (\"any\"), got \"ALLOW-FROM x\""],
      ['nosniff that is not a boolean', () => server({ responseHeaders: { contentTypeNosniff: 'yes' as any } }),
        "[test/MyWeb] 'responseHeaders.contentTypeNosniff' must be true or false, got \"yes\""],
      ['a redirect without HTTPS', () => server({ redirectToHttps: true }), "'redirectToHttps' must be left out without a certificate"],
      ['an ACME store without ACME', () => { const c = Testing.chart(); return server({ acmeStore: acmeStore(c) }, c); }, "'acmeStore' must be given only with ServerCertificate.acme()"],
      ['HTTPS on the HTTP port', () => withAcme({ httpsPort: 8080 }), "'httpsPort' must differ from 'httpPort' (8080)"],
    ];
    test.each(cases)('throws on %s', (_what, make, message) => {
      expect(make).toThrow(message);
    });
  });
});

describe('NetworkPolicy', () => {
  const policy = (manifests: Manifest[]) => find(manifests, 'NetworkPolicy', 'my-web').spec;
  const tcp = (port: number) => ({ protocol: 'TCP', port });

  test('in: anyone, to the containers\' own ports only; out: nothing, by default', () => {
    const { manifests, construct } = server();
    expect(policy(manifests)).toEqual({
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'web-ssh-server', 'app.kubernetes.io/instance': 'my-web' } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ ports: [tcp(8080), tcp(2222)] }],
    });
    expect(construct.networkPolicy.name).toBe('my-web');
  });

  test('HTTPS adds its port; ACME by an address reaches exactly the directory, by a name DNS and the internet\'s port 443', () => {
    const chart = Testing.chart();
    const store = new NfsFolder(chart, 'AcmeStore', { host: 'nas.test', path: '/export/web/.acme/my-web', claimName: 'my-web-acme' });
    const lab = server({
      hostnames: ['www.example.org'], acmeStore: store, certificate: ServerCertificate.acme({ contactEmail: 'a@example.org', directory: 'https://192.168.1.10:14000/dir' }),
    }, chart).manifests;
    expect(policy(lab).ingress).toEqual([{ ports: [tcp(8080), tcp(8443), tcp(2222)] }]);
    expect(policy(lab).egress).toEqual([{ to: [{ ipBlock: { cidr: '192.168.1.10/32' } }], ports: [tcp(14000)] }]);
    const chart2 = Testing.chart();
    const store2 = new NfsFolder(chart2, 'AcmeStore', { host: 'nas.test', path: '/export/web/.acme/my-web', claimName: 'my-web-acme' });
    const public_ = server({ hostnames: ['www.example.org'], acmeStore: store2, certificate: ServerCertificate.acme({ contactEmail: 'a@example.org' }) }, chart2).manifests;
    expect(policy(public_).egress).toEqual([
      {
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
        ports: [{ protocol: 'UDP', port: 53 }, tcp(53)],
      },
      { to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16'] } }], ports: [tcp(443)] },
    ]);
    // a Secret needs nothing out
    expect(policy(server({ hostnames: ['www.example.org'], certificate: ServerCertificate.fromSecret('t') }).manifests).egress).toBeUndefined();
  });

  test('egress lists what a customer fetches from; DNS once, however many entries need it', () => {
    const { manifests } = server({
      egress: [ServerEgress.dns(), ServerEgress.to(Ipv4Subnet.of('192.168.1.20/32'), [443, 80]), ServerEgress.dns(), ServerEgress.internet([9418])],
    });
    const egress = policy(manifests).egress;
    expect(egress.map((e: any) => e.ports)).toEqual([[{ protocol: 'UDP', port: 53 }, tcp(53)], [tcp(443), tcp(80)], [tcp(9418)]]);
    expect(egress[1].to).toEqual([{ ipBlock: { cidr: '192.168.1.20/32' } }]);
    expect(ServerEgress.to(Ipv4Subnet.of('192.168.1.20/32'), [53], EgressProtocol.UDP).rules()[0].ports).toEqual([{ protocol: 'UDP', port: { value: 53 } }]);
  });

  test.each([
    ['a subnet with host bits', ServerEgress.to(Ipv4Subnet.of('192.168.1.20/24'), [443]), "'egress[0] (its subnet)' must be"],
    ['no port', ServerEgress.to(Ipv4Subnet.of('192.168.1.20/32'), []), "'egress[0] (its ports)' must list at least one port, such as [443]"],
    ['port 0', ServerEgress.internet([0]), "'egress[0] (its ports[0])' must be a port 1-65535, got 0"],
    ['a port above 65535', ServerEgress.internet([443, 70000]), "'egress[0] (its ports[1])' must be a port 1-65535, got 70000"],
    ['a protocol that is neither', ServerEgress.to(Ipv4Subnet.of('192.168.1.20/32'), [443], 'SCTP' as EgressProtocol), "'egress[0] (its protocol)' must be EgressProtocol.TCP"],
    ['an address in place of an entry', '192.168.1.20:443' as unknown as ServerEgress, "'egress[0]' must be a ServerEgress"],
  ])('throws on an egress entry with %s', (_what, entry, message) => {
    expect(() => server({ egress: [entry] })).toThrow(message);
  });
});
