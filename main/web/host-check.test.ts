import { describe, expect, it } from 'vitest';
import { createHostCheck, isOwnOrigin, parseHostHeader } from './host-check';

describe('parseHostHeader', () => {
  it('reads names, IPv4 and bracketed IPv6 with their port', () => {
    expect(parseHostHeader('127.0.0.1:7420', 'http')).toEqual({ hostname: '127.0.0.1', port: 7420 });
    expect(parseHostHeader('LocalHost:7420', 'http')).toEqual({ hostname: 'localhost', port: 7420 });
    expect(parseHostHeader('[::1]:7420', 'http')).toEqual({ hostname: '::1', port: 7420 });
  });

  it("takes the scheme's port when none is given", () => {
    expect(parseHostHeader('localhost', 'http')).toEqual({ hostname: 'localhost', port: 80 });
    expect(parseHostHeader('localhost', 'https')).toEqual({ hostname: 'localhost', port: 443 });
  });

  it('refuses anything that is not a plain host[:port]', () => {
    for (const value of [undefined, '', 'evil@127.0.0.1:7420', '127.0.0.1:7420/x', '127.0.0.1 :7420', '127.0.0.1:99999', '[::1', 'a b']) {
      expect(parseHostHeader(value, 'http'), String(value)).toBeNull();
    }
  });
});

describe('createHostCheck', () => {
  const loopback = createHostCheck({ host: '127.0.0.1', port: 7420, scheme: 'http' });

  it('accepts the loopback names with the bound port', () => {
    for (const host of ['127.0.0.1:7420', 'localhost:7420', '[::1]:7420']) expect(loopback(host, '127.0.0.1'), host).toBe(true);
  });

  it('refuses a foreign name (DNS rebinding) and another port', () => {
    expect(loopback('evil.example:7420', '127.0.0.1')).toBe(false);
    expect(loopback('127.0.0.1.evil.example:7420', '127.0.0.1')).toBe(false);
    expect(loopback('127.0.0.1:7421', '127.0.0.1')).toBe(false);
    expect(loopback('127.0.0.1', '127.0.0.1')).toBe(false);
    expect(loopback(undefined, '127.0.0.1')).toBe(false);
  });

  it('on a wildcard bind accepts the address the connection arrived on, not 0.0.0.0 or other names', () => {
    const wildcard = createHostCheck({ host: '0.0.0.0', port: 8443, scheme: 'https' });
    expect(wildcard('192.168.1.20:8443', '::ffff:192.168.1.20')).toBe(true);
    expect(wildcard('192.168.1.21:8443', '::ffff:192.168.1.20')).toBe(false);
    expect(wildcard('0.0.0.0:8443', '192.168.1.20')).toBe(false);
    expect(wildcard('lifeline.example:8443', '192.168.1.20')).toBe(false);
    expect(wildcard('localhost:8443', '127.0.0.1')).toBe(true);
  });

  it('on a named bind accepts that name', () => {
    const named = createHostCheck({ host: 'console.example', port: 8443, scheme: 'https' });
    expect(named('console.example:8443', '10.0.0.5')).toBe(true);
    expect(named('localhost:8443', '10.0.0.5')).toBe(false);
  });
});

describe('isOwnOrigin', () => {
  it('accepts exactly the origin of the host the client used', () => {
    expect(isOwnOrigin('http://127.0.0.1:7420', '127.0.0.1:7420', 'http')).toBe(true);
    expect(isOwnOrigin('http://LOCALHOST:7420', 'localhost:7420', 'http')).toBe(true);
  });

  it('refuses other origins, schemes and ports, look-alikes, null and absence', () => {
    for (const origin of ['http://evil.example', 'https://127.0.0.1:7420', 'http://127.0.0.1:7421', 'http://127.0.0.1:7420.evil.example', 'null', undefined]) {
      expect(isOwnOrigin(origin, '127.0.0.1:7420', 'http'), String(origin)).toBe(false);
    }
    expect(isOwnOrigin('http://evil.example', 'evil@127.0.0.1:7420', 'http')).toBe(false);
  });
});
