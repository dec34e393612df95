export * from './nfs-docroot';
export * from './docroot-backup';
