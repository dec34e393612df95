export * from './web-ssh-server';
export * from './ssh-keys';
export * from './server-certificate';
export * from './server-egress';
export * from './secret-commands';
export * as certmanager from './imports/cert-manager.io';
