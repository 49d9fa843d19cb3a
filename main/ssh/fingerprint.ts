import { createHash } from 'node:crypto';

/**
 * The fingerprint OpenSSH shows for a public key (`ssh-keygen -l`, the "unknown host" prompt):
 * `SHA256:` and the unpadded base64 of the SHA-256 of the key's wire-format blob — the bytes that are
 * base64-encoded in a `.pub` or known_hosts line, not the text of the line.
 */
export function fingerprintOf(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}
