import { Ipv4Subnet, k8s, requireIpv4Subnet, requireLabelValue, SiteError } from '@cdk8s-vserver/core';
import { IConstruct } from 'constructs';

/**
 * Who may read a server's metrics exporter (NetworkPolicy ingress to its port 9117): nobody else reaches it, so the
 * versions it reports (Apache's and OpenSSL's, from the status page) stay with the site's own Prometheus.
 */
export class MetricsScraper {
  /**
   * Prometheus pods, by their labels, in every namespace or in `namespace`: the Prometheus Operator (and
   * kube-prometheus-stack) labels its pods `app.kubernetes.io/name: prometheus`.
   */
  public static pods(labels: Record<string, string>, namespace?: string): MetricsScraper {
    return new MetricsScraper(`pods ${JSON.stringify(labels)}${namespace ? ` in ${namespace}` : ''}`, labels, namespace, undefined);
  }

  /** A Prometheus outside the cluster, or on a node's own network: its address (`192.168.1.10/32`). */
  public static from(subnet: Ipv4Subnet): MetricsScraper {
    return new MetricsScraper(subnet.text, undefined, undefined, subnet);
  }

  private constructor(
    /** In words, for messages: `192.168.1.10/32`, `pods {"app.kubernetes.io/name":"prometheus"}`. */
    public readonly description: string,
    private readonly labels: Record<string, string> | undefined,
    private readonly namespace: string | undefined,
    private readonly subnet: Ipv4Subnet | undefined,
  ) {}

  /** The NetworkPolicy peer, checked; errors name `prop`. */
  public peer(scope: IConstruct, prop: string): k8s.NetworkPolicyPeer {
    if (this.subnet) return { ipBlock: { cidr: requireIpv4Subnet(scope, prop, this.subnet).text } };
    const labels = this.labels ?? {};
    if (Object.keys(labels).length === 0) {
      throw SiteError.invalidProp(scope, prop, labels, "name the Prometheus pods' labels, such as { 'app.kubernetes.io/name': 'prometheus' } (no label would be every pod)");
    }
    for (const [key, value] of Object.entries(labels)) requireLabelValue(scope, `${prop} (label ${key})`, value, key);
    return {
      podSelector: { matchLabels: labels },
      namespaceSelector: this.namespace ? { matchLabels: { 'kubernetes.io/metadata.name': this.namespace } } : {},
    };
  }
}

/** Where the Prometheus Operator's Prometheus runs: pods labelled `app.kubernetes.io/name: prometheus`, in any namespace. */
export const DEFAULT_SCRAPERS = [MetricsScraper.pods({ 'app.kubernetes.io/name': 'prometheus' })];
