import { describe, expect, it } from 'vitest';
import { serverInputSchema } from './server-rules';

const valid = { name: 'web-1', host: 'web-1.example.com', user: 'deploy' };

function errorsOf(input: unknown): Record<string, string> {
  const parsed = serverInputSchema.safeParse(input);
  if (parsed.success) return {};
  return Object.fromEntries(parsed.error.issues.map((issue) => [issue.path.join('.'), issue.message]));
}

describe('server rules', () => {
  it('fills defaults and trims', () => {
    const parsed = serverInputSchema.parse({ ...valid, name: '  web-1  ', group: '  ' });
    expect(parsed).toEqual({ name: 'web-1', host: 'web-1.example.com', port: 22, user: 'deploy', tags: [], group: null });
  });

  it('accepts IPv4, IPv6 (bracketed or not) and single-label hosts', () => {
    for (const host of ['10.0.0.7', '::1', 'fe80::1', 'localhost', 'db', 'a.b.c.', 'xn--bcher-kva.example']) {
      expect(errorsOf({ ...valid, host }), host).toEqual({});
    }
    expect(serverInputSchema.parse({ ...valid, host: '[2001:db8::1]' }).host).toBe('2001:db8::1');
  });

  it('refuses hosts that are not names or addresses', () => {
    for (const host of ['', 'web_1.example.com', '-web', 'web-.example', 'a..b', 'http://web', 'web 1', `${'a'.repeat(64)}.com`]) {
      expect(errorsOf({ ...valid, host }).host, host).toMatch(/Host/);
    }
  });

  it('refuses ports outside 1–65535 and non-integers', () => {
    for (const port of [0, 65536, -1, 22.5, '22', Number.NaN]) {
      expect(errorsOf({ ...valid, port }).port, String(port)).toMatch(/Port/);
    }
    expect(errorsOf({ ...valid, port: 65535 })).toEqual({});
  });

  it('refuses user names that ssh would read as options or that hold spaces', () => {
    for (const user of ['-oProxyCommand=x', 'a b', '.hidden', '', 'x'.repeat(33)]) {
      expect(errorsOf({ ...valid, user }).user, user).toMatch(/User/);
    }
    for (const user of ['root', 'deploy_bot', 'svc.web', 'Admin', 'machine$']) expect(errorsOf({ ...valid, user }), user).toEqual({});
  });

  it('deduplicates tags in order and refuses malformed ones', () => {
    expect(serverInputSchema.parse({ ...valid, tags: ['web', 'prod', 'web', ' eu '] }).tags).toEqual(['web', 'prod', 'eu']);
    expect(errorsOf({ ...valid, tags: ['ok', 'not ok'] })['tags.1']).toMatch(/Tags may contain/);
    expect(errorsOf({ ...valid, tags: Array.from({ length: 21 }, (_, i) => `t${i}`) }).tags).toMatch(/At most 20/);
  });

  it('reports every broken field at once', () => {
    expect(Object.keys(errorsOf({ name: '', host: '', user: '' })).sort()).toEqual(['host', 'name', 'user']);
  });

  it('refuses unknown fields and control characters in names', () => {
    expect(serverInputSchema.safeParse({ ...valid, password: 'x' }).success).toBe(false);
    expect(errorsOf({ ...valid, name: 'a\u0007b' }).name).toMatch(/control characters/);
  });
});
