import { createCipheriv, createDecipheriv, randomBytes, scrypt } from 'node:crypto';
import { z } from 'zod';
import { VaultError } from './errors';

// Secrets at rest: one random data key encrypts every secret with AES-256-GCM; the data key itself is
// stored only wrapped, by a key derived from the user's passphrase (scrypt) or by the OS keychain.

/** Wraps the data key with a secret the OS keeps (Electron safeStorage in the desktop). */
export interface KeyWrapper {
  wrap(dataKey: Buffer): Promise<Buffer>;
  /** `rewrap`: the keychain asks for the key to be wrapped again (its own key was rotated or upgraded). */
  unwrap(blob: Buffer): Promise<{ dataKey: Buffer; rewrap: boolean }>;
}

export const DATA_KEY_BYTES = 32;
const FORMAT = 1;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + NONCE_BYTES + TAG_BYTES;
const DATA_KEY_CONTEXT = 'data-key';

export function newDataKey(): Buffer {
  return randomBytes(DATA_KEY_BYTES);
}

/**
 * Encrypts `plaintext` under `key`, bound to `context` (the row it is stored in, like `key:<id>`): a blob
 * copied into another row does not open there. Layout: format (1 byte) | nonce (12) | tag (16) | ciphertext.
 */
export function seal(key: Buffer, plaintext: Buffer, context: string): Buffer {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(associatedData(context));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([Buffer.of(FORMAT), nonce, cipher.getAuthTag(), ciphertext]);
}

/**
 * Decrypts a blob made by `seal`; undefined when it does not authenticate under this key and context
 * (wrong key, other row, or changed bytes). Throws DAMAGED when the blob is not in a known layout.
 */
export function unseal(key: Buffer, blob: Buffer, context: string): Buffer | undefined {
  if (blob.length < HEADER_BYTES) throw new VaultError('DAMAGED', `A stored secret (${context}) is too short to be one: the database was damaged or changed outside Lifeline.`);
  if (blob[0] !== FORMAT) {
    throw new VaultError('DAMAGED', `A stored secret (${context}) is in format ${blob[0]}, which this version of Lifeline does not know. Use the newer Lifeline that wrote it.`);
  }
  const decipher = createDecipheriv('aes-256-gcm', key, blob.subarray(1, 1 + NONCE_BYTES), { authTagLength: TAG_BYTES });
  decipher.setAAD(associatedData(context));
  decipher.setAuthTag(blob.subarray(1 + NONCE_BYTES, HEADER_BYTES));
  const plaintext = decipher.update(blob.subarray(HEADER_BYTES));
  try {
    decipher.final();
    return plaintext;
  } catch {
    // Not authenticated: the bytes decrypted so far must not be used, or kept.
    plaintext.fill(0);
    return undefined;
  }
}

function associatedData(context: string): Buffer {
  return Buffer.from(`lifeline-vault/${FORMAT}/${context}`, 'utf8');
}

const SALT_BYTES = 16;

/** Today's cost: about half a second here; stored with each wrapping so it can be raised later. */
export const SCRYPT_DEFAULTS = { N: 2 ** 17, r: 8, p: 1 } as const;

// Bounds on what a stored `kdf` may ask for, so a damaged or edited row cannot demand gigabytes.
const kdfSchema = z
  .object({
    name: z.literal('scrypt'),
    N: z
      .number()
      .int()
      .min(2 ** 14)
      .max(2 ** 22)
      .refine((n) => (n & (n - 1)) === 0),
    r: z.number().int().min(1).max(32),
    p: z.number().int().min(1).max(16),
    salt: z.base64().refine((salt) => Buffer.from(salt, 'base64').length >= SALT_BYTES),
  })
  .strict();

type ScryptParams = z.output<typeof kdfSchema>;

/** The data key wrapped by a passphrase, and the KDF parameters (JSON, for `vault.kdf`) that unwrap it. */
export interface PassphraseWrapping {
  kdf: string;
  wrappedKey: Buffer;
}

export async function wrapWithPassphrase(dataKey: Buffer, passphrase: string, cost: Omit<ScryptParams, 'name' | 'salt'> = SCRYPT_DEFAULTS): Promise<PassphraseWrapping> {
  const params: ScryptParams = { name: 'scrypt', ...cost, salt: randomBytes(SALT_BYTES).toString('base64') };
  const wrappingKey = await deriveKey(passphrase, params);
  try {
    return { kdf: JSON.stringify(params), wrappedKey: seal(wrappingKey, dataKey, DATA_KEY_CONTEXT) };
  } finally {
    wrappingKey.fill(0);
  }
}

/** The data key, or undefined when the passphrase is wrong. */
export async function unwrapWithPassphrase(wrapping: PassphraseWrapping, passphrase: string): Promise<Buffer | undefined> {
  const wrappingKey = await deriveKey(passphrase, parseKdf(wrapping.kdf));
  try {
    const dataKey = unseal(wrappingKey, wrapping.wrappedKey, DATA_KEY_CONTEXT);
    if (dataKey && dataKey.length !== DATA_KEY_BYTES) throw new VaultError('DAMAGED', 'The vault key has the wrong length: the database was damaged or changed outside Lifeline.');
    return dataKey;
  } finally {
    wrappingKey.fill(0);
  }
}

/** Whether a wrapping was made with a lower cost than today's, so it should be made again. */
export function isWeakerThanDefaults(kdf: string): boolean {
  const params = parseKdf(kdf);
  return params.N < SCRYPT_DEFAULTS.N || params.r < SCRYPT_DEFAULTS.r || params.p < SCRYPT_DEFAULTS.p;
}

function parseKdf(kdf: string): ScryptParams {
  let parsed: unknown;
  try {
    parsed = JSON.parse(kdf);
  } catch {
    parsed = undefined;
  }
  const result = kdfSchema.safeParse(parsed);
  if (!result.success) {
    throw new VaultError('DAMAGED', `The vault's key-derivation settings are unreadable or out of bounds (${kdf.slice(0, 200)}): the database was damaged or changed outside Lifeline.`);
  }
  return result.data;
}

function deriveKey(passphrase: string, params: ScryptParams): Promise<Buffer> {
  // The same passphrase typed on another system may arrive in another Unicode form (macOS input
  // methods decompose "é"); NFC makes them one passphrase.
  const secret = Buffer.from(passphrase.normalize('NFC'), 'utf8');
  const { N, r, p } = params;
  // OpenSSL needs 128·r·(N + p + 2) bytes; Node's default limit (32 MiB) is below what N = 2^17 needs.
  const maxmem = 128 * r * (N + p + 2);
  return new Promise<Buffer>((resolve, reject) => {
    scrypt(secret, Buffer.from(params.salt, 'base64'), DATA_KEY_BYTES, { N, r, p, maxmem }, (error, key) => {
      secret.fill(0);
      if (error) reject(error);
      else resolve(key);
    });
  });
}
