export * from './nfs-folder';
export * from './docroot-backup';
export * from './site-database';
