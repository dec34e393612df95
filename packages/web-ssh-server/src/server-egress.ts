import { clusterDnsEgressRule, Ipv4Address, Ipv4Subnet, k8s, requireIpv4Subnet, SiteError } from '@cdk8s-vserver/core';
import { IConstruct } from 'constructs';

/** The address space many sites share privately (RFC 1918, RFC 6598, loopback, link-local): never "the internet". */
export const PRIVATE_SUBNETS: readonly string[] = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16'];

/** The protocols a NetworkPolicy port may name that a server's customers use. */
export enum EgressProtocol {
  TCP = 'TCP',
  UDP = 'UDP',
}

/**
 * Where a server's pods may connect out to, as NetworkPolicy egress. A static site needs nothing: the NFS mount is
 * the kubelet's, not the pod's, and HTTPS by ACME gets what it needs by itself. Customers who fetch (`git pull`,
 * a package mirror) list their destinations; a destination reached by name needs {@link ServerEgress.dns} too.
 *
 * NetworkPolicy is enforced by the cluster's network plugin (Calico, Cilium, Antrea, kube-router, Weave Net,
 * kube-network-policies with flannel); plain flannel ignores it.
 */
export class ServerEgress {
  /**
   * TCP (or UDP) to the addresses of `subnet` on `ports`: `ServerEgress.to(Ipv4Subnet.of('192.168.1.20/32'), [443])`
   * for the LAN's package mirror.
   */
  public static to(subnet: Ipv4Subnet, ports: number[], protocol: EgressProtocol = EgressProtocol.TCP): ServerEgress {
    return new ServerEgress(`${subnet.text} ${protocol} ${ports.join(',')}`, subnet, undefined, ports, protocol);
  }

  /**
   * TCP (or UDP) on `ports` to every address outside the private ranges (RFC 1918, carrier-grade NAT, loopback,
   * link-local): a public Git host or package mirror, reached by name, so add {@link ServerEgress.dns} too. Never
   * the LAN, the nodes or the NAS.
   */
  public static internet(ports: number[], protocol: EgressProtocol = EgressProtocol.TCP): ServerEgress {
    return new ServerEgress(`the internet ${protocol} ${ports.join(',')}`, Ipv4Subnet.of('0.0.0.0/0'), [...PRIVATE_SUBNETS], ports, protocol);
  }

  /** DNS: the cluster's DNS pods (`k8s-app: kube-dns` in `kube-system`, CoreDNS too), UDP and TCP port 53. */
  public static dns(): ServerEgress {
    return new ServerEgress('DNS', undefined, undefined, [53], undefined);
  }

  private constructor(
    /** What the entry allows, in words (`192.168.1.20/32 TCP 443`, `DNS`). */
    public readonly description: string,
    private readonly subnet: Ipv4Subnet | undefined,
    private readonly except: string[] | undefined,
    private readonly ports: number[],
    private readonly protocol: EgressProtocol | undefined,
  ) {}

  /** True for the cluster's DNS. */
  public get isDns(): boolean {
    return this.subnet === undefined;
  }

  /** Throws, naming `prop`, unless the entry is a subnet with ports 1-65535 and a known protocol. */
  public validate(scope: IConstruct, prop: string): void {
    if (this.subnet) requireIpv4Subnet(scope, `${prop} (its subnet)`, this.subnet);
    if (this.protocol !== undefined && !Object.values(EgressProtocol).includes(this.protocol)) {
      throw SiteError.invalidProp(scope, `${prop} (its protocol)`, this.protocol, 'be EgressProtocol.TCP or EgressProtocol.UDP');
    }
    if (!Array.isArray(this.ports) || this.ports.length === 0) {
      throw SiteError.invalidProp(scope, `${prop} (its ports)`, this.ports, 'list at least one port, such as [443]: an address without a port is not '
        + 'an egress entry. ServerEgress.to(Ipv4Subnet.of("192.168.1.20/32"), [443])');
    }
    this.ports.forEach((port, i) => {
      if (!Number.isInteger(port) || port < 1 || port > 65535) {
        throw SiteError.invalidProp(scope, `${prop} (its ports[${i}])`, port, 'be a port 1-65535');
      }
    });
  }

  /** The NetworkPolicy egress rule(s) of the entry. */
  public rules(): k8s.NetworkPolicyEgressRule[] {
    if (this.isDns) {
      return [clusterDnsEgressRule()];
    }
    return [{
      to: [{ ipBlock: { cidr: this.subnet!.text, ...(this.except ? { except: this.except } : {}) } }],
      ports: this.ports.map((port) => ({ protocol: this.protocol, port: k8s.IntOrString.fromNumber(port) })),
    }];
  }
}

/**
 * What HTTPS by ACME needs out of the pod: the directory's host on its port; by name, DNS and that port on the
 * internet (the CA's addresses are not known in advance).
 */
export function acmeEgress(directory: string): ServerEgress[] {
  const url = new URL(directory);
  const port = Number(url.port || 443);
  const address = Ipv4Address.of(url.hostname);
  return address.problem === undefined ? [ServerEgress.to(Ipv4Subnet.of(`${address.text}/32`), [port])] : [ServerEgress.dns(), ServerEgress.internet([port])];
}
