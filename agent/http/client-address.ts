import { normalizeAddress, type CidrList } from './cidr';

/**
 * The address of the client a request came from. The peer of the connection is the client, unless it is
 * one of the trusted reverse proxies: then X-Forwarded-For is read from the right (each proxy appends the
 * address it received the request from) past every trusted proxy, and the first address that is not one
 * is the client. Entries left of it were written by the client itself and are never believed. A garbled
 * entry stops the walk at the last proxy that handed it over.
 */
export function clientAddress(remoteAddress: string, forwardedFor: string | undefined, trustedProxies: CidrList): string {
  let client = normalizeAddress(remoteAddress) ?? remoteAddress;
  if (!forwardedFor || !trustedProxies.has(client)) return client;
  for (const hop of forwardedFor.split(',').reverse()) {
    const address = normalizeAddress(hop);
    if (!address) return client;
    client = address;
    if (!trustedProxies.has(address)) return client;
  }
  return client;
}
