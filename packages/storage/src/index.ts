export * from './nfs-docroot';
