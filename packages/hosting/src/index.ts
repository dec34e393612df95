export * from './hosting-site';
export * from './vip-backend';
