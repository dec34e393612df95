import { Duration } from 'cdk8s';
import { IConstruct } from 'constructs';
import { SiteError } from './errors';
import { ImageReference } from './image';
import * as k8s from './imports/k8s';
import { Ipv4Address, Ipv4Subnet } from './ipv4';
import { isDnsLabel, isDnsSubdomain, isHostname, isLabelValue, kebabCase, MAX_NAME_LENGTH } from './names';
import { NodeRole } from './node-role';

// The one set of prop checks every construct uses. Each returns the value when it is good and otherwise throws a
// SiteError that names the construct (its path), the prop, the value received and what would work.

/** The largest value of a Kubernetes int32 field (replicas, minReadySeconds, ports). */
export const INT32_MAX = 2147483647;

/** Returns `value` when it is an integer in [min, max]. */
export function requireInteger(scope: IConstruct, prop: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`;
    throw SiteError.invalidProp(scope, prop, value, `be an integer ${range}`);
  }
  return value;
}

/** Returns `duration` in whole seconds when it is at least `min` seconds (fractions of a second are refused). */
export function requireWholeSeconds(scope: IConstruct, prop: string, duration: Duration, min = 0): number {
  const seconds = duration.toSeconds({ integral: false });
  if (!Number.isInteger(seconds) || seconds < min) {
    throw SiteError.invalidProp(scope, prop, `${seconds} s`, `be a Duration of whole seconds, at least ${min}, such as Duration.seconds(30)`);
  }
  return seconds;
}

/** Returns `port` when it is a TCP port number (1-65535). */
export function requirePort(scope: IConstruct, prop: string, port: number): number {
  return requireInteger(scope, prop, port, 1, 65535);
}

/**
 * Checks that each named port is a TCP port and that no two share a number.
 *
 * @param ports prop name -> port number, in the order the props are documented
 */
export function requireDistinctPorts(scope: IConstruct, ports: Record<string, number>): void {
  const seen = new Map<number, string>();
  for (const [prop, port] of Object.entries(ports)) {
    requirePort(scope, prop, port);
    const other = seen.get(port);
    if (other !== undefined) {
      throw SiteError.invalidProp(scope, prop, port, `differ from '${other}' (${port}): each port may be used once`);
    }
    seen.set(port, prop);
  }
}

/**
 * Returns `value` when it is one of `allowed` (the values of a string enum or a union of string literals).
 *
 * @param allowed the values, each with the name a user writes for it (`{ 'NodeSpread.REQUIRED': 'required' }`)
 */
export function requireEnum<T extends string>(scope: IConstruct, prop: string, value: T, allowed: Record<string, T>): T {
  if (!Object.values(allowed).includes(value)) {
    const names = Object.entries(allowed).map(([name, v]) => (name === v ? JSON.stringify(v) : `${name} (${JSON.stringify(v)})`));
    throw SiteError.invalidProp(scope, prop, value, `be one of ${names.join(', ')}`);
  }
  return value;
}

/**
 * Returns `path` when it is an absolute path without white space, `.` or `..` segments.
 *
 * @param example a path that would work here, for the message (`/var/www/html`)
 */
export function requireAbsolutePath(scope: IConstruct, prop: string, path: string, example: string): string {
  if (!path.startsWith('/') || /\s/.test(path) || path.split('/').some((s) => s === '.' || s === '..')) {
    throw SiteError.invalidProp(scope, prop, path, `be an absolute path without white space, "." or ".." segments, such as "${example}"`);
  }
  return path;
}

/**
 * Returns `url` when it is an http(s) URL of a host, with an optional port and no path (`https://192.168.1.10:6443`).
 */
export function requireHttpUrl(scope: IConstruct, prop: string, url: string, example: string): string {
  if (!/^https?:\/\/[^\s/:]+(:[0-9]{1,5})?\/?$/.test(url)) {
    throw SiteError.invalidProp(scope, prop, url, `be an http(s) URL of a host and an optional port, such as "${example}"`);
  }
  return url;
}

/**
 * Returns `value` when the API server takes it as a label value: at most 63 characters of letters, digits, '-',
 * '_' and '.', starting and ending with a letter or digit (or empty).
 */
export function requireLabelValue(scope: IConstruct, prop: string, value: string, label: string): string {
  if (!isLabelValue(value)) {
    throw SiteError.invalidProp(scope, prop, value, `be usable as the label ${label}: at most 63 letters, digits, '-', '_' or '.', `
      + 'starting and ending with a letter or digit');
  }
  return value;
}

/** Returns `name` when it is a DNS-1123 label: the name of a Deployment, Service, PVC or namespace. */
export function requireDnsLabel(scope: IConstruct, prop: string, name: string): string {
  if (!isDnsLabel(name)) {
    throw SiteError.invalidProp(scope, prop, name,
      `be a DNS-1123 label: 1-${MAX_NAME_LENGTH} lowercase letters, digits or '-', starting and ending with a letter or digit`
      + (name.length > MAX_NAME_LENGTH ? ` (it has ${name.length} characters)` : ''));
  }
  return name;
}

/** Returns `name` when it is a DNS-1123 subdomain: the name of a Secret or ConfigMap. */
export function requireDnsSubdomain(scope: IConstruct, prop: string, name: string, example: string): string {
  if (!isDnsSubdomain(name)) {
    throw SiteError.invalidProp(scope, prop, name,
      `be a DNS-1123 subdomain of lowercase letters, digits, '-' and '.', such as "${example}"`);
  }
  return name;
}

/**
 * Returns the stable, human-readable name of an object a construct creates: `name` when given, otherwise
 * `fallback`, otherwise the construct id in kebab case; it must be a DNS-1123 label.
 *
 * @param name the value the user gave, if any
 * @param fallback the default when `name` is undefined
 */
export function resourceName(scope: IConstruct, prop: string, name: string | undefined, fallback?: string): string {
  return requireDnsLabel(scope, prop, name ?? fallback ?? kebabCase(scope.node.id));
}

/** Returns `image` when it is a pinned reference (a tag other than `latest`, or a digest). */
export function requirePinnedImage(scope: IConstruct, prop: string, image: ImageReference): ImageReference {
  const problem = image.problem;
  if (problem !== undefined) {
    throw SiteError.invalidProp(scope, prop, image.reference,
      `be an ImageReference with a pinned tag or digest, e.g. ImageReference.of("master.test:5000/myrepo/httpd:v1"); this one ${problem}`);
  }
  return image;
}

/**
 * Returns `role` when it is one of the site's node roles (also when it comes from another copy of this package);
 * `NodeRole.of('storage')` and anything else is refused, never replaced by a default.
 */
export function requireNodeRole(scope: IConstruct, prop: string, role: NodeRole): NodeRole {
  if (!NodeRole.isNodeRole(role)) {
    throw SiteError.invalidProp(scope, prop, (role as { name?: unknown | undefined }).name ?? role,
      `be one of the site's node roles: ${NodeRole.all().map((r) => `NodeRole.${r.name.toUpperCase()} (${r})`).join(', ')}`);
  }
  return role;
}

/** Returns `address` when it is an IPv4 address. */
export function requireIpv4Address(scope: IConstruct, prop: string, address: Ipv4Address): Ipv4Address {
  if (address.problem !== undefined) {
    throw SiteError.invalidProp(scope, prop, address.text, 'be an IPv4 address such as Ipv4Address.of("192.168.1.31")');
  }
  return address;
}

/** Returns `address` when it is a host address of `lan`: an IPv4 address inside it, neither its network nor its broadcast address. */
export function requireLanAddress(scope: IConstruct, prop: string, address: Ipv4Address, lan: Ipv4Subnet): Ipv4Address {
  requireIpv4Address(scope, prop, address);
  if (!lan.contains(address)) {
    throw SiteError.invalidProp(scope, prop, address.text, `lie in the site's LAN ${lan}`);
  }
  if (lan.isNetworkOrBroadcast(address)) {
    throw SiteError.invalidProp(scope, prop, address.text, `be a host address of ${lan}, not its network or broadcast address`);
  }
  return address;
}

/** Returns `subnet` when it is an IPv4 subnet in CIDR form with no host bits set. */
export function requireIpv4Subnet(scope: IConstruct, prop: string, subnet: Ipv4Subnet): Ipv4Subnet {
  const problem = subnet.problem;
  if (problem !== undefined) {
    throw SiteError.invalidProp(scope, prop, subnet.text,
      `be an IPv4 subnet in CIDR form with no host bits set, such as Ipv4Subnet.of("192.168.1.0/24"); this one ${problem}`);
  }
  return subnet;
}

/** Returns `name` when it can be a Linux network interface's name (`eth0`, `ens192`: 1-15 characters); `nodes` says whose. */
export function requireInterfaceName(scope: IConstruct, prop: string, name: string, nodes: string): string {
  if (!/^[A-Za-z0-9_.:-]{1,15}$/.test(name)) {
    throw SiteError.invalidProp(scope, prop, name, `be a network interface name of the ${nodes} (1-15 characters, such as eth0)`);
  }
  return name;
}

/** Returns `host` when it is a hostname (`nas.test`) or an IPv4 address (`192.168.1.10`). */
export function requireHost(scope: IConstruct, prop: string, host: string): string {
  if (Ipv4Address.of(host).problem !== undefined && !isHostname(host)) {
    throw SiteError.invalidProp(scope, prop, host, 'be a hostname (such as "nas.test") or an IPv4 address (such as "192.168.1.10")');
  }
  return host;
}

/**
 * A pod's `imagePullSecrets` from Secret names (`kubernetes.io/dockerconfigjson` Secrets in the pod's namespace,
 * `kubectl create secret docker-registry <name> --docker-server=... --docker-username=... --docker-password=...`):
 * each a DNS subdomain, once; none given, none rendered.
 */
export function requireImagePullSecrets(scope: IConstruct, prop: string,
  names: readonly string[] | undefined): k8s.LocalObjectReference[] | undefined {
  if (names === undefined || names.length === 0) return undefined;
  names.forEach((name, i) => {
    requireDnsSubdomain(scope, `${prop}[${i}]`, name, 'registry-credentials');
    if (names.indexOf(name) !== i) throw SiteError.invalidProp(scope, `${prop}[${i}]`, name, 'be listed once');
  });
  return names.map((name) => ({ name }));
}
