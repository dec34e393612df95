import {
  FieldPath, Ipv4Address, Ipv4Subnet, NodeFile, NodeFiles, OperatorContract, requireDnsSubdomain, requireIpv4Subnet, requireLanAddress,
  requireWholeSeconds, SiteError, Warnings,
} from '@cdk8s-vserver/core';
import { Duration, Yaml } from 'cdk8s';
import { Construct } from 'constructs';
import { API_SERVER_PORT, ApiVipHolder, ControlPlaneNode } from './api-vip-holder';
import { KUBEADM_API_VERSION, KUBEADM_V1BETA4_SINCE_MINOR, KubeadmClusterConfiguration, KubeadmInitConfiguration } from './kubeadm-config';

const CONTROL_PLANE_SYMBOL = Symbol.for('@cdk8s-vserver/control-plane.ControlPlane');

/** The folder of the app's output the node files go in. */
export const CONTROL_PLANE_FOLDER = 'control-plane';

/** kubeadm's configuration file, at the top of {@link CONTROL_PLANE_FOLDER}. */
export const KUBEADM_CONFIG_FILE = 'kubeadm-config.yaml';

/** Props of {@link ControlPlane}. */
export interface ControlPlaneProps {
  /**
   * The control-plane nodes, three (or any odd number from 3): etcd keeps a quorum with one of three gone. The first
   * runs `kubeadm init`; the others join. One is valid, with a warning (nothing is redundant).
   */
  readonly nodes: ControlPlaneNode[];
  /** The API VIP: the address on the LAN every client, kubelet and kubeconfig reaches the API at. */
  readonly apiAddress: Ipv4Address;
  /** The LAN the nodes and the VIP are on. */
  readonly lanSubnet: Ipv4Subnet;
  /**
   * The Kubernetes release the nodes run (`v1.34.1`): the version of the kubeadm, kubelet and kubectl installed on
   * them, 1.31 or newer (kubeadm's v1beta4 configuration).
   */
  readonly kubernetesVersion: string;
  /** What holds the API VIP: `ApiVipHolder.keepalivedHaproxy({ interface: 'eth0' })` or `ApiVipHolder.kubeVip()`. */
  readonly apiVipHolder: ApiVipHolder;
  /**
   * How long a node may miss its heartbeats before the controller-manager marks it NotReady
   * (`--node-monitor-grace-period`); a server's pods leave it `evictionDelay` later. Written explicitly: the default
   * went from 40 s to 50 s in Kubernetes 1.32, and the site's failover figures count 40 s.
   * @default Duration.seconds(40)
   */
  readonly nodeMonitorGracePeriod?: Duration | undefined;
  /** The cluster's name in kubeconfigs (`clusterName`). @default - kubeadm's: kubernetes */
  readonly clusterName?: string | undefined;
  /** The pods' addresses (`networking.podSubnet`), as the CNI plugin expects them (`10.244.0.0/16`). @default - none: the CNI plugin's own */
  readonly podSubnet?: Ipv4Subnet | undefined;
  /** The Services' cluster IPs (`networking.serviceSubnet`). @default - kubeadm's: 10.96.0.0/12 */
  readonly serviceSubnet?: Ipv4Subnet | undefined;
  /** The site's registry, for the holder's images when its options do not name them (`<registry>/keepalived:v1`). @default - none */
  readonly registry?: string | undefined;
}

/**
 * A redundant control plane, as kubeadm's high-availability guide builds it ("stacked" etcd: one member per
 * control-plane node), written as files for the nodes, not as objects for the API server: the app's synth puts them
 * in `control-plane/` of its output folder.
 *
 * - `kubeadm-config.yaml`: the `InitConfiguration` of the first node and the `ClusterConfiguration`, with
 *   `controlPlaneEndpoint: <API VIP>:<port>`, the VIP among the API server's certificate SANs, and the
 *   controller-manager's node monitor grace period;
 * - `<n>-<node>/`: what node n needs, as paths from `/` (`etc/kubernetes/manifests/haproxy.yaml`, ...): copy the
 *   folder onto the node (`sudo cp -r 1-master1/etc /`). The first node's files go in before `kubeadm init`, the
 *   others' after `kubeadm join` (a joining node's manifests folder must be empty).
 *
 * Every file is rendered when the app writes them (`NodeFiles`).
 */
export class ControlPlane extends Construct {
  /** Whether `x` is a ControlPlane (of any copy of this package, as `Chart.isChart` checks). */
  public static isControlPlane(x: unknown): x is ControlPlane {
    return x !== null && typeof x === 'object' && CONTROL_PLANE_SYMBOL in x;
  }

