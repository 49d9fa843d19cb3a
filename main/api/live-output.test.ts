import { describe, expect, it } from 'vitest';
import { Redactor } from '../links/redact';
import { LiveOutput } from './live-output';

const SECRET = 'agent-token-0123456789';

function feed(pieces: [('stdout' | 'stderr'), string][], capChars = 1024): { text: Record<string, string>; cut: string[] } {
  const text: Record<string, string> = { stdout: '', stderr: '' };
  const cut: string[] = [];
  const output = new LiveOutput(new Redactor({ secrets: () => [SECRET] }).session(), capChars, (stream, piece, wasCut) => {
    text[stream] += piece;
    if (wasCut) cut.push(stream);
  });
  for (const [stream, piece] of pieces) output.push(stream, piece);
  output.end();
  return { text, cut };
}

describe('LiveOutput', () => {
  it('blanks a secret split across pieces, holding text back only to the end of its line', () => {
    const { text } = feed([
      ['stdout', `line one\nthe token is ${SECRET.slice(0, 9)}`],
      ['stdout', `${SECRET.slice(9)} ok\nlast`],
      ['stderr', 'password=hunter22\n'],
    ]);
    expect(text).toEqual({ stdout: 'line one\nthe token is [redacted] ok\nlast', stderr: 'password=[redacted]\n' });
  });

  it('blanks a private key whose body comes in later pieces', () => {
    const { text } = feed([
      ['stdout', 'before\n-----BEGIN OPENSSH PRIVATE KEY-----\n'],
      ['stdout', 'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n'],
      ['stdout', 'AAAAMwAAAAtzc2gtZWQyNTUxOQ\n-----END OPENSSH PRIVATE KEY-----\nafter\n'],
    ]);
    expect(text.stdout).toBe('before\n[redacted]\nafter\n');
  });

  it('passes on a runaway line in slices and stops at the limit per stream, saying so once', () => {
    const { text, cut } = feed([
      ['stdout', 'x'.repeat(20_000)],
      ['stdout', 'y'.repeat(20_000)],
      ['stderr', 'short\n'],
    ], 30_000);
    expect(text.stdout).toBe('x'.repeat(20_000) + 'y'.repeat(10_000));
    expect(text.stderr).toBe('short\n');
    expect(cut).toEqual(['stdout']);
  });
});
