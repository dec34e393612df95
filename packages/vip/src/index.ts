export * from './controller-release';
export * from './keepalived-vip';
export * from './kube-vip';
export * from './metallb-vip';
export * from './service-vip';
export * from './vip-controller';
