export * from './errors';
export * from './names';
export * from './checks';
export * from './ipv4';
export * from './node-role';
export * from './image';
export * from './warnings';
export * from './synth';
