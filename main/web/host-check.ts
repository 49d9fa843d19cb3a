import { isLoopbackHost, normalizeHostname } from '../../agent/hosts';

export type Scheme = 'http' | 'https';

// Names a browser on this machine may use for a loopback console; all of them reach it only locally.
const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '::1'];
const WILDCARDS = new Set(['0.0.0.0', '::']);

// What a Host header may hold: a name, an IPv4 address or a bracketed IPv6 address, and an optional port.
// Anything else (userinfo, paths, spaces) is refused before the URL parser can reinterpret it.
const HOST_HEADER = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::\d{1,5})?$/;

export function isWildcardHost(host: string): boolean {
  return WILDCARDS.has(normalizeHostname(host));
}

/** Reads a Host header; null when it is not a plain `host[:port]`. An omitted port is the scheme's. */
export function parseHostHeader(value: string | undefined, scheme: Scheme): { hostname: string; port: number } | null {
  if (!value || !HOST_HEADER.test(value)) return null;
  let url: URL;
  try {
    url = new URL(`${scheme}://${value}`);
  } catch {
    return null;
  }
  const port = url.port === '' ? (scheme === 'https' ? 443 : 80) : Number(url.port);
  return { hostname: normalizeHostname(url.hostname), port };
}

export interface BoundAddress {
  host: string;
  port: number;
  scheme: Scheme;
}

/**
 * Builds the DNS-rebinding guard: a request must name the console by the address it was bound to, by
 * the IP address the connection arrived on, or (on loopback) by a loopback name — and by its port. An
 * attacker's domain that resolves to 127.0.0.1 still arrives with its own name in Host and is refused.
 */
export function createHostCheck(bound: BoundAddress): (hostHeader: string | undefined, localAddress: string | undefined) => boolean {
  const boundName = normalizeHostname(bound.host);
  return (hostHeader, localAddress) => {
    const parsed = parseHostHeader(hostHeader, bound.scheme);
    if (!parsed || parsed.port !== bound.port) return false;
    const names = new Set<string>();
    if (!isWildcardHost(boundName)) names.add(boundName);
    if (localAddress) names.add(normalizeHostname(localAddress));
    if (isLoopbackHost(boundName) || (localAddress && isLoopbackHost(localAddress))) {
      for (const name of LOOPBACK_NAMES) names.add(name);
    }
    return names.has(parsed.hostname);
  };
}

/**
 * True when a WebSocket's Origin is the page this console served to that client: the same scheme and
 * the same host and port the client used (already checked by the host check).
 */
export function isOwnOrigin(originHeader: string | undefined, hostHeader: string | undefined, scheme: Scheme): boolean {
  if (!originHeader || !hostHeader || !parseHostHeader(hostHeader, scheme)) return false;
  try {
    return new URL(originHeader).origin === new URL(`${scheme}://${hostHeader}`).origin;
  } catch {
    return false;
  }
}
