import {
  AppChecks, Ipv4Address, MANAGED_BY, namespaceOf, OperatorContract, requireDnsLabel, requireDnsSubdomain, requireInteger, resourceName,
  SiteError,
} from '@cdk8s-vserver/core';
import { Lazy } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { EntryHostnames } from './entry-hostnames';
import * as gatewayApi from './imports/gateway.networking.k8s.io';

/** Gateway API's group, and the release whose standard-channel CRDs the types were imported from (`crds/gateway-api-v1.5.1/`). */
export const GATEWAY_API_GROUP = 'gateway.networking.k8s.io';
export const GATEWAY_API_VERSION = 'v1.5.1';
/** How an operator installs the CRDs: upstream's standard channel of the same release. */
const GATEWAY_API_INSTALL_HINT = `kubectl apply --server-side -f https://github.com/kubernetes-sigs/gateway-api/releases/download/${GATEWAY_API_VERSION}/standard-install.yaml`;
/** Most listeners one Gateway or one ListenerSet holds (the CRDs' `maxItems`). */
export const LISTENERS_PER_HOLDER = 64;
/** The Gateway's ports: HTTP on 80, TLS passed through on 443. */
export const GATEWAY_ENTRY_PORTS = { http: 80, tls: 443 } as const;
/** Most hostnames one route holds (the CRDs' `maxItems`). */
export const HOSTNAMES_PER_ROUTE = 16;

/** Props of {@link GatewayEntry}. */
export interface GatewayEntryProps {
  /** Name of the Gateway; its ListenerSets are `<name>-1`, `<name>-2`, ... @default - the construct id in kebab case */
  readonly name?: string | undefined;
  /**
   * The GatewayClass of the cluster's implementation that supports TLS passthrough (`eg` of Envoy Gateway, `nginx`
   * of NGINX Gateway Fabric, `cilium`, `istio`): it makes the Gateway's pods and Service.
   */
  readonly gatewayClassName: string;
  /**
   * The address the Gateway asks for (`spec.addresses`, type IPAddress): the site's VIP for the entry. Publish it with
   * the site's VIP controller (`IVipController.exposeGateway`).
   */
  readonly address: Ipv4Address;
}

/** A server behind the Gateway: its Service, and which names lead to it. */
export interface GatewayServerOptions {
  /** The server's name (its Service's, and its routes'). */
  readonly name: string;
  /** The server's namespace: its routes are there, and only routes of that namespace attach to its listeners. */
  readonly namespace: string;
  /**
   * The hostnames routed to it: by the TLS ClientHello's server name (passed through: the server ends its own TLS)
   * and by the Host header. One to sixteen (a route's most); `*.example.org` takes every name one label under it.
   */
  readonly hostnames: string[];
  /** Its Service's HTTP port (80 with `WebSshServer`). */
  readonly httpPort: number;
  /** Its Service's HTTPS port (443), when it serves HTTPS. @default - HTTP only: no TLS listener, no TLSRoute */
  readonly httpsPort?: number | undefined;
}

/** The routes of one server, in its namespace. */
export interface GatewayServerRoutes {
  readonly http: gatewayApi.HttpRoute;
  readonly tls?: gatewayApi.TlsRoute | undefined;
}

/** A Gateway or one of its ListenerSets, and the listeners it holds. */
interface Holder {
  readonly kind: 'Gateway' | 'ListenerSet';
  readonly name: string;
  readonly listeners: gatewayApi.GatewaySpecListeners[];
}

/**
 * The shared entry for clusters with a Gateway API implementation: a Gateway (on the site's VIP) with, per hostname of
 * each server, an HTTP listener on 80 and a TLS passthrough listener on 443, each admitting routes of that server's
 * namespace only, so no tenant's route can take another customer's name; per server one HTTPRoute and one TLSRoute
 * in its namespace, to its Service. Past 64 listeners (the Gateway's most) the next servers' listeners go to
 * ListenerSets of the Gateway (64 each), a server's listeners always together. HTTPS passes through untouched: each
 * server ends its own TLS with its own certificate, and ACME's HTTP-01 reaches it by the Host header.
 *
 * Typed by `cdk8s import` of Gateway API v1.5.1's standard channel (`crds/gateway-api-v1.5.1/`). Gateway API needs
 * Kubernetes 1.26 or newer; SSH has no route in the standard channel (TCPRoute is experimental).
 */
