import {
  ImageReference, MANAGED_BY, NodeRole, requireDistinctPorts, requireInteger, requireNodeRole, requirePinnedImage, resourceName, SiteError,
  Warnings,
} from '@cdk8s-vserver/site';
import { IDocroot } from '@cdk8s-vserver/storage';
import { ApiObject, Duration, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-22';
import { Construct } from 'constructs';
import { AuthorizedKeys, requireSecretName } from './ssh-keys';

/** Props of {@link WebSshServer}. */
export interface WebSshServerProps {
  /**
   * Name of the Deployment and the Service (`kubectl get svc <name>`), and the `app.kubernetes.io/instance` label.
   * A DNS-1123 label of at most 63 characters; never hashed, so renaming the construct's id keeps it.
   * @default - the construct id in kebab case
   */
  readonly name?: string;

  /**
   * Number of pods.
   * @default 2
   */
  readonly replicas?: number;

  /** The httpd image, pinned (`ImageReference.of('master.test:5000/myrepo/httpd:v1')`). */
  readonly httpdImage: ImageReference;

  /** The sshd image, pinned (`ImageReference.of('master.test:5000/myrepo/sshd:v1')`). */
  readonly sshdImage: ImageReference;

  /** The web docroot both containers mount (an `NfsDocroot`). */
  readonly docroot: IDocroot;

  /**
   * Where both containers mount the docroot.
   * @default '/var/www/html'
   */
  readonly docrootPath?: string;

  /**
   * The node role the pods run on, rendered as `spec.template.spec.nodeSelector` (`role: worker`).
   * @default NodeRole.WORKER
   */
  readonly nodeRole?: NodeRole;

  /**
   * Who may log in over SSH as the `web` user.
   * @default AuthorizedKeys.fromSecret('<name>-ssh-authorized-keys') - a Secret the operator creates with
   * `kubectl create secret generic <name>-ssh-authorized-keys --from-file=authorized_keys=$HOME/.ssh/id_ed25519.pub`
   */
  readonly authorizedKeys?: AuthorizedKeys;

  /**
   * Name of the Secret that holds the server's SSH host key(s) (`ssh_host_ed25519_key`, and optionally
   * `ssh_host_rsa_key`, `ssh_host_ecdsa_key`). Every replica mounts the same Secret, so every pod behind the
   * Service shows the same host key. The operator creates it once per server (see the README); synth never writes
   * a private key. Pods wait in ContainerCreating until it exists.
   * @default '<name>-ssh-host-keys'
   */
  readonly hostKeysSecret?: string;

  /**
   * Port httpd listens on in the pod, and the Service's `http` port.
   * @default 80
   */
  readonly httpPort?: number;

  /**
   * Port sshd listens on in the pod, and the Service's `ssh` port.
   * @default 22
   */
  readonly sshPort?: number;

  /**
   * The Service port that forwards to sshd. Publishing SSH on a VIP at port 22 clashes with the router node's
   * own sshd (it listens on 0.0.0.0:22); another port here (2222) avoids that.
   * @default - the same as `sshPort`
   */
  readonly sshServicePort?: number;

  /**
   * Path httpd answers with 200 while it is healthy (readiness and liveness probes).
   * The images of this package serve `/healthz` from outside the docroot, so an empty docroot is still ready.
   * @default '/healthz'
   */
  readonly httpProbePath?: string;

  /**
   * The version both images run: replaces the tag of `httpdImage` and `sshdImage`. Changing it is all a
   * rolling update takes.
   * @default - the tags of the two images as given
   */
  readonly version?: string;

  /**
   * How the pods spread over the nodes of their role.
   * @default NodeSpread.REQUIRED
   */
  readonly spread?: NodeSpread;

  /**
   * How long a pod stays bound to a node that stopped answering (NotReady or unreachable) before it is evicted
   * and replaced on another node. Kubernetes' default is 300 s; a web server with a second replica behind the
   * Service is better served by moving soon, while a short network blip must not move it. Total failover is
   * about the node monitor grace period (40 s by default) plus this delay plus the new pod's start.
   * @default Duration.seconds(30)
   */
  readonly evictionDelay?: Duration;

  /**
   * How long a new pod must be ready before it counts as available during a rollout (`minReadySeconds`).
   * @default Duration.seconds(0)
   */
  readonly minReady?: Duration;

  /**
   * Resources of the httpd container.
   * @default - requests 50m CPU / 64Mi memory, limits 500m CPU / 256Mi memory
   */
  readonly httpdResources?: kplus.ContainerResources;

  /**
   * Resources of the sshd container.
   * @default - requests 20m CPU / 32Mi memory, limits 500m CPU / 256Mi memory
   */
  readonly sshdResources?: kplus.ContainerResources;
}

/**
 * How a server's pods spread over the nodes of its role.
 */
export enum NodeSpread {
  /**
   * Never two pods of the server on one node (required pod anti-affinity on `kubernetes.io/hostname`), so one
   * dead node never takes more than one pod. A rolling update needs `replicas + 1` nodes (maxSurge 1).
   */
  REQUIRED = 'required',
  /** Prefer different nodes, but share a node when no other fits (preferred pod anti-affinity). */
  PREFERRED = 'preferred',
}

/** The label a virtual server's pods carry with the application name. */
export const APP_NAME = 'web-ssh-server';

const DEFAULT_HTTPD_RESOURCES: kplus.ContainerResources = {
  cpu: { request: kplus.Cpu.millis(50), limit: kplus.Cpu.millis(500) },
  memory: { request: Size.mebibytes(64), limit: Size.mebibytes(256) },
};
const DEFAULT_SSHD_RESOURCES: kplus.ContainerResources = {
  cpu: { request: kplus.Cpu.millis(20), limit: kplus.Cpu.millis(500) },
  memory: { request: Size.mebibytes(32), limit: Size.mebibytes(256) },
};

/** Where the sshd image reads its host keys and its authorized keys (see images/sshd). */
const HOST_KEYS_DIR = '/etc/ssh/host-keys';
const AUTHORIZED_KEYS_DIR = '/etc/ssh/web-ssh-server';
/** The sshd image's probe: exits 0 while sshd listens on SSH_PORT. */
const SSHD_LISTENING = '/usr/local/lib/web-ssh-server/listening';

/**
 * Before a container is stopped, wait while the endpoint controller and every node's kube-proxy take the pod out
 * of the Service, so a rollout or a drain never sends a new connection to a process that is already gone.
 */
const DRAIN = kplus.Handler.fromCommand(['sleep', '5']);

/** Readiness: out of the Service within 10 s of failing. Liveness: restarted after 30 s of failing. */
const READINESS = { periodSeconds: Duration.seconds(5), failureThreshold: 2 };
const LIVENESS = { initialDelaySeconds: Duration.seconds(10), periodSeconds: Duration.seconds(10), failureThreshold: 3 };

/**
 * Linux capabilities each container keeps; everything else is dropped.
 * httpd's master binds port 80 as root and switches its workers to an unprivileged user.
 * sshd binds port 22, chroots its privilege-separation child, and switches to the logged-in user.
 */
const HTTPD_CAPABILITIES = ['CHOWN', 'SETGID', 'SETUID', 'NET_BIND_SERVICE'];
const SSHD_CAPABILITIES = ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'SETGID', 'SETUID', 'NET_BIND_SERVICE', 'SYS_CHROOT', 'AUDIT_WRITE', 'KILL'];

