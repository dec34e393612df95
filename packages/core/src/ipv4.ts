/**
 * An IPv4 address in dotted-quad form (`192.168.1.31`), such as a VIP.
 *
 * `Ipv4Address.of()` never throws: constructs check the address when they receive it (`requireIpv4Address`), so
 * the error can name the construct and the prop. `problem` says what is wrong, if anything.
 */
export class Ipv4Address {
  /** An address such as `192.168.1.31`: exactly four decimal octets 0-255, without leading zeros. */
  public static of(text: string): Ipv4Address {
    return new Ipv4Address(text);
  }

  /** The address as an unsigned 32-bit number (NaN when the text is not an address). */
  public readonly value: number;

  private constructor(
    /** The text as given. */
    public readonly text: string,
  ) {
    this.value = parseDottedQuad(text);
  }

  /** Why the text is not an IPv4 address, or undefined when it is one. */
  public get problem(): string | undefined {
    return Number.isNaN(this.value) ? 'is not a dotted-quad IPv4 address (four numbers 0-255, no leading zeros)' : undefined;
  }

  /** True when `other` is the same address. */
  public equals(other: Ipv4Address): boolean {
    return this.value === other.value;
  }

  /** The dotted-quad form. */
  public toString(): string {
    return this.text;
  }
}

/**
 * An IPv4 subnet in CIDR form (`192.168.1.0/24`), such as the site's LAN.
 *
 * `Ipv4Subnet.of()` never throws: constructs check the subnet when they receive it (`requireIpv4Subnet`).
 */
export class Ipv4Subnet {
  /**
   * A subnet such as `192.168.1.0/24`: an address, a slash and a prefix 0-32, with no host bits set
   * (`192.168.1.7/24` is ambiguous: write `192.168.1.0/24`).
   */
  public static of(cidr: string): Ipv4Subnet {
    return new Ipv4Subnet(cidr);
  }

  /** The network address (`192.168.1.0`). */
  public readonly network: Ipv4Address;
  /** The prefix length (`24`); NaN when the text is not CIDR notation. */
  public readonly prefixLength: number;

  private constructor(
    /** The text as given. */
    public readonly text: string,
  ) {
    const match = /^([0-9.]+)\/([0-9]{1,2})$/.exec(text);
    this.network = Ipv4Address.of(match ? match[1] : '');
    this.prefixLength = match && Number(match[2]) <= 32 ? Number(match[2]) : NaN;
  }

  /** Why the text is not a subnet, or undefined when it is one. */
  public get problem(): string | undefined {
    if (this.network.problem !== undefined || Number.isNaN(this.prefixLength)) {
      return 'is not CIDR notation: an IPv4 address, "/" and a prefix length 0-32';
    }
    if (this.network.value % this.size !== 0) return `has host bits set (the network of /${this.prefixLength} would end in zeros)`;
    return undefined;
  }

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
    return this.text;
  }
}

function parseDottedQuad(text: string): number {
  const parts = text.split('.');
  if (parts.length !== 4) return NaN;
  let value = 0;
  for (const part of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part) || Number(part) > 255) return NaN;
    value = value * 256 + Number(part);
  }
  return value;
}
