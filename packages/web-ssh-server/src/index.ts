export * from './web-ssh-server';
