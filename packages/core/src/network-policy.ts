import * as k8s from './imports/k8s';

/**
 * The egress rule to the cluster's DNS: its pods (`k8s-app: kube-dns` in `kube-system`, CoreDNS's label too), UDP and
 * TCP port 53. Every policy that lets pods resolve names uses this one rule.
 */
export function clusterDnsEgressRule(): k8s.NetworkPolicyEgressRule {
  return {
    to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
    ports: ['UDP', 'TCP'].map((protocol) => ({ protocol, port: k8s.IntOrString.fromNumber(53) })),
  };
}