export class GatewayEntry extends Construct {
  public readonly name: string;
  public readonly namespace: string;
  public readonly gateway: gatewayApi.Gateway;
  /** The address the Gateway asks for. */
  public readonly address: string;
  private readonly holders: Holder[];
  private readonly listenerSets: gatewayApi.ListenerSet[] = [];
  private readonly hostnames = new EntryHostnames();
  private readonly routed: Array<{ name: string; namespace: string; hostnames: string[] }> = [];

  constructor(scope: Construct, id: string, props: GatewayEntryProps) {
    super(scope, id);
    AppChecks.of(this).trust(this);
    const name = this.name = resourceName(this, 'name', props.name);
    this.namespace = namespaceOf(this);
    const className = requireDnsSubdomain(this, 'gatewayClassName', props.gatewayClassName, 'eg');
    this.address = props.address.text;
    OperatorContract.of(this).installHint({ apiGroup: GATEWAY_API_GROUP, namespace: this.namespace, install: GATEWAY_API_INSTALL_HINT });
    const gatewayHolder: Holder = { kind: 'Gateway', name, listeners: [] };
    this.holders = [gatewayHolder];
    this.gateway = new gatewayApi.Gateway(this, 'Gateway', {
      metadata: { name, labels: { ...MANAGED_BY } },
      spec: {
        gatewayClassName: className,
        addresses: [{ type: 'IPAddress', value: this.address }],
        listeners: Lazy.any({ produce: () => gatewayHolder.listeners }) as unknown as gatewayApi.GatewaySpecListeners[],
        // its own ListenerSets only, when it has any
        allowedListeners: Lazy.any({
          produce: () => (this.listenerSets.length ? { namespaces: { from: gatewayApi.GatewaySpecAllowedListenersNamespacesFrom.SAME } } : undefined),
        }) as unknown as gatewayApi.GatewaySpecAllowedListeners,
      },
    });
    // (a Gateway holds one listener at least)
    AppChecks.of(this).add({
      check: (report) => {
        if (gatewayHolder.listeners.length === 0) {
          report.error(this, `the Gateway ${this.namespace}/${name} has no listener: put a server behind the entry (its 'entry'), or leave the entry out`);
        }
      },
    });
  }

  /** The servers behind the Gateway, in the order added. */
  public get servers(): ReadonlyArray<{ name: string; namespace: string; hostnames: string[] }> {
    return this.routed;
  }

  /** The ListenerSets made so far (past the Gateway's 64 listeners). */
  public get sets(): readonly gatewayApi.ListenerSet[] {
    return this.listenerSets;
  }

