import {
  AppChecks, clusterScoped, containerResources, ImageReference, k8s, OperatorContract, requireHttpUrl, requireImagePullSecrets, requirePinnedImage,
} from '@cdk8s-vserver/core';
import { Construct } from 'constructs';
import { ownNamespace } from './own-namespace';

/** Props of {@link KubernetesDashboard}. */
export interface KubernetesDashboardProps {
  /**
   * Namespace the Dashboard lives in (the construct creates it).
   * @default 'kubernetes-dashboard' - as upstream v2.7.0
   */
  readonly namespace?: string | undefined;

  /**
   * The Dashboard image, pinned.
   * @default ImageReference.of('kubernetesui/dashboard:v2.7.0')
   */
  readonly image?: ImageReference | undefined;

  /**
   * Secrets (`kubernetes.io/dockerconfigjson`, in the UI's namespace) with the credentials of the registry its image
   * is mirrored to, when that registry asks for them.
   * @default - none
   */
  readonly imagePullSecrets?: string[] | undefined;

  /**
   * The metrics-scraper image, pinned.
   * @default ImageReference.of('kubernetesui/metrics-scraper:v1.0.8')
   */
  readonly metricsScraperImage?: ImageReference | undefined;

  /**
   * The API server the Dashboard talks to (`--apiserver-host`), such as `https://192.168.1.10:6443`.
   * @default - discovered from inside the cluster (the in-cluster service account configuration)
   */
  readonly apiServerHost?: string | undefined;
}

const DASHBOARD = 'kubernetes-dashboard';
const SCRAPER = 'dashboard-metrics-scraper';

/**
 * The Kubernetes Dashboard, in the shape of upstream's v2.7.0 manifests (`aio/deploy/recommended.yaml`): its
 * namespace, ServiceAccount, Service 443 -> 8443, the certs/csrf/key-holder Secrets, the settings ConfigMap, the
 * Role and ClusterRole (metrics read only) with their bindings, the Dashboard Deployment and the metrics-scraper
 * Deployment and Service.
 *
 * People log in with a token. Nothing here binds the Dashboard to cluster-admin: what a person can see is what
 * their own token may see. Upstream archived the Dashboard project in 2026; v2.7.0 gets no more fixes.
 */
export class KubernetesDashboard extends Construct {
  /** Name of the namespace of every Dashboard object. */
  public readonly namespace: string;
  /** The Namespace object (applied first, in the same file). */
  public readonly namespaceObject: k8s.KubeNamespace;
  /** The Dashboard's ServiceAccount. */
  public readonly serviceAccount: k8s.KubeServiceAccount;
  /** The Dashboard Service (443 -> 8443), the one to publish on a VIP. */
  public readonly service: k8s.KubeService;
  /** The Secret the Dashboard writes its self-signed certificate into. */
  public readonly certsSecret: k8s.KubeSecret;
  /** The Secret of the Dashboard's CSRF key. */
  public readonly csrfSecret: k8s.KubeSecret;
  /** The Secret that holds the Dashboard's encryption key. */
  public readonly keyHolderSecret: k8s.KubeSecret;
  /** The Dashboard's settings ConfigMap. */
  public readonly settings: k8s.KubeConfigMap;
  /** What the Dashboard may do in its own namespace (its Secrets, settings, the scraper proxy). */
  public readonly role: k8s.KubeRole;
  /** What the Dashboard may read cluster-wide (metrics only). */
  public readonly clusterRole: k8s.KubeClusterRole;
  /** Binds {@link role} to {@link serviceAccount}. */
  public readonly roleBinding: k8s.KubeRoleBinding;
  /** Binds {@link clusterRole} to {@link serviceAccount}. */
  public readonly clusterRoleBinding: k8s.KubeClusterRoleBinding;
  /** The Dashboard Deployment. */
  public readonly deployment: k8s.KubeDeployment;
  /** The metrics-scraper Service (8000). */
  public readonly metricsScraperService: k8s.KubeService;
  /** The metrics-scraper Deployment. */
  public readonly metricsScraper: k8s.KubeDeployment;

