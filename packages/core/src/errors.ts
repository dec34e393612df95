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
    const where = FieldPath.locate(scope, prop);
    return new SiteError(`[${pathOf(where.scope)}] '${where.prop}' must ${expected}, got ${describeValue(value)}`);
  }

  /**
   * A problem that is not about a single prop value (two props that clash, a duplicate across calls).
   */
  public static atConstruct(scope: IConstruct, message: string): SiteError {
    const declared = FieldPath.declaredAt(scope);
    return new SiteError(declared ? `[${pathOf(declared.scope)}] ${declared.path}: ${message}` : `[${pathOf(scope)}] ${message}`);
  }

  public constructor(message: string) {
    super(message);
    this.name = 'SiteError';
    Object.setPrototypeOf(this, SiteError.prototype);
  }
}

/** What {@link FieldPath.declare} records for a construct that is yet to be built. */
interface Declared {
  /** The construct the user wrote the declaration for (a `HostingSite`): named in brackets. */
  readonly scope: IConstruct;
  /** The path of the construct's props in the declaration (`servers[1]`). */
  readonly path: string;
  /**
   * A construct prop that the declaration names otherwise, by its first word, with the whole path the user wrote:
   * `{ hostKeysSecret: 'servers[1].overrides.hostKeysSecret', host: 'facts.nas.host' }`.
   */
  readonly props: Readonly<Record<string, string>>;
}

const DECLARED = Symbol.for('@cdk8s-vserver/core.FieldPath');

/**
 * Where the user wrote a value, on the model of apimachinery's `field.Path`: the construct they declared (a site) and
 * the path in that declaration (`servers[1].address`). A site declares where each construct it builds came from
 * (`FieldPath.of(site).child('servers').index(1).declare(parent, 'Shop')`) before building it; from then on every
 * `SiteError` of that construct, and of the constructs inside it, names the declaration's path instead of the
 * construct's own: `[Site] 'servers[1].replicas' must ...`, not `[web/Shop] 'replicas' must ...`. A construct needs
 * no prop of its own for it, and its checks are the same whether a site or a person built it.
 */
export class FieldPath {
  /** The root of `scope`'s declaration. */
  public static of(scope: IConstruct, path = ''): FieldPath {
    return new FieldPath(scope, path);
  }

  /** Where the construct `scope` (or the nearest construct around it) was declared, if a site declared it. */
  public static declaredAt(scope: IConstruct): Declared | undefined {
    for (let c: IConstruct | undefined = scope; c; c = c.node.scope) {
      const parent = c.node.scope as (IConstruct & { [DECLARED]?: Map<string, Declared> }) | undefined;
      const declared = parent?.[DECLARED]?.get(c.node.id);
      if (declared) return declared;
    }
    return undefined;
  }

  /**
   * The name of the prop `prop` of `scope` as its user wrote it: `servers[1].replicas` for a server a site declared at
   * `servers[1]`, `prop` itself otherwise. For messages that name another prop besides the one at fault.
   */
  public static nameOf(scope: IConstruct, prop: string): string {
    return FieldPath.locate(scope, prop).prop;
  }

  /** The construct to name for the prop `prop` of `scope` (the declared one, else `scope`), and the prop's name as its user wrote it. */
  public static locate(scope: IConstruct, prop: string): { readonly scope: IConstruct; readonly prop: string } {
    const declared = FieldPath.declaredAt(scope);
    if (!declared) return { scope, prop };
    const first = /^[A-Za-z0-9_]+/.exec(prop)?.[0] ?? '';
    const renamed = declared.props[first];
    const name = renamed !== undefined ? `${renamed}${prop.slice(first.length)}`
      : prop === '' ? declared.path
        : declared.path === '' ? prop
          : /^[[ ]/.test(prop) ? `${declared.path}${prop}` : `${declared.path}.${prop}`;
    return { scope: declared.scope, prop: name };
  }

  private constructor(
    /** The declared construct. */
    public readonly scope: IConstruct,
    /** The path in its declaration (`servers[1]`; empty at the root). */
    public readonly path: string,
  ) {}

  /** The path of a field of this one (`servers` -> `servers.name`). */
  public child(name: string): FieldPath {
    return new FieldPath(this.scope, this.path === '' ? name : `${this.path}.${name}`);
  }

  /** The path of an entry of this list (`servers` -> `servers[1]`). */
  public index(i: number): FieldPath {
    return new FieldPath(this.scope, `${this.path}[${i}]`);
  }

  /**
   * Declares that the construct about to be built as `id` in `parent` was written here: its errors, and those of
   * the constructs inside it, name this path and the prop under it, or, for a prop the declaration calls otherwise
   * (a fact the site passed on), the whole path in `props`.
   */
  public declare(parent: IConstruct, id: string, props: Readonly<Record<string, string>> = {}): void {
    const holder = parent as IConstruct & { [DECLARED]?: Map<string, Declared> };
    if (!holder[DECLARED]) Object.defineProperty(holder, DECLARED, { value: new Map<string, Declared>() });
    holder[DECLARED]!.set(id, { scope: this.scope, path: this.path, props });
  }

  /** The path, as a message names it (`servers[1].address`). */
  public toString(): string {
    return this.path;
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
