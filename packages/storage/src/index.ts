export * from './nfs-folder';
export * from './restic-backup';
export * from './s3-repository';
export * from './site-database';
export * from './mariadb-operator-database';
export * as mariadbOperator from './imports/k8s.mariadb.com';
