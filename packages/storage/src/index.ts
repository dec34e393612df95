export * from './nfs-folder';
export * from './docroot-backup';
