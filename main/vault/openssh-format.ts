import { randomBytes, type JsonWebKey, type KeyObject } from 'node:crypto';
import { VaultError } from './errors';
import { readSshString, sshMpint, sshString, uint32 } from './ssh-wire';

// Every private key the vault keeps is re-encoded into one form: an unencrypted `openssh-key-v1` file
// (OpenSSH's PROTOCOL.key), whatever it was imported from. ssh2 and ssh-keygen both read it without a
// passphrase, and it is the only common format that also carries the key's comment.

export type SshKeyType = 'ssh-ed25519' | 'ssh-rsa' | 'ecdsa-sha2-nistp256' | 'ecdsa-sha2-nistp384' | 'ecdsa-sha2-nistp521';

export interface OpenSshKey {
  type: SshKeyType;
  bits: number;
  /** The public key's wire-format blob: what a `.pub` line base64-encodes and fingerprints hash. */
  publicBlob: Buffer;
  /** The whole private key file, PEM-armored. The caller owns it and zeroes it when done. */
  privateFile: Buffer;
}

const MIN_RSA_BITS = 1024;

const MAGIC = Buffer.from('openssh-key-v1\0', 'latin1');
const BEGIN = '-----BEGIN OPENSSH PRIVATE KEY-----';
const END = '-----END OPENSSH PRIVATE KEY-----';
// The cipher "none" pads the private section to its block size of 8 (PROTOCOL.key).
const BLOCK_SIZE = 8;
// ssh-keygen wraps the base64 body at 70 columns; kept so stored keys look like the files users know.
const LINE_LENGTH = 70;

const CURVES: Record<string, { type: SshKeyType; name: string; bits: number; bytes: number }> = {
  'P-256': { type: 'ecdsa-sha2-nistp256', name: 'nistp256', bits: 256, bytes: 32 },
  'P-384': { type: 'ecdsa-sha2-nistp384', name: 'nistp384', bits: 384, bytes: 48 },
  'P-521': { type: 'ecdsa-sha2-nistp521', name: 'nistp521', bits: 521, bytes: 66 },
};

export const SUPPORTED_KEY_TYPES = `Ed25519, RSA (${MIN_RSA_BITS} bits or more) and ECDSA on the curves P-256, P-384 and P-521`;

interface KeyParts {
  type: SshKeyType;
  bits: number;
  publicFields: Buffer[];
  privateFields: Buffer[];
  /** Decoded secret numbers, zeroed once the file is built. */
  secrets: Buffer[];
}

/** Encodes a private key as an unencrypted OpenSSH key file. Refuses key types OpenSSH cannot use. */
export function toOpenSsh(privateKey: KeyObject, comment: string): OpenSshKey {
  const parts = keyParts(privateKey);
  const publicBlob = Buffer.concat([sshString(parts.type), ...parts.publicFields]);
  const check = randomBytes(4);
  const unpadded = Buffer.concat([check, check, sshString(parts.type), ...parts.privateFields, sshString(comment)]);
  const padding = Buffer.from(Array.from({ length: (BLOCK_SIZE - (unpadded.length % BLOCK_SIZE)) % BLOCK_SIZE }, (_, i) => i + 1));
  const privateSection = Buffer.concat([unpadded, padding]);
  const body = Buffer.concat([MAGIC, sshString('none'), sshString('none'), sshString(''), uint32(1), sshString(publicBlob), sshString(privateSection)]);
  // The base64 text passes through a JS string, which cannot be wiped; the buffers around it are.
  const lines = body.toString('base64').match(new RegExp(`.{1,${LINE_LENGTH}}`, 'g')) ?? [];
  const privateFile = Buffer.from(`${BEGIN}\n${lines.join('\n')}\n${END}\n`, 'latin1');
  for (const secret of [...parts.secrets, ...parts.privateFields, unpadded, privateSection, body]) secret.fill(0);
  return { type: parts.type, bits: parts.bits, publicBlob, privateFile };
}

/**
 * The cipher named in an OpenSSH key file's header ("none" when it is not encrypted), read without
 * decrypting anything; undefined when the text is not a readable `openssh-key-v1` envelope.
 */
