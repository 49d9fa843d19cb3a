import { BlockList, isIP } from 'node:net';

// Host names and addresses as both servers see them: the agent (which warns before listening beyond
// this machine) and the web console (which refuses to, and checks every Host header).

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

/** Lower-cased, IPv6 compressed and without brackets, IPv4-mapped IPv6 reduced to IPv4. */
export function normalizeHostname(name: string): string {
  const bare = name.startsWith('[') && name.endsWith(']') ? name.slice(1, -1) : name;
  const lower = bare.toLowerCase();
  if (isIP(lower) === 6) {
    const compressed = new URL(`http://[${lower}]`).hostname.slice(1, -1);
    // A dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d, which URL compresses to hex; the
    // browser names the same address in dotted IPv4.
    const hexMapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(compressed);
    if (hexMapped?.[1] && hexMapped[2]) {
      const high = parseInt(hexMapped[1], 16);
      const low = parseInt(hexMapped[2], 16);
      return [high >> 8, high & 255, low >> 8, low & 255].join('.');
    }
    return compressed;
  }
  return lower;
}

/** True when an address or name is reachable from this machine only. */
export function isLoopbackHost(host: string): boolean {
  const name = normalizeHostname(host);
  if (name === 'localhost') return true;
  const family = isIP(name);
  return family !== 0 && loopback.check(name, family === 4 ? 'ipv4' : 'ipv6');
}

