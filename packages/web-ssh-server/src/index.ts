export * from './web-ssh-server';
export * from './ssh-keys';
export * from './server-certificate';
export * from './server-egress';
export * from './response-headers';
export * from './metrics-scraper';
export * from './secret-commands';
export * from './server-namespace';
export * as certmanager from './imports/cert-manager.io';
