import { AppChecks, AppReport, Ipv4Address, Ipv4Subnet, requireLanAddress, SiteError } from '@cdk8s-vserver/core';
import { ApiObject } from 'cdk8s';
import { IConstruct } from 'constructs';

/** A Service published on a VIP. */
export interface VipEntry {
  /** The VIP. */
  readonly address: string;
  /** `namespace/name` of the Service. */
  readonly service: string;
  /** The Service's ports, all of which the VIP forwards. */
  readonly ports: number[];
  /**
   * What the address is for: a Service of the site's, or a Gateway (`exposeGateway`), whose Service its
   * implementation makes. @default 'Service'
   */
  readonly kind?: 'Service' | 'Gateway' | undefined;
}

/**
 * How IPVS forwards a VIP's traffic to the Service's pods (kube-keepalived-vip only: MetalLB and kube-vip hand the
 * traffic to kube-proxy).
 * @see https://github.com/aledbf/kube-keepalived-vip#configuration
 */
export enum VipMethod {
  /** Network address translation (the default): replies go back through the router node. */
  NAT = 'NAT',
  /** Direct routing: pods answer clients directly; needs the VIP configured on the pods' nodes. */
  DR = 'DR',
}

/** Options of {@link IVipController.expose}. */
export interface VipExposeOptions {
  /**
   * How IPVS forwards the traffic: kube-keepalived-vip only; the other backends refuse it.
   * @default VipMethod.NAT on kube-keepalived-vip; - nothing on the others
   */
  readonly method?: VipMethod | undefined;
  /**
   * The Service's pods see each client's own address (a shared entry hands it on to the servers): on MetalLB and
   * kube-vip, `externalTrafficPolicy: Local` (the VIP is answered from a node with one of the pods, so run them on the
   * router role); on kube-keepalived-vip, nothing changes (its IPVS forwards to the pods' addresses by its `method`).
   * @default false - kube-proxy may masquerade clients to a node's address
   */
  readonly keepClientAddress?: boolean | undefined;
}

/**
 * What holds a site's VIPs: kube-keepalived-vip ({@link KeepalivedVip}), MetalLB in L2 mode ({@link MetalLbVip}) or
 * kube-vip in ARP mode ({@link KubeVip}). `expose()` is the one verb that publishes a Service (a server's, the
 * Dashboard's, Headlamp's, anyone's) on an address, whichever backend it is; switching backends changes what is
 * emitted, never the addresses.
 */
/** The DaemonSet that holds a controller's VIPs on the router nodes, whoever writes it. */
export interface VipAgent {
  readonly namespace: string;
  readonly name: string;
  /** What it is, in an alert's words: "the VIP controller", "MetalLB's speaker (the VIP controller)". */
  readonly what: string;
  /** The nodes it runs on, in an alert's words: "router", or "node" (MetalLB's speaker runs on every node). */
  readonly nodes: string;
}

export interface IVipController extends IConstruct {
  /** Which controller this is (`kube-keepalived-vip`, `metallb`, `kube-vip`), for messages and the site picture. */
  readonly backend: string;
  /** The DaemonSet on the routers that holds the VIPs: this controller's own, or its install's (MetalLB's speaker). */
  readonly agent: VipAgent;
  /** The VRRP virtual router id it speaks on the LAN, when it speaks VRRP (kube-keepalived-vip). */
  readonly vrrpId?: number | undefined;
  /** The LAN the VIPs belong to. */
  readonly lanSubnet: Ipv4Subnet;
  /** Every VIP published so far, sorted by address. */
  readonly vips: VipEntry[];
  /**
   * Publishes `service` on the VIP `address` (a host address of the LAN, used once). Every port of the Service is
   * forwarded.
   *
   * @param service a `k8s.KubeService` (`WebSshServer.service`, `KubernetesDashboard.service`) or any cdk8s
   * `ApiObject` of kind Service (for a cdk8s-plus Service, `ApiObject.of(service)`)
   * @param address the VIP, a host address of the LAN (`Ipv4Address.of('192.168.1.31')`)
   */
  expose(service: ApiObject, address: Ipv4Address, options?: VipExposeOptions): VipEntry;
  /**
   * Holds `address` for a Gateway (`GatewayEntry`): the Gateway asks for it in `spec.addresses`, and its
   * implementation makes the Service, of type LoadBalancer, that takes it. MetalLB lets any namespace's Service have it
   * (the implementation's may be in its own namespace); kube-vip announces what the Service asks for;
   * kube-keepalived-vip refuses (its ConfigMap names a Service, which the site does not make here).
   *
   * @param gateway the Gateway (`GatewayEntry.gateway`)
   * @param address the VIP, a host address of the LAN used once
   * @param ports the ports its listeners take (80, 443)
   */
  exposeGateway(gateway: ApiObject, address: Ipv4Address, ports: number[]): VipEntry;
}

