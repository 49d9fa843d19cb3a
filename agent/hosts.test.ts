import { describe, expect, it } from 'vitest';
import { isLoopbackHost, normalizeHostname } from './hosts';

describe('normalizeHostname', () => {
  it('reduces IPv4-mapped IPv6 (as dual-stack sockets report peers) to IPv4', () => {
    expect(normalizeHostname('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(normalizeHostname('[0:0:0:0:0:0:0:1]')).toBe('::1');
    expect(normalizeHostname('LocalHost')).toBe('localhost');
  });
});

describe('isLoopbackHost', () => {
  it('knows the addresses only this machine can reach', () => {
    for (const host of ['127.0.0.1', '127.8.9.10', '::1', '[::1]', '0:0:0:0:0:0:0:1', 'localhost']) expect(isLoopbackHost(host), host).toBe(true);
    for (const host of ['0.0.0.0', '::', '10.0.0.5', '192.168.1.2', '128.0.0.1', 'fe80::1', 'example.com']) expect(isLoopbackHost(host), host).toBe(false);
  });
});
