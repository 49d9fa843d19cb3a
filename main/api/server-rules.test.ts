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
    expect(parsed).toEqual({
      name: 'web-1',
      host: 'web-1.example.com',
      port: 22,
      user: 'deploy',
      tags: [],
      group: null,
      auth: 'agent',
      keyId: null,
      jumpServerId: null,
      agentForwarding: false,
      strictHostKeyChecking: 'ask',
      keepaliveInterval: 10,
      keepaliveCountMax: 3,
      tmuxSession: null,
      sessionLog: false,
    });
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

  it('keeps every SSH setting it is given', () => {
    const ssh = {
      auth: 'key',
      keyId: 'key-1',
      jumpServerId: 'bastion-id',
      agentForwarding: true,
      strictHostKeyChecking: 'accept-new',
      keepaliveInterval: 0,
      keepaliveCountMax: 100,
      tmuxSession: 'main_2-x',
      sessionLog: true,
    } as const;
    expect(serverInputSchema.parse({ ...valid, ...ssh })).toMatchObject(ssh);
  });

  it('reads empty text for the jump server, key and tmux session as none', () => {
    const parsed = serverInputSchema.parse({ ...valid, keyId: '', jumpServerId: '', tmuxSession: '  ' });
    expect(parsed).toMatchObject({ keyId: null, jumpServerId: null, tmuxSession: null });
  });

  it('refuses unknown authentication methods and host key checking values', () => {
    for (const auth of ['publickey', 'Agent', '', null, 1]) {
      expect(errorsOf({ ...valid, auth }).auth, String(auth)).toBe('Authentication must be one of: agent, key, password, keyboard-interactive');
    }
    for (const strictHostKeyChecking of ['ASK', 'off', true]) {
      expect(errorsOf({ ...valid, strictHostKeyChecking }).strictHostKeyChecking, String(strictHostKeyChecking)).toMatch(
        /^Host key checking must be one of: ask, yes, accept-new, no$/,
      );
    }
  });

  it('needs a key when authenticating with a key, and says so on the key field', () => {
    expect(errorsOf({ ...valid, auth: 'key' })).toEqual({ keyId: 'Choose the vault key to log in with, or another authentication method' });
    expect(errorsOf({ ...valid, auth: 'key', keyId: '' }).keyId).toMatch(/Choose the vault key/);
    // Kept while another method is in use, so switching back needs no new choice.
    expect(serverInputSchema.parse({ ...valid, auth: 'password', keyId: 'key-1' }).keyId).toBe('key-1');
  });

  it('reports a missing key along with the other broken fields', () => {
    expect(Object.keys(errorsOf({ ...valid, name: '', auth: 'key', keepaliveInterval: -1 })).sort()).toEqual(['keepaliveInterval', 'keyId', 'name']);
  });

  it('keeps keepalive settings within their ranges, in whole numbers', () => {
    for (const keepaliveInterval of [-1, 3601, 2.5, '10', null]) {
      expect(errorsOf({ ...valid, keepaliveInterval }).keepaliveInterval, String(keepaliveInterval)).toMatch(/0 \(off\) to 3600/);
    }
    for (const keepaliveCountMax of [0, 101, 1.5]) {
      expect(errorsOf({ ...valid, keepaliveCountMax }).keepaliveCountMax, String(keepaliveCountMax)).toMatch(/from 1 to 100/);
    }
    expect(errorsOf({ ...valid, keepaliveInterval: 3600, keepaliveCountMax: 1 })).toEqual({});
  });

  it('allows only tmux session names that are safe as a tmux target', () => {
    for (const tmuxSession of ['main:0', 'my.session', 'a b', 'x'.repeat(65), '$(reboot)', 'sess;ion']) {
      expect(errorsOf({ ...valid, tmuxSession }).tmuxSession, tmuxSession).toMatch(/tmux session names are 1–64/);
    }
    expect(serverInputSchema.parse({ ...valid, tmuxSession: ' work ' }).tmuxSession).toBe('work');
  });

  it('wants booleans for the on/off settings and ids for references', () => {
    expect(errorsOf({ ...valid, agentForwarding: 'yes', sessionLog: 1 })).toEqual({
      agentForwarding: 'Agent forwarding must be true or false',
      sessionLog: 'Session log must be true or false',
    });
    expect(errorsOf({ ...valid, jumpServerId: 7 }).jumpServerId).toMatch(/Jump server must be an id/);
    expect(errorsOf({ ...valid, keyId: 'k'.repeat(65) }).keyId).toMatch(/Key must be an id of at most 64/);
  });
});
