export * from './kubeadm-config';
export * from './api-vip-holder';
export * from './control-plane';
