import { describe, expect, it } from 'vitest';
import { allowedRoutes, inPreferredOrder, isLoopbackHost, isThisMachine } from './bridge-routes';

describe('bridge routes', () => {
  it('knows loopback hosts by address and by name', () => {
    for (const host of ['127.0.0.1', '127.8.9.10', 'localhost', 'LOCALHOST.', 'agent.localhost', '::1', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1']) expect(isLoopbackHost(host)).toBe(true);
    for (const host of ['10.0.0.1', '128.0.0.1', 'example.com', 'localhost.example.com', '::2', '::ffff:10.0.0.1', '']) expect(isLoopbackHost(host)).toBe(false);
  });

  it('takes a loopback SSH destination for this machine only when no jump host dials it', () => {
    expect(isThisMachine({ host: '127.0.0.1', jumpHosts: 0 })).toBe(true);
    expect(isThisMachine({ host: '127.0.0.1', jumpHosts: 1 })).toBe(false);
    expect(isThisMachine({ host: 'db.example.com', jumpHosts: 0 })).toBe(false);
  });

  it('tunnels only to a loopback agent address of another machine, and goes direct first otherwise', async () => {
    const asked: string[] = [];
    const at = (host: string, jumpHosts = 0) => () => {
      asked.push(host);
      return Promise.resolve({ host, jumpHosts });
    };
    await expect(allowedRoutes('127.0.0.1', at('db.example.com'))).resolves.toEqual(['forward']);
    await expect(allowedRoutes('localhost', at('127.0.0.1', 1))).resolves.toEqual(['forward']);
    await expect(allowedRoutes('127.0.0.1', at('127.0.0.1'))).resolves.toEqual(['direct', 'forward']);
    await expect(allowedRoutes('127.0.0.1', undefined)).resolves.toEqual(['direct']);
    // Where SSH lands does not matter for an address that is not loopback, so it is not asked.
    asked.length = 0;
    await expect(allowedRoutes('10.1.2.3', at('db.example.com'))).resolves.toEqual(['direct', 'forward']);
    expect(asked).toEqual([]);
  });

  it('puts the preferred route first when it is allowed', () => {
    expect(inPreferredOrder(['direct', 'forward'], 'forward')).toEqual(['forward', 'direct']);
    expect(inPreferredOrder(['direct', 'forward'], undefined)).toEqual(['direct', 'forward']);
    expect(inPreferredOrder(['forward'], 'direct')).toEqual(['forward']);
  });
});
