import { describe, expect, it } from 'vitest';
import { CidrList, normalizeAddress, parseCidr } from './cidr';

describe('normalizeAddress', () => {
  it('gives one spelling per address', () => {
    expect(normalizeAddress('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(normalizeAddress('2001:DB8:0:0:0:0:0:1')).toBe('2001:db8::1');
    expect(normalizeAddress(' 10.0.0.1 ')).toBe('10.0.0.1');
    expect(normalizeAddress('fe80::1%eth0')).toBe('fe80::1');
  });

  it('refuses what is not an IP address', () => {
    for (const text of ['', 'localhost', 'example.com', '10.0.0.256', '1.2.3.4:80', 'unknown', '[::1']) expect(normalizeAddress(text), text).toBeUndefined();
  });
});

describe('parseCidr', () => {
  it('reads IPv4 and IPv6 networks and single addresses', () => {
    expect(parseCidr('10.0.0.0/8')).toEqual({ address: '10.0.0.0', prefix: 8, family: 'ipv4' });
    expect(parseCidr('192.0.2.7')).toEqual({ address: '192.0.2.7', prefix: 32, family: 'ipv4' });
    expect(parseCidr('2001:db8::/32')).toEqual({ address: '2001:db8::', prefix: 32, family: 'ipv6' });
    expect(parseCidr('::1')).toEqual({ address: '::1', prefix: 128, family: 'ipv6' });
    expect(parseCidr('0.0.0.0/0')).toEqual({ address: '0.0.0.0', prefix: 0, family: 'ipv4' });
  });

  it('reads an IPv4-mapped IPv6 network as the IPv4 network it covers', () => {
    expect(parseCidr('::ffff:10.0.0.0/104')).toEqual({ address: '10.0.0.0', prefix: 8, family: 'ipv4' });
    expect(parseCidr('::ffff:10.0.0.0/64')).toBeUndefined();
  });

  it('refuses malformed networks', () => {
    for (const text of ['10.0.0.0/33', '::/129', '10.0.0.0/', '/8', '10.0.0.0/8/8', '10.0.0.0/08', '10.0.0.0/-1', '10.0.0.0/a', 'example.com/8', 'fe80::1%eth0/64', ''])
      expect(parseCidr(text), text).toBeUndefined();
  });
});

describe('CidrList', () => {
  const list = new CidrList(['10.0.0.0/8', '192.0.2.7', '2001:db8::/32', '::ffff:198.51.100.0/120']);

  it('matches IPv4 and IPv6 addresses inside its networks only', () => {
    expect(list.size).toBe(4);
    for (const address of ['10.0.0.1', '10.255.255.255', '192.0.2.7', '2001:db8::1', '2001:db8:ffff::9', '198.51.100.20']) expect(list.has(address), address).toBe(true);
    for (const address of ['11.0.0.1', '192.0.2.8', '2001:db9::1', '::1', '198.51.101.1', 'not an address', '']) expect(list.has(address), address).toBe(false);
  });

  it('treats an IPv4-mapped IPv6 peer as its IPv4 address', () => {
    expect(list.has('::ffff:10.1.2.3')).toBe(true);
    expect(list.has('::ffff:198.51.100.1')).toBe(true);
    expect(list.has('::ffff:11.1.2.3')).toBe(false);
  });

  it('matches nothing when empty and everything under 0.0.0.0/0 and ::/0', () => {
    expect(new CidrList([]).has('10.0.0.1')).toBe(false);
    const all = new CidrList(['0.0.0.0/0', '::/0']);
    expect(all.has('203.0.113.9')).toBe(true);
    expect(all.has('2001:db8::5')).toBe(true);
  });

  it('refuses an entry that is not a network', () => {
    expect(() => new CidrList(['10.0.0.0/40'])).toThrow('"10.0.0.0/40" is not an address or a CIDR network');
  });
});
