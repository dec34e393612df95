export * from './controller-release';
export * from './vip-controller';
export * from './keepalived-vip';
export * from './load-balancer-vip';
export * from './kube-vip';
export * from './metallb-vip';
export * from './vip-backend';
export * from './shared-entry';
