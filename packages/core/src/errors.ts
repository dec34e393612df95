import { IConstruct } from 'constructs';

/**
 * The one error type of cdk8s-vserver: a synth-time problem with a construct's input.
 *
 * Its message always names where (the construct path), what (the prop), the value received and what is
 * expected instead, so the person reading it can fix the app without opening the library's source:
 *
 *   [lab/web/myweb] 'replicas' must be an integer of at least 1, got 0
 */
export class SiteError extends Error {
  /**
   * A prop of a construct has a value that cannot work.
   *
   * @param scope the construct that received the prop (its path is quoted)
   * @param prop the prop's name, as the user wrote it (`replicas`, `nfs.path`)
   * @param value the value received (quoted as JSON)
   * @param expected what would work, phrased to follow "must" (`be an integer of at least 1`)
   */
  public static invalidProp(scope: IConstruct, prop: string, value: unknown, expected: string): SiteError {
    return new SiteError(`[${pathOf(scope)}] '${prop}' must ${expected}, got ${describeValue(value)}`);
  }

  /**
   * A problem that is not about a single prop value (two props that clash, a duplicate across calls).
   */
  public static atConstruct(scope: IConstruct, message: string): SiteError {
    return new SiteError(`[${pathOf(scope)}] ${message}`);
  }

  public constructor(message: string) {
    super(message);
    this.name = 'SiteError';
    Object.setPrototypeOf(this, SiteError.prototype);
  }
}

/** The construct path as users see it in errors and warnings (the app root's empty id is left out). */
export function pathOf(scope: IConstruct): string {
  return scope.node.path || scope.node.id || '<root>';
}

/** Quotes a value for an error message: strings and objects as JSON, `undefined` as the word. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && (value as object).toString !== Object.prototype.toString) {
    return JSON.stringify(String(value));
  }
  return JSON.stringify(value);
}
