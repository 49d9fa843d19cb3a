import { createHmac, timingSafeEqual } from 'node:crypto';
import { secretMatcher } from '../secret-match';
import type { HookSource } from '../config';

// How each sender proves a delivery came from it. GitHub, Bitbucket and our generic senders sign the raw
// body with HMAC-SHA256 and send "sha256=<hex>"; GitLab sends the shared secret itself as a token.

const HEADERS: Record<HookSource, string> = {
  github: 'x-hub-signature-256',
  gitlab: 'x-gitlab-token',
  bitbucket: 'x-hub-signature',
  generic: 'x-signature-256',
};

export type SignatureCheck = { ok: true } | { ok: false; reason: 'missing-signature' | 'malformed-signature' | 'bad-signature' };

/** The header a source proves itself in, lower case (as AgentRequest headers are). */
export function signatureHeader(source: HookSource): string {
  return HEADERS[source];
}

/** "sha256=<64 lower-case hex digits>": the HMAC-SHA256 of the body, as the HMAC senders write it. */
export function signBody(secret: string, body: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * Checks a delivery's proof against the hook's secret, over the raw body as received. Compared in
 * constant time. The hex digits must be lower case, as every sender writes them: the header is compared
 * as the exact string the sender computes, never parsed into a looser form.
 */
export function verifySignature(source: HookSource, secret: string, headers: Record<string, string>, body: Buffer): SignatureCheck {
  const given = headers[HEADERS[source]];
  if (given === undefined || given === '') return { ok: false, reason: 'missing-signature' };
  if (source === 'gitlab') return secretMatcher(secret)(given) ? { ok: true } : { ok: false, reason: 'bad-signature' };
  if (!/^sha256=[0-9a-f]{64}$/.test(given)) return { ok: false, reason: 'malformed-signature' };
  const expected = Buffer.from(signBody(secret, body));
  return timingSafeEqual(Buffer.from(given), expected) ? { ok: true } : { ok: false, reason: 'bad-signature' };
}
