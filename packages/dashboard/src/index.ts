export * from './kubernetes-dashboard';
export * from './headlamp';
