export * from './controller-release';
export * from './vip-controller';
export * from './keepalived-vip';
export * from './load-balancer-vip';
export * from './kube-vip';
export * from './metallb-vip';
export * from './vip-backend';
export * from './shared-entry';
export * from './gateway-entry';
/** The Gateway API types `GatewayEntry` emits, imported from the pinned v1.5.1 standard-channel CRDs. */
export * as gatewayApi from './imports/gateway.networking.k8s.io';
