import { FieldPath, SiteError } from '@cdk8s-vserver/core';
import { IConstruct } from 'constructs';

/**
 * The hostnames of the servers behind one entry, each taken by one server: whichever entry it is (the built-in
 * haproxy, a Gateway), a visitor's name must lead to exactly one customer's site.
 */
export class EntryHostnames {
  /** Who took each hostname, for the errors: `servers[1].entry ([Site]) has "shop.example.org"`. */
  private readonly owners = new Map<string, string>();

  /**
   * Takes the server's hostnames (lowercase) for it. None at all, a hostname another server has, or a wildcard that
   * takes another server's name (or a name another's wildcard takes) is an error naming both declarations.
   *
   * @param scope the construct whose prop declared the server (errors name it and `prop`)
   * @param prop the declaration's path of the server's entry (`servers[2].entry`)
   */
  public claim(scope: IConstruct, prop: string, hostnames: string[]): string[] {
    if (!Array.isArray(hostnames) || hostnames.length === 0) {
      throw SiteError.invalidProp(scope, `${prop} (hostnames)`, hostnames, 'list the hostnames of a server behind the shared entry: '
        + 'the entry routes by name (the TLS server name, the Host header), so a server without one is unreachable through it. '
        + 'Give it hostnames, or publish it on an address of its own');
    }
    const where = FieldPath.locate(scope, prop);
    const who = `${where.prop} (${where.scope.node.path})`;
    const lower = hostnames.map((h) => h.toLowerCase());
    lower.forEach((hostname, i) => {
      const clash = this.clash(hostname);
      if (clash) {
        throw SiteError.invalidProp(scope, `${prop} (hostnames[${i}])`, hostname, `differ from every other server's behind the entry: ${clash}, `
          + 'and the entry cannot tell whose site a visitor asked for. Give each name to one server');
      }
    });
    lower.forEach((hostname) => this.owners.set(hostname, `${who} has "${hostname}"`));
    return lower;
  }

  /** Who already has `hostname`, or a name it shadows or is shadowed by (`*.example.org` and `shop.example.org`). */
  private clash(hostname: string): string | undefined {
    const exact = this.owners.get(hostname);
    if (exact) return exact;
    for (const [taken, owner] of this.owners) {
      if (wildcardCovers(hostname, taken)) return `${owner}, which this wildcard would take`;
      if (wildcardCovers(taken, hostname)) return `${owner}, a wildcard that takes this name`;
    }
    return undefined;
  }
}

/** Whether `wildcard` (`*.example.org`) takes `name` (`shop.example.org`: exactly one label more). */
function wildcardCovers(wildcard: string, name: string): boolean {
  if (!wildcard.startsWith('*.') || name.startsWith('*.')) return false;
  const suffix = wildcard.slice(1);
  return name.endsWith(suffix) && !name.slice(0, -suffix.length).includes('.');
}