  /** The endpoint every client uses: `<API VIP>:<port>`. */
  public readonly endpoint: string;
  /** kubeadm's `InitConfiguration`, for the first node. */
  public readonly initConfiguration: KubeadmInitConfiguration;
  /** kubeadm's `ClusterConfiguration`. */
  public readonly clusterConfiguration: KubeadmClusterConfiguration;
  /** The nodes, as declared (the first runs `kubeadm init`). */
  public readonly nodes: readonly ControlPlaneNode[];
  /** The holder of the API VIP. */
  public readonly apiVipHolder: ApiVipHolder;
  /** The API VIP. */
  public readonly apiAddress: Ipv4Address;


  constructor(scope: Construct, id: string, props: ControlPlaneProps) {
    super(scope, id);
    Object.defineProperty(this, CONTROL_PLANE_SYMBOL, { value: true });
    const holderProp = 'apiVipHolder';
    const lan = requireIpv4Subnet(this, 'lanSubnet', props.lanSubnet);
    this.nodes = this.checkNodes(props.nodes, props.apiAddress, lan);
    this.apiAddress = requireLanAddress(this, 'apiAddress', props.apiAddress, lan);
    const version = this.checkVersion(props.kubernetesVersion);
    const grace = requireWholeSeconds(this, 'nodeMonitorGracePeriod', props.nodeMonitorGracePeriod ?? Duration.seconds(40), 1);
    if (grace < 20) {
      throw SiteError.invalidProp(this, 'nodeMonitorGracePeriod', `${grace} s`, 'be at least 20 s: a kubelet renews its node Lease every 10 s, '
        + 'so a shorter grace marks a healthy node NotReady after one late renewal, and evicts its pods');
    }
    const subnets = this.checkSubnets(lan, props.podSubnet, props.serviceSubnet);
    if (props.clusterName !== undefined) requireDnsSubdomain(this, 'clusterName', props.clusterName, 'lab');
    if (!(props.apiVipHolder instanceof ApiVipHolder) && typeof (props.apiVipHolder as ApiVipHolder | undefined)?.render !== 'function') {
      throw SiteError.invalidProp(this, holderProp, props.apiVipHolder,
        "be ApiVipHolder.keepalivedHaproxy({ interface: 'eth0' }) or ApiVipHolder.kubeVip()");
    }
    this.apiVipHolder = props.apiVipHolder;
    this.apiVipHolder.validate(this, holderProp);
    this.endpoint = `${this.apiAddress.text}:${this.apiVipHolder.endpointPort}`;
    OperatorContract.of(this).controlPlaneEndpoint(this.endpoint, `${CONTROL_PLANE_FOLDER}/${KUBEADM_CONFIG_FILE}`);

    const first = this.nodes[0];
    this.initConfiguration = {
      apiVersion: KUBEADM_API_VERSION,
      kind: 'InitConfiguration',
      localAPIEndpoint: { advertiseAddress: first.address.text, bindPort: API_SERVER_PORT },
      // the API VIP's holder is in /etc/kubernetes/manifests before init: the endpoint must answer while init runs
      nodeRegistration: { name: first.name, ignorePreflightErrors: ['DirAvailable--etc-kubernetes-manifests'] },
    };
    this.clusterConfiguration = {
      apiVersion: KUBEADM_API_VERSION,
      kind: 'ClusterConfiguration',
      kubernetesVersion: version,
      ...(props.clusterName !== undefined ? { clusterName: props.clusterName } : {}),
      controlPlaneEndpoint: this.endpoint,
      ...(subnets ? { networking: subnets } : {}),
      apiServer: { certSANs: [this.apiAddress.text] },
      controllerManager: { extraArgs: [{ name: 'node-monitor-grace-period', value: `${grace}s` }] },
    };

    NodeFiles.of(this).add(this, () => this.files(props.registry, holderProp));
  }

  /** A prop's name as the user wrote it. */
  /** A prop's name as the user wrote it (`facts.controlPlane.nodes[0].name` in a site's declaration), for messages. */
  private prop(name: string): string {
    return FieldPath.nameOf(this, name);
  }

  /** The folder of node `index` (0-based): `control-plane/<index + 1>-<name>`. */
  public folderOf(index: number): string {
    return `${CONTROL_PLANE_FOLDER}/${index + 1}-${this.nodes[index].name}`;
  }

  private files(registry: string | undefined, prop: string): NodeFile[] {
    return [
      { path: `${CONTROL_PLANE_FOLDER}/${KUBEADM_CONFIG_FILE}`, content: Yaml.stringify(this.initConfiguration, this.clusterConfiguration) },
      ...this.apiVipHolder.render({
        scope: this,
        prop,
        nodes: this.nodes,
        apiAddress: this.apiAddress,
        registry,
        folderOf: (i) => this.folderOf(i),
      }),
    ];
  }

