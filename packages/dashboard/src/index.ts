export * from './kubernetes-dashboard';
export * from './dashboard-vip';
export * from './headlamp';
