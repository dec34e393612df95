const NODE_ROLE = Symbol.for('@cdk8s-vserver/core.NodeRole');

/**
 * The role a node plays in the site, carried as the node label `role=<name>`.
 *
 * Roles are a closed set, so a workload can only be placed with the label key and values the site's nodes
 * really carry (`kubectl label node node0 role=router`): the `type: worker` vs `role=worker` mix-up of a
 * hand-written manifest cannot be expressed.
 */
export class NodeRole {
  /** The node label key every role is carried in. */
  public static readonly LABEL_KEY = 'role';

  /** The router node: holds the virtual IPs (kube-keepalived-vip runs here). Label `role=router`. */
  public static readonly ROUTER = new NodeRole('router');

  /** Worker nodes: run the virtual servers. Label `role=worker`. */
  public static readonly WORKER = new NodeRole('worker');

  /** Every role the site knows. */
  public static all(): NodeRole[] {
    return [NodeRole.ROUTER, NodeRole.WORKER];
  }

  /**
   * The role with this label value (`router`, `worker`). Never throws and never falls back to another role: an
   * unknown name gives a role whose `problem` says so, which every construct refuses (`requireNodeRole`).
   */
  public static of(name: string): NodeRole {
    return NodeRole.all().find((role) => role.name === name) ?? new NodeRole(name, false);
  }

  /** True when `value` is a NodeRole (also across copies of this package). */
  public static isNodeRole(value: unknown): value is NodeRole {
    return typeof value === 'object' && value !== null && (value as { [NODE_ROLE]?: boolean | undefined })[NODE_ROLE] === true;
  }

  private constructor(
    /** The label value (`worker`). */
    public readonly name: string,
    known = true,
  ) {
    Object.defineProperty(this, NODE_ROLE, { value: known });
  }

  /** Why no node carries this role, or undefined for one of the site's roles. */
  public get problem(): string | undefined {
    return NodeRole.isNodeRole(this) ? undefined
      : `is not a role the site's nodes carry (${NodeRole.all().map((r) => r.name).join(', ')})`;
  }

  /** The node selector that places a pod on nodes of this role: `{ role: '<name>' }`. */
  public get nodeSelector(): Record<string, string> {
    return { [NodeRole.LABEL_KEY]: this.name };
  }

  /** `role=<name>`, as `kubectl get nodes -l` takes it. */
  public toString(): string {
    return `${NodeRole.LABEL_KEY}=${this.name}`;
  }
}