  /**
   * Routes the server's hostnames to its Service: its listeners on the Gateway (or a ListenerSet), and its HTTPRoute
   * and TLSRoute made in `routeScope` (a chart of the server's namespace). A hostname another server behind the entry
   * has, a wildcard that takes another server's name, or more than 16 hostnames is an error naming the declaration.
   *
   * @param scope the construct whose prop declared the server (errors name it and `prop`)
   * @param prop the declaration's path of the server's entry (`servers[2].entry`)
   * @param routeScope where the routes are made: their namespace is the server's
   */
  public addServer(scope: IConstruct, prop: string, options: GatewayServerOptions, routeScope: Construct): GatewayServerRoutes {
    const hostnames = this.hostnames.claim(scope, prop, options.hostnames);
    if (hostnames.length > HOSTNAMES_PER_ROUTE) {
      throw SiteError.invalidProp(scope, `${prop} (hostnames)`, `${hostnames.length} hostnames`, `be ${HOSTNAMES_PER_ROUTE} at most behind a `
        + `Gateway: a route of Gateway API holds ${HOSTNAMES_PER_ROUTE}. Give the names past it a server of their own, or use a wildcard`);
    }
    const name = requireDnsLabel(scope, `${prop} (name)`, options.name);
    const namespace = requireDnsLabel(scope, `${prop} (namespace)`, options.namespace);
    if (namespaceOf(routeScope) !== namespace) {
      throw SiteError.invalidProp(scope, `${prop} (namespace)`, namespace, `be the namespace of the routes' chart (${namespaceOf(routeScope)})`);
    }
    const httpPort = requireInteger(scope, `${prop} (httpPort)`, options.httpPort, 1, 65535);
    const httpsPort = options.httpsPort === undefined ? undefined : requireInteger(scope, `${prop} (httpsPort)`, options.httpsPort, 1, 65535);
    // only routes of the server's namespace attach to its listeners
    const allowed = (kind: string) => ({
      namespaces: {
        from: gatewayApi.GatewaySpecListenersAllowedRoutesNamespacesFrom.SELECTOR,
        selector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } },
      },
      kinds: [{ group: GATEWAY_API_GROUP, kind }],
    });
    const http = hostnames.map((hostname, i): gatewayApi.GatewaySpecListeners => ({
      name: `${name}-http-${i + 1}`, hostname, port: GATEWAY_ENTRY_PORTS.http, protocol: 'HTTP', allowedRoutes: allowed('HTTPRoute'),
    }));
    const tls = httpsPort === undefined ? [] : hostnames.map((hostname, i): gatewayApi.GatewaySpecListeners => ({
      name: `${name}-tls-${i + 1}`,
      hostname,
      port: GATEWAY_ENTRY_PORTS.tls,
      protocol: 'TLS',
      tls: { mode: gatewayApi.GatewaySpecListenersTlsMode.PASSTHROUGH },
      allowedRoutes: allowed('TLSRoute'),
    }));
    const holder = this.holderFor(http.length + tls.length);
    holder.listeners.push(...http, ...tls);
    const parent = (listener: gatewayApi.GatewaySpecListeners) => ({
      group: GATEWAY_API_GROUP, kind: holder.kind, name: holder.name, namespace: this.namespace, sectionName: listener.name,
    });
    const metadata = { name, labels: { 'app.kubernetes.io/instance': name, ...MANAGED_BY } };
    const routes: GatewayServerRoutes = {
      http: new gatewayApi.HttpRoute(routeScope, `${this.node.id}HttpRoute-${name}`, {
        metadata,
        spec: { parentRefs: http.map(parent), hostnames, rules: [{ backendRefs: [{ name, port: httpPort }] }] },
      }),
      tls: httpsPort === undefined ? undefined : new gatewayApi.TlsRoute(routeScope, `${this.node.id}TlsRoute-${name}`, {
        metadata,
        spec: { parentRefs: tls.map(parent), hostnames, rules: [{ backendRefs: [{ name, port: httpsPort }] }] },
      }),
    };
    this.routed.push({ name, namespace, hostnames });
    return routes;
  }

  /** The Gateway while it has room for `count` more listeners, else the last ListenerSet with room, else a new one. */
  private holderFor(count: number): Holder {
    const last = this.holders[this.holders.length - 1];
    if (last.listeners.length + count <= LISTENERS_PER_HOLDER) return last;
    const holder: Holder = { kind: 'ListenerSet', name: `${this.name}-${this.listenerSets.length + 1}`, listeners: [] };
    this.holders.push(holder);
    this.listenerSets.push(new gatewayApi.ListenerSet(this, `ListenerSet${this.listenerSets.length + 1}`, {
      metadata: { name: holder.name, labels: { ...MANAGED_BY } },
      spec: {
        parentRef: { group: GATEWAY_API_GROUP, kind: 'Gateway', name: this.name },
        listeners: Lazy.any({ produce: () => holder.listeners }) as unknown as gatewayApi.ListenerSetSpecListeners[],
      },
    }));
    return holder;
  }
}
