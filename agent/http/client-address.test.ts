import { describe, expect, it } from 'vitest';
import { CidrList } from './cidr';
import { clientAddress } from './client-address';

const none = new CidrList([]);
const proxies = new CidrList(['127.0.0.1', '10.0.0.0/8']);

describe('clientAddress', () => {
  it('is the peer when no proxy is trusted, whatever X-Forwarded-For says', () => {
    expect(clientAddress('203.0.113.5', '1.1.1.1', none)).toBe('203.0.113.5');
    expect(clientAddress('127.0.0.1', '1.1.1.1', none)).toBe('127.0.0.1');
  });

  it('is the peer, normalized, when the peer is not a trusted proxy', () => {
    expect(clientAddress('::ffff:203.0.113.5', '1.1.1.1', proxies)).toBe('203.0.113.5');
  });

  it('takes the address a trusted proxy forwarded', () => {
    expect(clientAddress('127.0.0.1', '203.0.113.5', proxies)).toBe('203.0.113.5');
    expect(clientAddress('::ffff:127.0.0.1', '2001:DB8::7', proxies)).toBe('2001:db8::7');
  });

  it('walks past a chain of trusted proxies and ignores what the client wrote to the left', () => {
    expect(clientAddress('127.0.0.1', '6.6.6.6, 203.0.113.5, 10.1.1.1', proxies)).toBe('203.0.113.5');
  });

  it('stops at a garbled entry, keeping the last proxy that handed it over', () => {
    expect(clientAddress('127.0.0.1', '203.0.113.5, unknown, 10.1.1.1', proxies)).toBe('10.1.1.1');
    expect(clientAddress('127.0.0.1', 'garbage', proxies)).toBe('127.0.0.1');
  });

  it('is the innermost address when every hop is a trusted proxy', () => {
    expect(clientAddress('127.0.0.1', '10.0.0.9, 10.0.0.8', proxies)).toBe('10.0.0.9');
  });

  it('is the peer of a trusted proxy that sent no X-Forwarded-For', () => {
    expect(clientAddress('127.0.0.1', undefined, proxies)).toBe('127.0.0.1');
    expect(clientAddress('127.0.0.1', '', proxies)).toBe('127.0.0.1');
  });
});
