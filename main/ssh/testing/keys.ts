// Test support: key pairs made by OpenSSH's own ssh-keygen, so our code meets the files users have.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './run';

export type TestKeyType = 'ed25519' | 'rsa' | 'ecdsa';

export interface TestKey {
  readonly type: TestKeyType;
  /** The private key file (mode 0600, as ssh-keygen writes it). */
  readonly path: string;
  readonly privateKey: Buffer;
  /** The `.pub` line: `ssh-ed25519 AAAA… comment`. */
  readonly publicKey: string;
  /** The key's SSH wire encoding, what a server sends as its host key. */
  readonly blob: Buffer;
  /** The algorithm name that starts the public key line, e.g. `ssh-ed25519`. */
  readonly algorithm: string;
  /** `SHA256:…` as ssh-keygen prints it: an oracle independent of our own fingerprint code. */
  readonly fingerprint: string;
}

// RSA at 2048 bits keeps key generation fast; the size makes no difference to the code paths tested.
const KEYGEN_ARGS: Record<TestKeyType, string[]> = {
  ed25519: ['-t', 'ed25519'],
  rsa: ['-t', 'rsa', '-b', '2048'],
  ecdsa: ['-t', 'ecdsa', '-b', '256'],
};

export async function makeTestKey(dir: string, type: TestKeyType, name = `id_${type}`): Promise<TestKey> {
  const path = join(dir, name);
  await run('ssh-keygen', [...KEYGEN_ARGS[type], '-N', '', '-C', `lifeline-test-${name}`, '-q', '-f', path]);
  const publicKey = readFileSync(`${path}.pub`, 'utf8').trim();
  const [algorithm, base64] = publicKey.split(' ');
  const listing = await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${path}.pub`]);
  return {
    type,
    path,
    privateKey: readFileSync(path),
    publicKey,
    blob: Buffer.from(base64, 'base64'),
    algorithm,
    fingerprint: listing.split(' ')[1],
  };
}
