import { describe, expect, it } from 'vitest';
import { Redactor } from './redact';

describe('Redactor', () => {
  const redactor = new Redactor({ secrets: () => ['vault-password-1', 'ab'] });

  it('blanks known secrets wherever they appear, and values matching the secret patterns', () => {
    const redaction = redactor.session(['agent-token-xyz']);
    expect(redaction.text('login vault-password-1 then agent-token-xyz; DB_PASSWORD=s3cret api_key: "k e y" Bearer abcdefgh12345 AKIAABCDEFGHIJKLMNOP')).toBe(
      'login [redacted] then [redacted]; DB_PASSWORD=[redacted] api_key: [redacted] Bearer [redacted] [redacted]',
    );
    // Too short to search for: blanking every "ab" would hide the record, not a secret.
    expect(redaction.text('abc')).toBe('abc');
    expect(redaction.text('-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn\n-----END OPENSSH PRIVATE KEY-----')).toBe('[redacted]');
  });

  it('blanks the value after an option named like a secret', () => {
    expect(redactor.session().argv(['mysql', '--password', 'hunter2', '--user', 'root', 'vault-password-1'])).toEqual(['mysql', '--password', '[redacted]', '--user', 'root', '[redacted]']);
  });

  it('reads the secrets at each session, and refuses patterns without the g flag', () => {
    let secrets = ['first-secret'];
    const live = new Redactor({ secrets: () => secrets });
    expect(live.session().text('first-secret')).toBe('[redacted]');
    secrets = ['second-secret'];
    expect(live.session().text('first-secret second-secret')).toBe('first-secret [redacted]');
    expect(() => new Redactor({ secrets: () => [], patterns: [/x/] })).toThrow(/g flag/);
  });
});
