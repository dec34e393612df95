import {
  AppChecks, clusterScoped, containerResources, ImageReference, k8s, OperatorContract, requireImagePullSecrets, requirePinnedImage,
} from '@cdk8s-vserver/core';
import { Construct } from 'constructs';
import { ownNamespace } from './own-namespace';

/** The Headlamp release this construct renders (`kubernetes-headlamp.yaml` and the Helm chart at tag v0.45.0). */
export const HEADLAMP_VERSION = 'v0.45.0';

/** Props of {@link Headlamp}. */
export interface HeadlampProps {
  /**
   * Namespace Headlamp lives in (the construct creates it).
   * @default 'headlamp'
   */
  readonly namespace?: string | undefined;

  /**
   * The Headlamp image, pinned.
   * @default ImageReference.of('ghcr.io/headlamp-k8s/headlamp:v0.45.0')
   */
  readonly image?: ImageReference | undefined;

  /**
   * Secrets (`kubernetes.io/dockerconfigjson`, in the UI's namespace) with the credentials of the registry its image
   * is mirrored to, when that registry asks for them.
   * @default - none
   */
  readonly imagePullSecrets?: string[] | undefined;

  /**
   * Also create the ServiceAccount `headlamp-viewer`, bound to Kubernetes' built-in read-only ClusterRole `view`
   * (no Secrets), whose token logs in: `kubectl -n headlamp create token headlamp-viewer`.
   * @default false - people log in with tokens of accounts you bind yourself
   */
  readonly viewerAccount?: boolean | undefined;
}

const HEADLAMP = 'headlamp';

/**
 * Headlamp, the Kubernetes SIG UI's successor to the archived Dashboard, in the shape of
 * {@link KubernetesDashboard}: its own namespace, a ServiceAccount, the Deployment (`-in-cluster`, port 4466) and a
 * Service 80 -> 4466 to publish on a VIP.
 *
 * People log in with a token; every request Headlamp makes uses that token. Headlamp's own ServiceAccount is
 * bound to nothing, so unlike upstream's Helm chart (cluster-admin by default) nothing here grants cluster-admin.
 * The container runs as upstream's user 100, without privileges, on a read-only root with an emptyDir at /tmp.
 */
export class Headlamp extends Construct {
  /** Name of the namespace of every Headlamp object. */
  public readonly namespace: string;
  /** The Namespace object (applied first, in the same file). */
  public readonly namespaceObject: k8s.KubeNamespace;
  /** Headlamp's own ServiceAccount (bound to nothing). */
  public readonly serviceAccount: k8s.KubeServiceAccount;
  /** The Service (80 -> 4466), the one to publish on a VIP. */
  public readonly service: k8s.KubeService;
  /** The Deployment. */
  public readonly deployment: k8s.KubeDeployment;
  /** `headlamp-viewer`, when `viewerAccount` is set. */
  public readonly viewerServiceAccount?: k8s.KubeServiceAccount;
  /** Binds `headlamp-viewer` to the built-in ClusterRole `view`, when `viewerAccount` is set. */
  public readonly viewerBinding?: k8s.KubeClusterRoleBinding;

  constructor(scope: Construct, id: string, props: HeadlampProps = {}) {
    super(scope, id);
    AppChecks.of(this).trust(this);
    this.namespace = ownNamespace(this, props.namespace, HEADLAMP, 'Headlamp');
    const image = requirePinnedImage(this, 'image', props.image ?? ImageReference.of(`ghcr.io/headlamp-k8s/headlamp:${HEADLAMP_VERSION}`));
    OperatorContract.of(this).pullsCopyOf(image, ImageReference.of(`ghcr.io/headlamp-k8s/headlamp:${HEADLAMP_VERSION}`));
    const ns = this.namespace;
    const labels = { 'k8s-app': HEADLAMP };

    this.namespaceObject = clusterScoped(new k8s.KubeNamespace(this, 'Namespace', { metadata: { name: ns } }));
    this.serviceAccount = new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata: { name: HEADLAMP, namespace: ns, labels } });
    this.service = new k8s.KubeService(this, 'Service', {
      metadata: { name: HEADLAMP, namespace: ns, labels },
      spec: { ports: [{ name: 'http', port: 80, targetPort: k8s.IntOrString.fromNumber(4466) }], selector: labels },
    });
    const probe = { httpGet: { scheme: 'HTTP', path: '/', port: k8s.IntOrString.fromNumber(4466) }, initialDelaySeconds: 30, timeoutSeconds: 30 };
    this.deployment = new k8s.KubeDeployment(this, 'Deployment', {
      metadata: { name: HEADLAMP, namespace: ns, labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: HEADLAMP,
            imagePullSecrets: requireImagePullSecrets(this, 'imagePullSecrets', props.imagePullSecrets),
            securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
            nodeSelector: { 'kubernetes.io/os': 'linux' },
            containers: [{
              name: HEADLAMP,
              image: image.reference,
              imagePullPolicy: 'IfNotPresent',
              args: ['-in-cluster', '-plugins-dir=/headlamp/plugins'],
              ports: [{ name: 'http', containerPort: 4466, protocol: 'TCP' }],
              readinessProbe: probe,
              livenessProbe: probe,
              resources: containerResources('100m', '128Mi', '1', '512Mi'),
              securityContext: {
                allowPrivilegeEscalation: false,
                privileged: false,
                readOnlyRootFilesystem: true,
                runAsNonRoot: true,
                runAsUser: 100,
                runAsGroup: 101,
                capabilities: { drop: ['ALL'] },
              },
              volumeMounts: [{ name: 'headlamp-tmp', mountPath: '/tmp' }],
            }],
            volumes: [{ name: 'headlamp-tmp', emptyDir: {} }],
          },
        },
      },
    });

    if (props.viewerAccount) {
      const viewer = `${HEADLAMP}-viewer`;
      this.viewerServiceAccount = new k8s.KubeServiceAccount(this, 'ViewerServiceAccount', { metadata: { name: viewer, namespace: ns, labels } });
      this.viewerBinding = clusterScoped(new k8s.KubeClusterRoleBinding(this, 'ViewerBinding', {
        metadata: { name: `${ns}-${viewer}`, labels },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
        subjects: [{ kind: 'ServiceAccount', name: viewer, namespace: ns }],
      }));
    }
  }
}
