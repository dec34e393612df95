export * from './hosting-site';
export * from './synth';
export * from './diagram';
export * from './declaration';
