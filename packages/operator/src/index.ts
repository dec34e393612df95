export * from './kinds';
export * from './operator';
export * from './cli';
