export * from './hosting-site';
