import { IConstruct } from 'constructs';
import { SiteError } from './errors';

/** Longest Kubernetes object name this library accepts (a DNS-1123 label: Services and label values need it). */
export const MAX_NAME_LENGTH = 63;

const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** True when `value` is a valid DNS-1123 label: lowercase alphanumerics and '-', at most 63 characters. */
export function isDnsLabel(value: string): boolean {
  return typeof value === 'string' && value.length <= MAX_NAME_LENGTH && DNS_1123_LABEL.test(value);
}

/** True when `value` is a DNS-1123 subdomain (dot-separated labels, at most 253 characters), e.g. `nas.test`. */
export function isHostname(value: string): boolean {
  return typeof value === 'string' && value.length <= 253 && DNS_1123_SUBDOMAIN.test(value)
    && value.split('.').every((label) => label.length <= MAX_NAME_LENGTH)
    // a string of digits and dots is an IPv4 address (valid or not), never a hostname
    && !/^[0-9.]+$/.test(value);
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
 * Returns the stable, human-readable name of an object a construct creates: `name` when given, otherwise the
 * construct id in kebab case. Throws a {@link SiteError} naming the construct and prop when the result is not a
 * DNS-1123 label.
 *
 * @param scope the construct whose prop this is
 * @param prop the prop's name for the error message (`name`, `claimName`)
 * @param name the value the user gave, if any
 * @param fallback the default when `name` is undefined
 */
export function resourceName(scope: IConstruct, prop: string, name: string | undefined, fallback?: string): string {
  const value = name ?? fallback ?? kebabCase(scope.node.id);
  if (!isDnsLabel(value)) {
    throw SiteError.invalidProp(scope, prop, value,
      `be a DNS-1123 label: 1-${MAX_NAME_LENGTH} lowercase letters, digits or '-', starting and ending with a letter or digit`
      + (typeof value === 'string' && value.length > MAX_NAME_LENGTH ? ` (it has ${value.length} characters)` : ''));
  }
  return value;
}
