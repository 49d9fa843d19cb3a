import { describe, expect, it } from 'vitest';
import type { HookSource } from '../config';
import { signatureHeader, signBody, verifySignature } from './signatures';

// GitHub's published example ("Validating webhook deliveries").
const SECRET = "It's a Secret to Everybody";
const BODY = Buffer.from('Hello, World!');
const SIGNATURE = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';

describe('signBody', () => {
  it("reproduces GitHub's published test vector", () => {
    expect(signBody(SECRET, BODY)).toBe(SIGNATURE);
    expect(signBody(SECRET, 'Hello, World!')).toBe(SIGNATURE);
  });
});

describe('verifySignature', () => {
  const github = (signature?: string, body = BODY) =>
    verifySignature('github', SECRET, signature === undefined ? {} : { 'x-hub-signature-256': signature }, body);

  it("accepts GitHub's published vector in X-Hub-Signature-256", () => {
    expect(github(SIGNATURE)).toEqual({ ok: true });
  });

  it('refuses a signature for another body or made with another secret', () => {
    expect(github(SIGNATURE, Buffer.from('Hello, World?'))).toEqual({ ok: false, reason: 'bad-signature' });
    expect(github(signBody('another secret', BODY))).toEqual({ ok: false, reason: 'bad-signature' });
    expect(github(`sha256=${'0'.repeat(64)}`)).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('refuses a missing or empty signature', () => {
    expect(github()).toEqual({ ok: false, reason: 'missing-signature' });
    expect(github('')).toEqual({ ok: false, reason: 'missing-signature' });
  });

  it('refuses a truncated, extended, upper-cased or differently prefixed signature without comparing it', () => {
    for (const signature of [
      SIGNATURE.slice(0, -1),
      SIGNATURE.slice(0, 'sha256='.length + 32),
      'sha256=',
      `${SIGNATURE}0`,
      `${SIGNATURE} `,
      SIGNATURE.toUpperCase(),
      `sha256=${SIGNATURE.slice('sha256='.length).toUpperCase()}`,
      `SHA256=${SIGNATURE.slice('sha256='.length)}`,
      SIGNATURE.slice('sha256='.length),
      `sha1=${SIGNATURE.slice('sha256='.length)}`,
    ]) {
      expect(github(signature), signature).toEqual({ ok: false, reason: 'malformed-signature' });
    }
  });

  it('reads each source from its own header', () => {
    const cases: [HookSource, string][] = [
      ['github', 'x-hub-signature-256'],
      ['bitbucket', 'x-hub-signature'],
      ['generic', 'x-signature-256'],
    ];
    for (const [source, header] of cases) {
      expect(signatureHeader(source)).toBe(header);
      expect(verifySignature(source, SECRET, { [header]: SIGNATURE }, BODY), source).toEqual({ ok: true });
      // The header of another source does not count.
      const other = header === 'x-hub-signature' ? 'x-hub-signature-256' : 'x-hub-signature';
      expect(verifySignature(source, SECRET, { [other]: SIGNATURE }, BODY), source).toEqual({ ok: false, reason: 'missing-signature' });
      expect(verifySignature(source, SECRET, { [header]: signBody('wrong', BODY) }, BODY), source).toEqual({ ok: false, reason: 'bad-signature' });
    }
  });

  it('compares GitLab’s X-Gitlab-Token with the secret itself, exactly', () => {
    expect(signatureHeader('gitlab')).toBe('x-gitlab-token');
    const gitlab = (token?: string) => verifySignature('gitlab', SECRET, token === undefined ? {} : { 'x-gitlab-token': token }, BODY);
    expect(gitlab(SECRET)).toEqual({ ok: true });
    for (const token of [SECRET.slice(0, -1), `${SECRET}!`, SECRET.toUpperCase(), SIGNATURE]) {
      expect(gitlab(token), token).toEqual({ ok: false, reason: 'bad-signature' });
    }
    expect(gitlab()).toEqual({ ok: false, reason: 'missing-signature' });
    expect(gitlab('')).toEqual({ ok: false, reason: 'missing-signature' });
  });
});
