import { ImageReference, Ipv4Subnet } from '@cdk8s-vserver/core';
import { Chart } from 'cdk8s';
import { KEEPALIVED_VIP_0_35 } from './controller-release';
import { IpAddressPool, L2Advertisement } from './imports/metallb.io';
import { KeepalivedVip, KeepalivedVipProps } from './keepalived-vip';
import { KUBE_VIP_ADDRESS_ANNOTATION, KUBE_VIP_IMAGE, KubeVip, KubeVipProps } from './kube-vip';
import {
  METALLB_ADDRESS_ANNOTATION, METALLB_ADVERTISEMENT_KIND, METALLB_NAMESPACE, METALLB_POOL_KIND, MetalLbVip, MetalLbVipProps,
} from './metallb-vip';
import { IVipController } from './vip-controller';

/** What a backend takes from the site's facts when it is bound. */
export interface VipBackendContext {
  /** The site's LAN. */
  readonly lanSubnet: Ipv4Subnet;
  /**
   * The site's private registry (`master.test:5000/myrepo`): a controller image not given is upstream's, mirrored
   * there under its own name and tag.
   * @default - upstream's image
   */
  readonly registry?: string | undefined;
  /**
   * The Secrets with the credentials of `registry`, for a controller whose image comes from it (a Secret of each name
   * in the controller's namespace).
   * @default - none
   */
  readonly imagePullSecrets?: string[] | undefined;
}

/** Options of {@link VipBackend.keepalivedVip}: the props of {@link KeepalivedVip}, the LAN aside (it comes from the site). */
export type KeepalivedVipBackendOptions = Omit<KeepalivedVipProps, 'lanSubnet'>;
/** Options of {@link VipBackend.metalLb}: the props of {@link MetalLbVip}, the LAN aside. */
export type MetalLbBackendOptions = Omit<MetalLbVipProps, 'lanSubnet'>;
/** Options of {@link VipBackend.kubeVip}: the props of {@link KubeVip}, the LAN aside. */
export type KubeVipBackendOptions = Omit<KubeVipProps, 'lanSubnet'>;

/**
 * What holds a site's VIPs, chosen in one line (`vipBackend: VipBackend.metalLb()`), with the backend's own props.
 * Every backend publishes each Service on the address it is given; only what is emitted for it changes:
 * - `keepalivedVip()`: kube-keepalived-vip 0.35 (the report's; its upstream is archived), ConfigMap + `externalIPs`;
 * - `metalLb()`: MetalLB v0.16 in L2 mode, an IPAddressPool + L2Advertisement on the router role, Services of
 *   `type: LoadBalancer`;
 * - `kubeVip()`: kube-vip v1.2.3 in ARP mode, its DaemonSet and RBAC on the router role, Services of
 *   `type: LoadBalancer`.
 */
export abstract class VipBackend {
  /** kube-keepalived-vip (the report's): a privileged DaemonSet on the router role, ConfigMap + `externalIPs`. */
  public static keepalivedVip(options: KeepalivedVipBackendOptions = {}): VipBackend {
    return new (class extends VipBackend {
      public readonly chartName = 'keepalived';
      public readonly namespace = 'kube-system';
      public bind(chart: Chart, context: VipBackendContext): IVipController {
        return new KeepalivedVip(chart, 'KeepalivedVip', {
          ...options,
          lanSubnet: context.lanSubnet,
          image: options.image ?? mirrored(KEEPALIVED_VIP_0_35.image, context.registry),
          imagePullSecrets: options.imagePullSecrets ?? (options.image ? undefined : context.imagePullSecrets),
        });
      }
    })();
  }

  /** MetalLB in L2 mode: installed from upstream's manifest; the site emits its pool and advertisement. */
  public static metalLb(options: MetalLbBackendOptions = {}): VipBackend {
    return new (class extends VipBackend {
      public readonly chartName = 'metallb';
      public readonly namespace = options.namespace ?? METALLB_NAMESPACE;
      public bind(chart: Chart, context: VipBackendContext): IVipController {
        return new MetalLbVip(chart, 'MetalLbVip', { ...options, lanSubnet: context.lanSubnet });
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
          ...options,
          lanSubnet: context.lanSubnet,
          image: options.image ?? mirrored(KUBE_VIP_IMAGE, context.registry),
          imagePullSecrets: options.imagePullSecrets ?? (options.image ? undefined : context.imagePullSecrets),
        });
      }
    })();
  }

  /** The chart (and file) the backend's objects go in: `keepalived`, `metallb` or `kube-vip`. */
  public abstract readonly chartName: string;
  /** The chart's namespace. */
  public abstract readonly namespace: string;
  /** Adds the backend's controller (and its objects) to `chart`. */
  public abstract bind(chart: Chart, context: VipBackendContext): IVipController;
}

/** The custom kinds the backends emit (MetalLB's pool and advertisement), for tools that handle an app's kinds. */
export const VIP_CUSTOM_KINDS: ReadonlyArray<{ readonly apiVersion: string; readonly kind: string; readonly namespaced: boolean }> = [
  { apiVersion: IpAddressPool.GVK.apiVersion, kind: METALLB_POOL_KIND, namespaced: true },
  { apiVersion: L2Advertisement.GVK.apiVersion, kind: METALLB_ADVERTISEMENT_KIND, namespaced: true },
];

/**
 * The Service annotations the load-balancer backends take a requested address from (MetalLB's, kube-vip's), for
 * readers of synthesized output such as the site picture.
 */
export const VIP_ADDRESS_ANNOTATIONS: readonly string[] = [METALLB_ADDRESS_ANNOTATION, KUBE_VIP_ADDRESS_ANNOTATION];

/** Upstream's `image` as mirrored into `registry` under its own name and tag (`aledbf/kube-keepalived-vip:0.35` -> `<registry>/kube-keepalived-vip:0.35`). */
function mirrored(image: string, registry: string | undefined): ImageReference {
  return ImageReference.of(registry === undefined ? image : `${registry}/${image.split('/').pop()}`);
}
