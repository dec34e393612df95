export * from './web-ssh-server';
export * from './ssh-keys';