/**
 * A virtual server: a Deployment of pods that each run httpd and sshd over one shared web docroot, and the
 * Service that reaches them. Content edited over SSH is served over HTTP.
 *
 * - Pods are selected by explicit labels (`app.kubernetes.io/name` and `instance`), never by a hashed label,
 *   because a Deployment's selector cannot change after creation.
 * - Both images start as root (binding ports 80 and 22, switching users): the containers run as UID 0 but
 *   keep only the capabilities they need, cannot escalate privileges, use a read-only root filesystem with
 *   small writable scratch folders, and get no service-account token.
 * - A rolling update adds one new pod before it removes an old one (maxSurge 1, maxUnavailable 0).
 */
export class WebSshServer extends Construct {
  /** Name of the Deployment and the Service. */
  public readonly name: string;
  /** The Deployment. */
  public readonly deployment: kplus.Deployment;
  /** The Service, with ports `http` and `ssh`. */
  public readonly service: kplus.Service;
  /** The httpd container. */
  public readonly httpd: kplus.Container;
  /** The sshd container. */
  public readonly sshd: kplus.Container;
  /** Name of the Secret with the SSH host keys. */
  public readonly hostKeysSecret: string;
  /** The ConfigMap of the authorized keys, when they were given as public keys (`AuthorizedKeys.fromPublicKeys`). */
  public readonly authorizedKeysConfigMap?: kplus.ConfigMap;
  /** The PodDisruptionBudget: at least one pod stays during voluntary disruptions. */
  public readonly podDisruptionBudget: ApiObject;
  /** Labels that select this server's pods (Service selector and Deployment selector). */
  public readonly selectorLabels: Record<string, string>;