export function openSshCipherOf(armored: string): string | undefined {
  const body = armored.replace(BEGIN, '').replace(END, '').replace(/\s+/g, '');
  const data = Buffer.from(body, 'base64');
  if (!data.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  return readSshString(data, MAGIC.length)?.value.toString('latin1');
}

function keyParts(privateKey: KeyObject): KeyParts {
  // Node exports JWK only for some key types (not DSA, for one), so the type is checked first.
  switch (privateKey.asymmetricKeyType) {
    case 'ed25519':
      return ed25519Parts(privateKey.export({ format: 'jwk' }));
    case 'rsa':
      return rsaParts(privateKey.export({ format: 'jwk' }));
    case 'ec':
      return ecdsaParts(privateKey.export({ format: 'jwk' }));
    case 'dsa':
      throw dsaRefusal();
    default:
      throw new VaultError('UNSUPPORTED_KEY', `This is a ${String(privateKey.asymmetricKeyType).toUpperCase()} key, which SSH servers do not accept from Lifeline. Supported key types: ${SUPPORTED_KEY_TYPES}.`);
  }
}

/** The one refusal of DSA keys, whichever format they come in. */
export function dsaRefusal(): VaultError {
  return new VaultError('UNSUPPORTED_KEY', `This is a DSA key. OpenSSH has refused DSA keys since version 7.0 because they are weak; generate a new key (Ed25519) instead. Supported key types: ${SUPPORTED_KEY_TYPES}.`);
}

function ed25519Parts(jwk: JsonWebKey): KeyParts {
  const publicKey = field(jwk, 'x');
  const seed = field(jwk, 'd');
  // OpenSSH stores the 32-byte seed followed by the public key as the "private key".
  const seedAndPublic = Buffer.concat([seed, publicKey]);
  return {
    type: 'ssh-ed25519',
    bits: 256,
    publicFields: [sshString(publicKey)],
    privateFields: [sshString(publicKey), sshString(seedAndPublic)],
    secrets: [seed, seedAndPublic],
  };
}

function rsaParts(jwk: JsonWebKey): KeyParts {
  const [n, e, d, p, q, qi] = (['n', 'e', 'd', 'p', 'q', 'qi'] as const).map((name) => field(jwk, name));
  const bits = bitLength(n);
  if (bits < MIN_RSA_BITS) {
    throw new VaultError('UNSUPPORTED_KEY', `This RSA key has only ${bits} bits; OpenSSH refuses RSA keys shorter than ${MIN_RSA_BITS} bits. Generate a new key (Ed25519, or RSA 4096) instead.`);
  }
  return {
    type: 'ssh-rsa',
    bits,
    publicFields: [sshMpint(e), sshMpint(n)],
    // OpenSSH's iqmp is q⁻¹ mod p, which is JWK's "qi".
    privateFields: [sshMpint(n), sshMpint(e), sshMpint(d), sshMpint(qi), sshMpint(p), sshMpint(q)],
    secrets: [d, p, q, qi],
  };
}

function ecdsaParts(jwk: JsonWebKey): KeyParts {
  const curve = CURVES[jwk.crv ?? ''];
  if (!curve) {
    throw new VaultError('UNSUPPORTED_KEY', `This ECDSA key is on the curve ${jwk.crv ?? '(unknown)'}, which SSH does not use. Supported key types: ${SUPPORTED_KEY_TYPES}.`);
  }
  // Q is an uncompressed point: 0x04, then x and y at the curve's full width.
  const point = Buffer.concat([Buffer.of(4), fixedWidth(field(jwk, 'x'), curve.bytes), fixedWidth(field(jwk, 'y'), curve.bytes)]);
  const d = field(jwk, 'd');
  return {
    type: curve.type,
    bits: curve.bits,
    publicFields: [sshString(curve.name), sshString(point)],
    privateFields: [sshString(curve.name), sshString(point), sshMpint(d)],
    secrets: [d],
  };
}

function field(jwk: JsonWebKey, name: string): Buffer {
  const value = jwk[name];
  // Node exports every member of these key types; a missing one means a key without its private half.
  if (typeof value !== 'string') throw new VaultError('MALFORMED_KEY', `The key has no "${name}" component; it may be only a public key or damaged.`);
  return Buffer.from(value, 'base64url');
}

function fixedWidth(value: Buffer, bytes: number): Buffer {
  if (value.length === bytes) return value;
  if (value.length > bytes) throw new VaultError('MALFORMED_KEY', 'The ECDSA key has a coordinate larger than its curve allows; the key is damaged.');
  return Buffer.concat([Buffer.alloc(bytes - value.length), value]);
}

function bitLength(unsigned: Buffer): number {
  let start = 0;
  while (start < unsigned.length && unsigned[start] === 0) start += 1;
  if (start === unsigned.length) return 0;
  return (unsigned.length - start - 1) * 8 + (32 - Math.clz32(unsigned[start]));
}
