export * from './controller-release';
export * from './keepalived-vip';
