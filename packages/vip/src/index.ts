export * from './controller-release';
export * from './keepalived-vip';
export * from './service-vip';
