import { IConstruct } from 'constructs';
import { requireDnsLabel, requireLabelValue } from './checks';
import { SiteError } from './errors';
import * as k8s from './imports/k8s';
import { Ipv4Address } from './ipv4';
import { isHostname, serviceUrl } from './names';
import { clusterDnsEgressRule } from './network-policy';

/**
 * A Prometheus Pushgateway: where batch jobs (the backups, their checks and drills) leave each run's result for
 * Prometheus, which scrapes it with `honor_labels: true` (the jobs' own `namespace` and `server` labels kept).
 *
 * `Pushgateway.inCluster(...)` and `Pushgateway.at(...)` never throw: the construct that is given one checks it
 * (`requirePushgateway`), so the error names the construct and the prop.
 */
export class Pushgateway {
  /**
   * A Pushgateway running in the cluster (the prometheus-pushgateway chart): its Service's URL, and the labels and
   * namespace of its pods, which the jobs' NetworkPolicy lets them reach on the URL's port (the pods listen on the
   * Service's port: the chart's 9091).
   */
  public static inCluster(options: { readonly url: string; readonly podLabels: Record<string, string>; readonly namespace: string }): Pushgateway {
    return new Pushgateway(options.url, options.podLabels, options.namespace);
  }

  /** A Pushgateway outside the cluster, or on a node's own network (beside a Prometheus of the LAN): `http://192.168.1.10:9091`. */
  public static at(url: string): Pushgateway {
    return new Pushgateway(url, undefined, undefined);
  }

  private constructor(
    /** The URL as given. */
    public readonly url: string,
    private readonly podLabels: Record<string, string> | undefined,
    private readonly namespace: string | undefined,
  ) {}

  /** Whether it runs in the cluster (its pods named by labels), or at an address. */
  public get inCluster(): boolean {
    return this.podLabels !== undefined;
  }

  /**
   * The checked Pushgateway: its base URL (no trailing slash), host and port, and the NetworkPolicy egress rules that
   * let a job reach it (and the cluster's DNS when its host is a name). Errors name `prop`.
   */
  public resolve(scope: IConstruct, prop: string): ResolvedPushgateway {
    const url = serviceUrl(this.url, ['http', 'https']);
    const example = this.inCluster ? 'http://pushgateway.monitoring.svc:9091' : 'http://192.168.1.10:9091';
    if (!url) {
      throw SiteError.invalidProp(scope, `${prop}.url`, this.url, `be the Pushgateway's http(s) URL with no path, user or query, such as "${example}"`);
    }
    const host = url.hostname;
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    const address = Ipv4Address.of(host);
    let peer: k8s.NetworkPolicyPeer;
    if (this.podLabels !== undefined) {
      if (Object.keys(this.podLabels).length === 0) {
        throw SiteError.invalidProp(scope, `${prop}.podLabels`, this.podLabels,
          "name the Pushgateway pods' labels, such as { 'app.kubernetes.io/name': 'prometheus-pushgateway' } (no label would be every pod)");
      }
      for (const [key, value] of Object.entries(this.podLabels)) requireLabelValue(scope, `${prop}.podLabels (label ${key})`, value, key);
      requireDnsLabel(scope, `${prop}.namespace`, this.namespace!);
      if (address.problem !== undefined && !isHostname(host)) {
        throw SiteError.invalidProp(scope, `${prop}.url`, this.url, `name the Pushgateway's Service, such as "${example}"`);
      }
      peer = { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': this.namespace! } }, podSelector: { matchLabels: this.podLabels } };
    } else {
      if (address.problem !== undefined) {
        throw SiteError.invalidProp(scope, `${prop}.url`, this.url, 'have an IPv4 address for its host (the jobs\' NetworkPolicy lets them reach '
          + `that address alone), such as "${example}"; a Pushgateway in the cluster is Pushgateway.inCluster({ url, podLabels, namespace })`);
      }
      peer = { ipBlock: { cidr: `${host}/32` } };
    }
    const hostIsDnsName = address.problem !== undefined;
    return {
      url: `${url.protocol}//${url.host}`,
      scheme: url.protocol.replace(':', ''),
      target: `${host}:${port}`,
      port,
      egress: [
        { to: [peer], ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) }] },
        ...(hostIsDnsName ? [clusterDnsEgressRule()] : []),
      ],
    };
  }
}

/** A {@link Pushgateway}, checked. */
export interface ResolvedPushgateway {
  /** `http://host:port`, without a trailing slash. */
  readonly url: string;
  /** `http` or `https`, for a scrape configuration. */
  readonly scheme: string;
  /** `host:port`, the port written out when the URL left it to its scheme: a scrape target. */
  readonly target: string;
  readonly port: number;
  /** What a job's NetworkPolicy needs to reach it. */
  readonly egress: k8s.NetworkPolicyEgressRule[];
}

/** Returns `gateway` when it is a Pushgateway (also of another copy of this package); errors name `prop`. */
export function requirePushgateway(scope: IConstruct, prop: string, gateway: Pushgateway): ResolvedPushgateway {
  if (typeof (gateway as Partial<Pushgateway>)?.resolve !== 'function') {
    throw SiteError.invalidProp(scope, prop, gateway, 'be Pushgateway.at("http://192.168.1.10:9091") or Pushgateway.inCluster({ url, podLabels, namespace })');
  }
  return gateway.resolve(scope, prop);
}
