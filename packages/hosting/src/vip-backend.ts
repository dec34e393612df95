import { ImageReference, Ipv4Subnet } from '@cdk8s-vserver/core';
import { IVipController, KeepalivedVip, KubeVip, MetalLbVip } from '@cdk8s-vserver/vip';
import { Chart } from 'cdk8s';

/** What a backend needs from the site's facts. */
export interface VipBackendContext {
  /** The site's LAN. */
  readonly lanSubnet: Ipv4Subnet;
  /** The site's private registry (`master.test:5000/myrepo`). */
  readonly registry: string;
}

/** Options of {@link VipBackend.keepalivedVip}. */
export interface KeepalivedVipBackendOptions {
  /** @default 'kube-keepalived-vip' */
  readonly name?: string;
  /** @default - upstream's 0.35 image mirrored as `<registry>/kube-keepalived-vip:0.35` */
  readonly image?: ImageReference;
  /** @default 'vip-configmap' */
  readonly configMapName?: string;
  /** keepalived's virtual router id, unique on the LAN. @default 50 */
  readonly vrid?: number;
  /** VRRP by unicast between the router nodes, for networks that drop multicast. @default false */
  readonly unicast?: boolean;
}

/** Options of {@link VipBackend.metalLb}. */
export interface MetalLbBackendOptions {
  /** Name of the IPAddressPool and L2Advertisement. @default 'vserver-vips' */
  readonly name?: string;
  /** MetalLB's namespace. @default 'metallb-system' */
  readonly namespace?: string;
  /** Interfaces to announce on. @default - every interface */
  readonly interfaces?: string[];
}

/** Options of {@link VipBackend.kubeVip}. */
export interface KubeVipBackendOptions {
  /** @default - upstream's v1.2.3 image mirrored as `<registry>/kube-vip:v1.2.3` */
  readonly image?: ImageReference;
  /** The interface the VIPs go on. @default - the default route's */
  readonly interface?: string;
  /** One leader per Service, spreading the VIPs over the routers. @default false */
  readonly servicesElection?: boolean;
  /** The leader's Lease in seconds, roughly the longest failover. @default 15 */
  readonly leaseDurationSeconds?: number;
}

/**
 * What holds the site's VIPs, chosen in one line of the facts (`vip: VipBackend.metalLb()`). Every backend
 * publishes each server on the address its entry declares; only what is emitted for it changes:
 * - `keepalivedVip()`: kube-keepalived-vip 0.35 (the report's; its upstream is archived), ConfigMap + `externalIPs`;
 * - `metalLb()`: MetalLB v0.16 in L2 mode, an IPAddressPool + L2Advertisement on the router role, Services of
 *   `type: LoadBalancer`;
 * - `kubeVip()`: kube-vip v1.2.3 in ARP mode, its DaemonSet and RBAC on the router role, Services of
 *   `type: LoadBalancer`.
 */
export abstract class VipBackend {
  /** kube-keepalived-vip (the default): a privileged DaemonSet on the router role, ConfigMap + `externalIPs`. */
  public static keepalivedVip(options: KeepalivedVipBackendOptions = {}): VipBackend {
    return new (class extends VipBackend {
      public readonly chartName = 'keepalived';
      public readonly namespace = 'kube-system';
      public bind(chart: Chart, context: VipBackendContext): IVipController {
        return new KeepalivedVip(chart, 'KeepalivedVip', {
          lanSubnet: context.lanSubnet,
          name: options.name,
          configMapName: options.configMapName ?? 'vip-configmap',
          vrid: options.vrid,
          useUnicast: options.unicast,
          image: options.image ?? ImageReference.of(`${context.registry}/kube-keepalived-vip:0.35`),
        });
      }
    })();
  }

  /** MetalLB in L2 mode: installed from upstream's manifest; the site emits its pool and advertisement. */
  public static metalLb(options: MetalLbBackendOptions = {}): VipBackend {
    return new (class extends VipBackend {
      public readonly chartName = 'metallb';
      public readonly namespace = options.namespace ?? 'metallb-system';
      public bind(chart: Chart, context: VipBackendContext): IVipController {
        return new MetalLbVip(chart, 'MetalLbVip', {
          lanSubnet: context.lanSubnet, name: options.name, namespace: this.namespace, interfaces: options.interfaces,
        });
      }
    })();
  }

  /** kube-vip in ARP mode: its DaemonSet and RBAC on the router role. */
  public static kubeVip(options: KubeVipBackendOptions = {}): VipBackend {
    return new (class extends VipBackend {
      public readonly chartName = 'kube-vip';
      public readonly namespace = 'kube-system';
      public bind(chart: Chart, context: VipBackendContext): IVipController {
        return new KubeVip(chart, 'KubeVip', {
          lanSubnet: context.lanSubnet,
          image: options.image ?? ImageReference.of(`${context.registry}/kube-vip:v1.2.3`),
          interface: options.interface,
          servicesElection: options.servicesElection,
          leaseDurationSeconds: options.leaseDurationSeconds,
        });
      }
    })();
  }

  /** The chart (and file) the backend's objects go in: `keepalived`, `metallb` or `kube-vip`. */
  public abstract readonly chartName: string;
  /** The chart's namespace. */
  public abstract readonly namespace: string;
  /** Adds the backend's objects to `chart`. */
  public abstract bind(chart: Chart, context: VipBackendContext): IVipController;
}
