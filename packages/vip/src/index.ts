export * from './keepalived-vip';
