export * from './hosting-site';
export * from './synth';
export * from './diagram';
export * from './operator/kinds';
export * from './operator/operator';
export * from './declaration';