  constructor(scope: Construct, id: string, props: KubernetesDashboardProps = {}) {
    super(scope, id);
    AppChecks.of(this).trust(this);
    this.namespace = ownNamespace(this, props.namespace, DASHBOARD, 'the Dashboard');
    const image = requirePinnedImage(this, 'image', props.image ?? ImageReference.of('kubernetesui/dashboard:v2.7.0'));
    const scraperImage = requirePinnedImage(this, 'metricsScraperImage', props.metricsScraperImage ?? ImageReference.of('kubernetesui/metrics-scraper:v1.0.8'));
    OperatorContract.of(this).pullsCopyOf(image, ImageReference.of('kubernetesui/dashboard:v2.7.0'))
      .pullsCopyOf(scraperImage, ImageReference.of('kubernetesui/metrics-scraper:v1.0.8'));
    const apiServerHost = props.apiServerHost === undefined ? undefined : requireHttpUrl(this, 'apiServerHost', props.apiServerHost, 'https://192.168.1.10:6443');
    const apiServerAddress = apiServerHost && /^https?:\/\/([0-9.]+)(:|\/|$)/.exec(apiServerHost)?.[1];
    if (apiServerAddress) AppChecks.of(this).declareAddress(apiServerAddress, `the API server of [${this.node.path}] (apiServerHost)`);
    const ns = this.namespace;
    const labels = { 'k8s-app': DASHBOARD };
    const meta = (name: string, l: Record<string, string> = labels) => ({ name, namespace: ns, labels: l });

    this.namespaceObject = clusterScoped(new k8s.KubeNamespace(this, 'Namespace', { metadata: { name: ns } }));
    this.serviceAccount = new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata: meta(DASHBOARD) });
    this.service = new k8s.KubeService(this, 'Service', {
      metadata: meta(DASHBOARD),
      spec: { ports: [{ port: 443, targetPort: k8s.IntOrString.fromNumber(8443) }], selector: labels },
    });
    this.certsSecret = new k8s.KubeSecret(this, 'CertsSecret', { metadata: meta(`${DASHBOARD}-certs`), type: 'Opaque' });
    this.csrfSecret = new k8s.KubeSecret(this, 'CsrfSecret', { metadata: meta(`${DASHBOARD}-csrf`), type: 'Opaque', data: { csrf: '' } });
    this.keyHolderSecret = new k8s.KubeSecret(this, 'KeyHolderSecret', { metadata: meta(`${DASHBOARD}-key-holder`), type: 'Opaque' });
    this.settings = new k8s.KubeConfigMap(this, 'Settings', { metadata: meta(`${DASHBOARD}-settings`) });

    this.role = new k8s.KubeRole(this, 'Role', {
      metadata: meta(DASHBOARD),
      rules: [
        { apiGroups: [''], resources: ['secrets'], resourceNames: [`${DASHBOARD}-key-holder`, `${DASHBOARD}-certs`, `${DASHBOARD}-csrf`], verbs: ['get', 'update', 'delete'] },
        { apiGroups: [''], resources: ['configmaps'], resourceNames: [`${DASHBOARD}-settings`], verbs: ['get', 'update'] },
        { apiGroups: [''], resources: ['services'], resourceNames: ['heapster', SCRAPER], verbs: ['proxy'] },
        { apiGroups: [''], resources: ['services/proxy'], resourceNames: ['heapster', 'http:heapster:', 'https:heapster:', SCRAPER, `http:${SCRAPER}`], verbs: ['get'] },
      ],
    });
    this.clusterRole = clusterScoped(new k8s.KubeClusterRole(this, 'ClusterRole', {
      metadata: { name: DASHBOARD, labels },
      rules: [{ apiGroups: ['metrics.k8s.io'], resources: ['pods', 'nodes'], verbs: ['get', 'list', 'watch'] }],
    }));
    const subjects = [{ kind: 'ServiceAccount', name: DASHBOARD, namespace: ns }];
    this.roleBinding = new k8s.KubeRoleBinding(this, 'RoleBinding', {
      metadata: meta(DASHBOARD),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: DASHBOARD },
      subjects,
    });
    this.clusterRoleBinding = clusterScoped(new k8s.KubeClusterRoleBinding(this, 'ClusterRoleBinding', {
      metadata: { name: DASHBOARD, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: DASHBOARD },
      subjects,
    }));

    const securityContext = {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsUser: 1001,
      runAsGroup: 2001,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
    };
    const podSpec = (containers: k8s.Container[], volumes: k8s.Volume[]) => ({
      securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
      containers,
      volumes,
      serviceAccountName: DASHBOARD,
      imagePullSecrets: requireImagePullSecrets(this, 'imagePullSecrets', props.imagePullSecrets),
      nodeSelector: { 'kubernetes.io/os': 'linux' },
      tolerations: [{ key: 'node-role.kubernetes.io/master', effect: 'NoSchedule' }],
    });
    const tmp = { name: 'tmp-volume', emptyDir: {} };

    this.deployment = new k8s.KubeDeployment(this, 'Deployment', {
      metadata: meta(DASHBOARD),
      spec: {
        replicas: 1,
        revisionHistoryLimit: 10,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: podSpec([{
            name: DASHBOARD,
            image: image.reference,
            imagePullPolicy: 'IfNotPresent',
            ports: [{ containerPort: 8443, protocol: 'TCP' }],
            args: ['--auto-generate-certificates', `--namespace=${ns}`, ...(apiServerHost ? [`--apiserver-host=${apiServerHost}`] : [])],
            volumeMounts: [{ name: `${DASHBOARD}-certs`, mountPath: '/certs' }, { name: 'tmp-volume', mountPath: '/tmp' }],
            livenessProbe: { httpGet: { scheme: 'HTTPS', path: '/', port: k8s.IntOrString.fromNumber(8443) }, initialDelaySeconds: 30, timeoutSeconds: 30 },
            readinessProbe: { httpGet: { scheme: 'HTTPS', path: '/', port: k8s.IntOrString.fromNumber(8443) }, periodSeconds: 10, timeoutSeconds: 5 },
            resources: containerResources('100m', '128Mi', '1', '512Mi'),
            securityContext,
          }], [{ name: `${DASHBOARD}-certs`, secret: { secretName: `${DASHBOARD}-certs` } }, tmp]),
        },
      },
    });

    const scraperLabels = { 'k8s-app': SCRAPER };
    this.metricsScraperService = new k8s.KubeService(this, 'MetricsScraperService', {
      metadata: meta(SCRAPER, scraperLabels),
      spec: { ports: [{ port: 8000, targetPort: k8s.IntOrString.fromNumber(8000) }], selector: scraperLabels },
    });
    this.metricsScraper = new k8s.KubeDeployment(this, 'MetricsScraper', {
      metadata: meta(SCRAPER, scraperLabels),
      spec: {
        replicas: 1,
        revisionHistoryLimit: 10,
        selector: { matchLabels: scraperLabels },
        template: {
          metadata: { labels: scraperLabels },
          spec: podSpec([{
            name: SCRAPER,
            image: scraperImage.reference,
            imagePullPolicy: 'IfNotPresent',
            ports: [{ containerPort: 8000, protocol: 'TCP' }],
            livenessProbe: { httpGet: { scheme: 'HTTP', path: '/', port: k8s.IntOrString.fromNumber(8000) }, initialDelaySeconds: 30, timeoutSeconds: 30 },
            volumeMounts: [{ name: 'tmp-volume', mountPath: '/tmp' }],
            resources: containerResources('50m', '64Mi', '500m', '256Mi'),
            securityContext,
          }], [tmp]),
        },
      },
    });
  }
}
