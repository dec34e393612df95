/**
 * The part of kubeadm's configuration API `kubeadm.k8s.io/v1beta4` (kubeadm 1.31 and newer) that a control plane
 * of cdk8s-vserver writes, field for field as `cmd/kubeadm/app/apis/kubeadm/v1beta4/types.go` names them. kubeadm
 * reads the file with `kubeadm init --config`; it is no object of the API server, so no CRD types it.
 */
export const KUBEADM_API_VERSION = 'kubeadm.k8s.io/v1beta4';

/** The oldest Kubernetes minor whose kubeadm reads {@link KUBEADM_API_VERSION}. */
export const KUBEADM_V1BETA4_SINCE_MINOR = 31;

/** A flag of a control-plane component, without its dashes (v1beta4 lists them; v1beta3 had a map). */
export interface KubeadmArg {
  readonly name: string;
  readonly value: string;
}

/** `APIEndpoint`: where one node's API server listens. */
export interface KubeadmApiEndpoint {
  readonly advertiseAddress?: string | undefined;
  readonly bindPort?: number | undefined;
}

/** `NodeRegistrationOptions`, the fields written here. */
export interface KubeadmNodeRegistration {
  readonly name?: string | undefined;
  readonly ignorePreflightErrors?: string[] | undefined;
}

/** `InitConfiguration`: what `kubeadm init` needs on the first control-plane node only. */
export interface KubeadmInitConfiguration {
  readonly apiVersion: typeof KUBEADM_API_VERSION;
  readonly kind: 'InitConfiguration';
  readonly localAPIEndpoint?: KubeadmApiEndpoint | undefined;
  readonly nodeRegistration?: KubeadmNodeRegistration | undefined;
}

/** `ControlPlaneComponent`. */
export interface KubeadmComponent {
  readonly extraArgs?: KubeadmArg[] | undefined;
}

/** `ClusterConfiguration`: cluster-wide, uploaded by `kubeadm init` into the ConfigMap kube-system/kubeadm-config. */
export interface KubeadmClusterConfiguration {
  readonly apiVersion: typeof KUBEADM_API_VERSION;
  readonly kind: 'ClusterConfiguration';
  readonly kubernetesVersion: string;
  readonly clusterName?: string | undefined;
  readonly controlPlaneEndpoint: string;
  readonly networking?: {
    readonly serviceSubnet?: string | undefined;
    readonly podSubnet?: string | undefined;
  } | undefined;
  readonly apiServer?: (KubeadmComponent & { readonly certSANs?: string[] | undefined }) | undefined;
  readonly controllerManager?: KubeadmComponent | undefined;
  readonly scheduler?: KubeadmComponent | undefined;
}
