import { IConstruct } from 'constructs';
import { SiteError } from './errors';

/** Returns `value` when it is an integer in [min, max]; otherwise throws naming the construct and prop. */
export function requireInteger(scope: IConstruct, prop: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`;
    throw SiteError.invalidProp(scope, prop, value, `be an integer ${range}`);
  }
  return value;
}

/** Returns `port` when it is a TCP port number (1-65535); otherwise throws naming the construct and prop. */
export function requirePort(scope: IConstruct, prop: string, port: number): number {
  return requireInteger(scope, prop, port, 1, 65535);
}

/**
 * Throws when two of the named ports share a number: each named entry must be a distinct port.
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