  constructor(scope: Construct, id: string, props: WebSshServerProps) {
    super(scope, id);
    this.name = resourceName(this, 'name', props.name);
    const replicas = requireInteger(this, 'replicas', props.replicas ?? 2, 1);
    let httpdImage = requirePinnedImage(this, 'httpdImage', props.httpdImage);
    let sshdImage = requirePinnedImage(this, 'sshdImage', props.sshdImage);
    if (props.version !== undefined) {
      const problem = typeof props.version === 'string' ? httpdImage.withTag(props.version).problem : 'is not a string';
      if (problem) {
        throw SiteError.invalidProp(this, 'version', props.version, `be a pinned image tag such as "v2" (this one ${problem})`);
      }
      httpdImage = httpdImage.withTag(props.version);
      sshdImage = sshdImage.withTag(props.version);
    }
    const spread = props.spread ?? NodeSpread.REQUIRED;
    if (!Object.values(NodeSpread).includes(spread)) {
      throw SiteError.invalidProp(this, 'spread', spread, 'be NodeSpread.REQUIRED or NodeSpread.PREFERRED');
    }
    const evictionSeconds = (props.evictionDelay ?? Duration.seconds(30)).toSeconds({ integral: false });
    requireInteger(this, 'evictionDelay (seconds)', evictionSeconds, 0);
    const minReadySeconds = (props.minReady ?? Duration.seconds(0)).toSeconds({ integral: false });
    requireInteger(this, 'minReady (seconds)', minReadySeconds, 0);
    const httpPort = props.httpPort ?? 80;
    const sshPort = props.sshPort ?? 22;
    requireDistinctPorts(this, { httpPort, sshPort });
    const sshServicePort = props.sshServicePort ?? sshPort;
    requireDistinctPorts(this, { httpPort, sshServicePort });
    const nodeRole = requireNodeRole(this, 'nodeRole', props.nodeRole ?? NodeRole.WORKER);
    const docrootPath = props.docrootPath ?? '/var/www/html';
    if (typeof docrootPath !== 'string' || !docrootPath.startsWith('/')) {
      throw SiteError.invalidProp(this, 'docrootPath', docrootPath, 'be an absolute path such as "/var/www/html"');
    }
    const probePath = props.httpProbePath ?? '/healthz';
    if (typeof probePath !== 'string' || !probePath.startsWith('/')) {
      throw SiteError.invalidProp(this, 'httpProbePath', probePath, 'be a URL path starting with "/", such as "/healthz"');
    }
    if (!props.docroot || typeof props.docroot.mountInto !== 'function') {
      throw SiteError.invalidProp(this, 'docroot', props.docroot, 'be a docroot such as an NfsDocroot');
    }
    this.hostKeysSecret = requireSecretName(this, 'hostKeysSecret', props.hostKeysSecret ?? `${this.name}-ssh-host-keys`);
    const authorizedKeys = props.authorizedKeys ?? AuthorizedKeys.fromSecret(`${this.name}-ssh-authorized-keys`);
    if (!(authorizedKeys instanceof AuthorizedKeys)) {
      throw SiteError.invalidProp(this, 'authorizedKeys', authorizedKeys,
        'be AuthorizedKeys.fromPublicKeys([...]) or AuthorizedKeys.fromSecret("<secret name>")');
    }
    authorizedKeys.validate(this, 'authorizedKeys');

    this.selectorLabels = {
      'app.kubernetes.io/name': APP_NAME,
      'app.kubernetes.io/instance': this.name,
    };
    const labels = {
      ...this.selectorLabels,
      'app.kubernetes.io/version': httpdImage.tag ?? 'digest',
      ...MANAGED_BY,
    };

    this.deployment = new kplus.Deployment(this, 'Deployment', {
      metadata: { name: this.name, labels },
      replicas,
      minReady: Duration.seconds(minReadySeconds),
      select: false,
      podMetadata: { labels },
      strategy: kplus.DeploymentStrategy.rollingUpdate({
        maxSurge: kplus.PercentOrAbsolute.absolute(1),
        maxUnavailable: kplus.PercentOrAbsolute.absolute(0),
      }),
      automountServiceAccountToken: false,
      // Both images start as root; each container states that itself and drops what it does not need.
      securityContext: { ensureNonRoot: false },
    });
    this.deployment.select(kplus.LabelSelector.of({ labels: this.selectorLabels }));

    const rootContainer = {
      ensureNonRoot: false, user: 0, group: 0, privileged: false, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false,
    };
    this.httpd = this.deployment.addContainer({
      name: 'httpd',
      image: httpdImage.reference,
      // A pinned tag never changes: a pod that moves to another node starts even while the registry is down.
      imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
      ports: [{ number: httpPort, name: 'http' }],
      securityContext: rootContainer,
      resources: props.httpdResources ?? DEFAULT_HTTPD_RESOURCES,
      // The image's entrypoint reads these, so the props and what the process does cannot disagree.
      envVariables: { HTTP_PORT: kplus.EnvValue.fromValue(String(httpPort)), DOCROOT: kplus.EnvValue.fromValue(docrootPath) },
      lifecycle: { preStop: DRAIN },
      readiness: kplus.Probe.fromHttpGet(probePath, { port: httpPort, ...READINESS, timeoutSeconds: Duration.seconds(2) }),
      liveness: kplus.Probe.fromHttpGet(probePath, { port: httpPort, ...LIVENESS, timeoutSeconds: Duration.seconds(2) }),
    });
    this.sshd = this.deployment.addContainer({
      name: 'sshd',
      image: sshdImage.reference,
      imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
      ports: [{ number: sshPort, name: 'ssh' }],
      securityContext: rootContainer,
      resources: props.sshdResources ?? DEFAULT_SSHD_RESOURCES,
      envVariables: { SSH_PORT: kplus.EnvValue.fromValue(String(sshPort)), DOCROOT: kplus.EnvValue.fromValue(docrootPath) },
      lifecycle: { preStop: DRAIN },
      // The image's check reads /proc/net instead of connecting: a TCP probe would fill sshd's log.
      readiness: kplus.Probe.fromCommand([SSHD_LISTENING], READINESS),
      liveness: kplus.Probe.fromCommand([SSHD_LISTENING], LIVENESS),
    });
    // httpd only serves the content: it mounts the docroot read-only. sshd is where people edit it.
    props.docroot.mountInto(this.httpd, docrootPath, { readOnly: true });
    props.docroot.mountInto(this.sshd, docrootPath);
    // Writable scratch space for pid files, locks and sshd's privilege-separation folder (the root fs is read-only).
    this.httpd.mount('/run', kplus.Volume.fromEmptyDir(this, 'HttpdRun', 'httpd-run', { sizeLimit: Size.mebibytes(16) }));
    this.sshd.mount('/run', kplus.Volume.fromEmptyDir(this, 'SshdRun', 'sshd-run', { sizeLimit: Size.mebibytes(16) }));
    // The host keys: one Secret for every replica, private keys readable by root only (sshd refuses them otherwise).
    this.sshd.mount(HOST_KEYS_DIR, kplus.Volume.fromSecret(this, 'HostKeys', kplus.Secret.fromSecretName(this, 'HostKeysSecret', this.hostKeysSecret), {
      name: 'ssh-host-keys', defaultMode: 0o400,
    }), { readOnly: true });
    // The authorized keys: read by sshd's AuthorizedKeysCommand (as `nobody`) at each login, so a whole-volume
    // mount works and updates reach running pods; sshd's StrictModes refuse such a folder as an AuthorizedKeysFile.
    const keys = authorizedKeys.bind(this, this.name, labels);
    this.authorizedKeysConfigMap = keys.configMap;
    this.sshd.mount(AUTHORIZED_KEYS_DIR, keys.volume, { readOnly: true });

    // cdk8s-plus-22 has no props for these; the paths are fixed by the container order above.
    const podSpec = '/spec/template/spec';
    ApiObject.of(this.deployment).addJsonPatch(
      // A real nodeSelector (not node affinity): `kubectl get pods -o wide` placement matches the node label.
      JsonPatch.add(`${podSpec}/nodeSelector`, nodeRole.nodeSelector),
      // The pods are selected by the explicit labels; the hashed address label would only add noise.
      JsonPatch.remove('/spec/template/metadata/labels/cdk8s.io~1metadata.addr'),
      JsonPatch.add(`${podSpec}/securityContext/seccompProfile`, { type: 'RuntimeDefault' }),
      JsonPatch.add(`${podSpec}/affinity`, { podAntiAffinity: antiAffinity(spread, this.selectorLabels) }),
      // Leave a dead node after evictionDelay instead of the 300 s the API server would inject.
      JsonPatch.add(`${podSpec}/tolerations`, ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable'].map((key) => ({
        key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: evictionSeconds,
      }))),
      JsonPatch.add(`${podSpec}/containers/0/securityContext/capabilities`, { drop: ['ALL'], add: HTTPD_CAPABILITIES }),
      JsonPatch.add(`${podSpec}/containers/1/securityContext/capabilities`, { drop: ['ALL'], add: SSHD_CAPABILITIES }),
    );

    // Not deployment.exposeViaService(): in cdk8s-plus-22 that selects pods by the hashed
    // `cdk8s.io/metadata.addr` label, which changes with the construct path. The explicit labels never do.
    this.service = new kplus.Service(this, 'Service', {
      metadata: { name: this.name, labels },
      ports: [
        { name: 'http', port: httpPort, targetPort: httpPort },
        { name: 'ssh', port: sshServicePort, targetPort: sshPort },
      ],
    });
    for (const [key, value] of Object.entries(this.selectorLabels)) {
      this.service.selectLabel(key, value);
    }

    // A drain (kubectl drain, a node upgrade) may take pods away only while another one keeps serving.
    if (replicas === 1) {
      Warnings.of(this).add("'replicas' is 1: the PodDisruptionBudget (minAvailable 1) blocks 'kubectl drain' of its node, "
        + 'and the server is down while its only pod moves; use 2 or more replicas.');
    }
    this.podDisruptionBudget = new kplus.k8s.KubePodDisruptionBudget(this, 'PodDisruptionBudget', {
      metadata: { name: this.name, labels },
      spec: { minAvailable: kplus.k8s.IntOrString.fromNumber(1), selector: { matchLabels: this.selectorLabels } },
    });
  }
}

function antiAffinity(spread: NodeSpread, labels: Record<string, string>) {
  const term = { labelSelector: { matchLabels: labels }, topologyKey: 'kubernetes.io/hostname' };
  return spread === NodeSpread.REQUIRED
    ? { requiredDuringSchedulingIgnoredDuringExecution: [term] }
    : { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: term }] };
}
