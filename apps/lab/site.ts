import { ImageReference, Ipv4Address, Ipv4Subnet, ownershipLabels } from '@cdk8s-vserver/core';
import { Size } from 'cdk8s';

/**
 * The reference site: the facts of the on-premises cluster this app describes, in one place.
 */
export const LAB = {
  /** Namespace of the virtual servers. */
  namespace: 'default',
  /** The LAN the nodes, the NAS and the virtual IPs are on. */
  lanSubnet: Ipv4Subnet.of('192.168.1.0/24'),
  /** Virtual IPs held by kube-keepalived-vip on the router node. */
  vips: { myweb: Ipv4Address.of('192.168.1.31'), dashboard: Ipv4Address.of('192.168.1.33') },
  /** The private registry every image comes from. */
  registry: 'master.test:5000/myrepo',
  /** The NAS that holds the web content. */
  nas: { server: 'nas.test', exportPath: '/export/web/myweb', capacity: Size.gibibytes(10) },
  /** The virtual server `myweb`. */
  myweb: { name: 'myweb', replicas: 2, version: 'v1' },
} as const;

/** An image of the site's registry with a pinned tag. */
export function labImage(repository: string, tag: string): ImageReference {
  return ImageReference.of(`${LAB.registry}/${repository}:${tag}`);
}

/** On every object of the site (each chart carries them): what prune and uninstall select (README, "Operate the site"). */
export const LAB_LABELS = ownershipLabels('lab');