  private checkNodes(nodes: ControlPlaneNode[], apiAddress: Ipv4Address, lan: Ipv4Subnet): ControlPlaneNode[] {
    if (!Array.isArray(nodes) || nodes.length === 0) {
      throw SiteError.invalidProp(this, 'nodes', nodes, "list the control-plane nodes, three for a redundant one: [{ name: 'master1', address: "
        + "Ipv4Address.of('192.168.1.10') }, ...]");
    }
    const names = new Map<string, number>();
    const addresses = new Map<number, number>();
    nodes.forEach((node, i) => {
      requireDnsSubdomain(this, `nodes[${i}].name`, node.name, 'master1');
      requireLanAddress(this, `nodes[${i}].address`, node.address, lan);
      const sameName = names.get(node.name);
      if (sameName !== undefined) throw SiteError.invalidProp(this, `nodes[${i}].name`, node.name, `differ from ${this.prop(`nodes[${sameName}].name`)}: name each node once`);
      names.set(node.name, i);
      const sameAddress = addresses.get(node.address.value);
      if (sameAddress !== undefined) {
        throw SiteError.invalidProp(this, `nodes[${i}].address`, node.address.text, `differ from ${this.prop(`nodes[${sameAddress}].address`)}: each node has its own address`);
      }
      addresses.set(node.address.value, i);
      if (apiAddress.problem === undefined && node.address.equals(apiAddress)) {
        throw SiteError.invalidProp(this, 'apiAddress', apiAddress.text, `differ from ${this.prop(`nodes[${i}].address`)} (${node.name}): the VIP moves between the `
          + 'nodes, so it is an address of its own, never one a node keeps');
      }
    });
    if (nodes.length === 1) {
      Warnings.of(this).add(`'${this.prop('nodes')}' names one control-plane node (${nodes[0].name}): when it fails, nobody can deploy and no failed pod is `
        + 'replaced. Add two more (docs/control-plane.md).');
    } else if (nodes.length % 2 === 0) {
      Warnings.of(this).add(`'${this.prop('nodes')}' names ${nodes.length} control-plane nodes: etcd's quorum of ${nodes.length} is ${nodes.length / 2 + 1}, so it `
        + `survives no more failures than ${nodes.length - 1} nodes would. Use an odd number (3 or 5).`);
    }
    return nodes;
  }

  private checkVersion(version: string): string {
    const match = /^v1\.(\d+)\.(\d+)$/.exec(version ?? '');
    if (!match) {
      throw SiteError.invalidProp(this, 'kubernetesVersion', version, 'be the exact release the nodes run, as kubeadm writes it, such as "v1.34.1" '
        + '(not "stable" or "1.34": the files are written for that release)');
    }
    if (Number(match[1]) < KUBEADM_V1BETA4_SINCE_MINOR) {
      throw SiteError.invalidProp(this, 'kubernetesVersion', version, `be v1.${KUBEADM_V1BETA4_SINCE_MINOR}.0 or newer: the configuration is kubeadm's `
        + `${KUBEADM_API_VERSION}, which older kubeadm releases do not read. Upgrade the nodes first`);
    }
    return version;
  }

  private checkSubnets(lan: Ipv4Subnet, podSubnet: Ipv4Subnet | undefined, serviceSubnet: Ipv4Subnet | undefined) {
    const named: [string, Ipv4Subnet][] = [['lanSubnet', lan]];
    for (const [prop, subnet] of [['podSubnet', podSubnet], ['serviceSubnet', serviceSubnet]] as const) {
      if (subnet === undefined) continue;
      requireIpv4Subnet(this, prop, subnet);
      for (const [otherProp, other] of named) {
        if (overlaps(subnet, other)) {
          throw SiteError.invalidProp(this, prop, subnet.text, `not overlap ${otherProp === 'lanSubnet' ? 'the LAN' : this.prop(otherProp)} ${other.text}: an address in both would be routed to the `
            + 'wrong place. Pick a private range the LAN does not use, such as 10.244.0.0/16 for pods');
        }
      }
      named.push([prop, subnet]);
    }
    if (!podSubnet && !serviceSubnet) return undefined;
    return {
      ...(serviceSubnet ? { serviceSubnet: serviceSubnet.text } : {}),
      ...(podSubnet ? { podSubnet: podSubnet.text } : {}),
    };
  }
}

function overlaps(a: Ipv4Subnet, b: Ipv4Subnet): boolean {
  return a.contains(b.network) || b.contains(a.network);
}