/**
 * The VIPs one controller publishes: the checks every backend makes on an address and a Service, and the
 * entries sorted by address. The backends differ only in what they write for an entry.
 */
export class VipTable {
  private readonly entries = new Map<string, VipEntry>();

  constructor(private readonly controller: IVipController) {}

  /**
   * Checks `address` and `service` (a host address of the LAN not used yet; a Service) and records the entry.
   * Throws a SiteError naming the controller, the prop and the fix.
   */
  public add(service: ApiObject, address: Ipv4Address, kind: 'Service' | 'Gateway' = 'Service', ports?: number[]): VipEntry {
    const controller = this.controller;
    const verb = kind === 'Service' ? 'expose' : 'exposeGateway';
    const vip = requireLanAddress(controller, `${verb} address`, address, controller.lanSubnet);
    if (service.kind !== kind) {
      throw SiteError.invalidProp(controller, `${verb} ${kind === 'Service' ? 'service' : 'gateway'}`, `${service.kind}/${service.name}`, `be a ${kind}`);
    }
    const ref = `${service.metadata.namespace ?? 'default'}/${service.name}`;
    const taken = this.entries.get(vip.text);
    if (taken) {
      throw SiteError.invalidProp(controller, `${verb} address`, vip.text, `be a VIP not used yet: it already publishes ${taken.service}`);
    }
    const entry: VipEntry = kind === 'Service'
      ? { address: vip.text, service: ref, ports: ((service.toJson().spec?.ports ?? []) as Array<{ port: number }>).map((p) => p.port) }
      : { address: vip.text, service: ref, ports: ports ?? [], kind };
    this.entries.set(entry.address, entry);
    return entry;
  }

  /** The entries, sorted by address. */
  public get sorted(): VipEntry[] {
    return [...this.entries.values()].sort((a, b) => Ipv4Address.of(a.address).value - Ipv4Address.of(b.address).value);
  }
}

/** Every VIP controller of an app, whatever its backend, for the checks across them. */
const CONTROLLERS = new WeakMap<AppChecks, IVipController[]>();

/**
 * Enrols `controller` in the app-wide VIP checks: one VIP published by two controllers (of any backends), and a VIP
 * that the site declared as another thing's address (the NAS, the API server, a node). Every backend calls this
 * once, from its constructor.
 */
export function registerVipController(controller: IVipController): void {
  const checks = AppChecks.of(controller);
  const controllers = CONTROLLERS.get(checks) ?? [];
  if (controllers.length === 0) checks.add({ check: (report) => checkAcrossControllers(checks, controllers, report) });
  controllers.push(controller);
  CONTROLLERS.set(checks, controllers);
}

function checkAcrossControllers(checks: AppChecks, controllers: IVipController[], report: AppReport): void {
  const owners = new Map<string, IVipController>();
  for (const controller of controllers) {
    for (const entry of controller.vips) {
      const owner = owners.get(entry.address);
      if (owner) {
        report.error(controller, `'expose address' ${entry.address} (for ${entry.service}) is also a VIP of [${owner.node.path}] `
          + `(${owner.backend}): two controllers would fight over one address. Publish each VIP through one controller`);
      } else {
        owners.set(entry.address, controller);
      }
      const use = checks.addressUse(entry.address);
      if (use) {
        report.error(controller, `'expose address' ${entry.address} (for ${entry.service}) is ${use}: the VIP would take that address `
          + 'over on the LAN. Use a free address of the LAN');
      }
    }
  }
}
