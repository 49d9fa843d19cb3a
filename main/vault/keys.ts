import { createPublicKey, generateKeyPair, randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import { fingerprintOf } from '../ssh/fingerprint';
import { VaultError } from './errors';
import { readPrivateKey } from './key-import';
import { toOpenSsh, type SshKeyType } from './openssh-format';

export type { SshKeyType } from './openssh-format';

/** The key types Lifeline generates: Ed25519 unless asked otherwise, RSA for servers too old for it. */
export type GeneratedKeyType = 'ed25519' | 'rsa';

const GENERATED_RSA_BITS = 4096;

/** What the vault shows of a key; nothing in it is secret. */
export interface PublicKeyInfo {
  type: SshKeyType;
  bits: number;
  comment: string;
  /** `SHA256:` and the unpadded base64 of the SHA-256 of the public key blob, as ssh-keygen -l prints it. */
  fingerprint: string;
  /** One line in OpenSSH's .pub / authorized_keys format: "type base64 comment". */
  publicKey: string;
}

export interface KeyMaterial extends PublicKeyInfo {
  /** An unencrypted OpenSSH private key file, as stored (encrypted) in the vault. The caller zeroes it. */
  privateKey: Buffer;
}

export async function generateKeyMaterial(type: GeneratedKeyType, comment: string): Promise<KeyMaterial> {
  return toKeyMaterial(await generatePrivateKey(type), comment);
}

/**
 * Reads a private key from the text of a key file (OpenSSH, PEM or PKCS#8, encrypted or not) into the
 * vault's stored form. `passphrase` decrypts it once and is not kept.
 */
export function importKeyMaterial(text: string, passphrase?: string): KeyMaterial {
  const { privateKey, comment, statedPublicBlob } = readPrivateKey(text, passphrase);
  // Control characters would break the one-line public key; ssh-keygen never writes them.
  return toKeyMaterial(privateKey, comment.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim(), statedPublicBlob);
}

function toKeyMaterial(privateKey: KeyObject, comment: string, statedPublicBlob?: Buffer): KeyMaterial {
  // Encoding first: it refuses the key types SSH cannot use before they reach the consistency checks.
  const encoded = toOpenSsh(privateKey, comment);
  try {
    if (statedPublicBlob && !statedPublicBlob.equals(encoded.publicBlob)) throw damagedPair();
    checkKeyPair(privateKey);
  } catch (error) {
    encoded.privateFile.fill(0);
    throw error;
  }
  const line = `${encoded.type} ${encoded.publicBlob.toString('base64')}`;
  return {
    type: encoded.type,
    bits: encoded.bits,
    comment,
    fingerprint: fingerprintOf(encoded.publicBlob),
    publicKey: comment ? `${line} ${comment}` : line,
    privateKey: encoded.privateFile,
  };
}

// A damaged or hand-edited file can hold a private half that does not belong to its public half: the
// vault would then show a fingerprint other than the user's .pub, or a server would reject every
// signature. The stated public key and one signature, checked here, catch both on import.
function checkKeyPair(privateKey: KeyObject): void {
  const digest = privateKey.asymmetricKeyType === 'ed25519' ? null : 'sha256';
  const challenge = randomBytes(32);
  let valid: boolean;
  try {
    valid = verify(digest, challenge, createPublicKey(privateKey), sign(digest, challenge, privateKey));
  } catch {
    valid = false;
  }
  if (!valid) throw damagedPair();
}

function damagedPair(): VaultError {
  return new VaultError('MALFORMED_KEY', 'The key is damaged: its private part does not match its public part. Import an intact copy of the key file.');
}

function generatePrivateKey(type: GeneratedKeyType): Promise<KeyObject> {
  return new Promise((resolve, reject) => {
    const done = (error: Error | null, _publicKey: KeyObject, privateKey: KeyObject) => (error ? reject(error) : resolve(privateKey));
    if (type === 'rsa') generateKeyPair('rsa', { modulusLength: GENERATED_RSA_BITS }, done);
    else generateKeyPair('ed25519', undefined, done);
  });
}
