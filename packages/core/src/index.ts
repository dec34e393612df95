export * from './errors';
export * from './names';
export * from './checks';
export * from './cron';
export * from './ipv4';
export * from './node-role';
export * from './image';
export * from './warnings';
export * from './app-checks';
export * from './scope';
export * from './labels';
export * from './resources';
export * from './pod-security';
export * from './node-files';
export * from './operator-contract';
export * from './network-policy';
export * from './pushgateway';
/** The Kubernetes 1.22 L1 objects (`k8s.KubeDeployment`, `k8s.KubeService`, ...), as `cdk8s import` generates them. */
export * as k8s from './imports/k8s';
