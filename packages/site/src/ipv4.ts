/**
 * An IPv4 address in dotted-quad form (`192.168.1.31`).
 *
 * `Ipv4Address.parse` accepts exactly four decimal octets 0-255 without leading zeros; anything else is
 * `undefined`, so callers can report the bad input with their own construct path and prop.
 */
export class Ipv4Address {
  /** Parses a dotted quad; returns undefined when `text` is not one. */
  public static tryParse(text: string): Ipv4Address | undefined {
    if (typeof text !== 'string') return undefined;
    const parts = text.split('.');
    if (parts.length !== 4) return undefined;
    let value = 0;
    for (const part of parts) {
      if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return undefined;
      const octet = Number(part);
      if (octet > 255) return undefined;
      value = value * 256 + octet;
    }
    return new Ipv4Address(value);
  }

  /** True when `text` is a dotted-quad IPv4 address. */
  public static isValid(text: string): boolean {
    return Ipv4Address.tryParse(text) !== undefined;
  }

  /** @param value the address as an unsigned 32-bit number */
  private constructor(public readonly value: number) {}

  /** The dotted-quad form. */
  public toString(): string {
    return [24, 16, 8, 0].map((shift) => Math.floor(this.value / 2 ** shift) % 256).join('.');
  }
}

/**
 * An IPv4 subnet in CIDR form (`192.168.1.0/24`), such as the site's LAN.
 */
export class Ipv4Subnet {
  /**
   * Parses CIDR notation; returns undefined when `cidr` is not an address, a slash and a prefix 0-32, or when
   * the address has host bits set (`192.168.1.7/24` is ambiguous: write `192.168.1.0/24`).
   */
  public static tryParse(cidr: string): Ipv4Subnet | undefined {
    if (typeof cidr !== 'string') return undefined;
    const match = /^([0-9.]+)\/([0-9]{1,2})$/.exec(cidr);
    if (!match) return undefined;
    const address = Ipv4Address.tryParse(match[1]);
    const prefix = Number(match[2]);
    if (!address || prefix > 32) return undefined;
    const size = 2 ** (32 - prefix);
    if (address.value % size !== 0) return undefined;
    return new Ipv4Subnet(address, prefix);
  }

  private constructor(public readonly network: Ipv4Address, public readonly prefixLength: number) {}

  /** Number of addresses in the subnet, network and broadcast included. */
  public get size(): number {
    return 2 ** (32 - this.prefixLength);
  }

  /** True when `address` lies in this subnet. */
  public contains(address: Ipv4Address): boolean {
    return address.value >= this.network.value && address.value < this.network.value + this.size;
  }

  /** True when `address` is the network or the broadcast address of a subnet that has both (prefix < 31). */
  public isNetworkOrBroadcast(address: Ipv4Address): boolean {
    if (this.prefixLength >= 31) return false;
    return address.value === this.network.value || address.value === this.network.value + this.size - 1;
  }

  /** The CIDR form. */
  public toString(): string {
    return `${this.network}/${this.prefixLength}`;
  }
}
