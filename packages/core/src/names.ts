/** Longest Kubernetes object name this library accepts (a DNS-1123 label: Services and label values need it). */
export const MAX_NAME_LENGTH = 63;

const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** True when `value` is a DNS-1123 label: lowercase alphanumerics and '-', at most 63 characters. */
export function isDnsLabel(value: string): boolean {
  return value.length <= MAX_NAME_LENGTH && DNS_1123_LABEL.test(value);
}

/**
 * True when the API server takes `value` as a label value (and as the name part of a label key, when not empty):
 * at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit, or empty.
 */
export function isLabelValue(value: string): boolean {
  return value.length <= MAX_NAME_LENGTH && /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/.test(value);
}

/**
 * True when `value` is a DNS-1123 subdomain: dot-separated labels, at most 253 characters (`myweb-ssh-host-keys`,
 * `nas.test`), the form of Secret and ConfigMap names.
 */
export function isDnsSubdomain(value: string): boolean {
  return value.length <= 253 && DNS_1123_SUBDOMAIN.test(value) && value.split('.').every((label) => label.length <= MAX_NAME_LENGTH);
}

/** True when `value` is a hostname such as `nas.test`: a DNS-1123 subdomain that is not made of digits and dots. */
export function isHostname(value: string): boolean {
  // a string of digits and dots is an IPv4 address (valid or not), never a hostname
  return isDnsSubdomain(value) && !/^[0-9.]+$/.test(value);
}

/**
 * Turns a construct id into the default object name: kebab case, lowercase (`MyWeb` -> `my-web`).
 */
export function kebabCase(id: string): string {
  return id
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1-$2')
    .replace(/[^A-Za-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .toLowerCase();
}

/**
 * `text` as the URL of a service's root (`https://s3.example.com:9000`: one of `schemes`, no user, path, query or
 * fragment), or undefined when it is not one.
 */
export function serviceUrl(text: string, schemes: readonly string[]): URL | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  const plain = schemes.includes(url.protocol.replace(/:$/, '')) && !url.username && !url.password && !url.search && !url.hash && url.pathname === '/';
  return plain ? url : undefined;
}
