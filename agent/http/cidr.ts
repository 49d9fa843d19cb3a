import { BlockList, isIP } from 'node:net';
import { normalizeHostname } from '../hosts';

// Address lists for the webhook allowlists and the trusted reverse proxies. node:net's BlockList does the
// matching; it treats an IPv4-mapped IPv6 address (::ffff:a.b.c.d, as a dual-stack socket reports IPv4
// peers) and the IPv4 address as one, in both directions.

export interface Cidr {
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

/**
 * An address as one canonical string (lower case, IPv6 compressed, IPv4-mapped IPv6 as IPv4, no zone),
 * so that one client has one rate-limit bucket and one spelling in the logs. Undefined when it is not
 * an IP address.
 */
export function normalizeAddress(text: string): string | undefined {
  // A zone ("fe80::1%eth0") names the local interface, not the peer; URL parsing refuses it.
  const bare = text.trim().replace(/%.*$/, '');
  const name = normalizeHostname(bare);
  return isIP(name) ? name : undefined;
}

/** Parses "10.0.0.0/8", "2001:db8::/32" or a single address (the whole address is the prefix). */
export function parseCidr(text: string): Cidr | undefined {
  const [host = '', bits, extra] = text.trim().split('/');
  if (extra !== undefined) return undefined;
  const address = normalizeAddress(host);
  if (!address || host.includes('%')) return undefined;
  const family = isIP(address) === 4 ? 'ipv4' : 'ipv6';
  const max = family === 'ipv4' ? 32 : 128;
  if (bits === undefined) return { address, prefix: max, family };
  if (!/^(0|[1-9]\d{0,2})$/.test(bits)) return undefined;
  // ::ffff:10.0.0.0/104 was reduced to 10.0.0.0 above; its prefix counts the 96 bits of the mapping too.
  const prefix = family === 'ipv4' && isIP(host) === 6 ? Number(bits) - 96 : Number(bits);
  return prefix >= 0 && prefix <= max ? { address, prefix, family } : undefined;
}

/** A set of networks; `has` answers whether an address falls in any of them. */
export class CidrList {
  private readonly list = new BlockList();
  readonly size: number;

  /** Throws on an entry that is not a CIDR network: the config schema has refused those already. */
  constructor(cidrs: readonly string[]) {
    for (const text of cidrs) {
      const cidr = parseCidr(text);
      if (!cidr) throw new Error(`"${text}" is not an address or a CIDR network`);
      this.list.addSubnet(cidr.address, cidr.prefix, cidr.family);
    }
    this.size = cidrs.length;
  }

  has(address: string): boolean {
    // The usual case (no trusted proxies) costs nothing: BlockList.check builds an address object per call.
    if (this.size === 0) return false;
    const normal = normalizeAddress(address);
    if (!normal) return false;
    return this.list.check(normal, isIP(normal) === 4 ? 'ipv4' : 'ipv6');
  }
}
