import { createPrivateKey, type KeyObject } from 'node:crypto';
// ssh2 is CommonJS without named exports that Node's ESM loader can see, hence the default import.
import ssh2 from 'ssh2';
import { VaultError } from './errors';
import { dsaRefusal, openSshCipherOf, SUPPORTED_KEY_TYPES } from './openssh-format';

export interface ReadKey {
  privateKey: KeyObject;
  /** The comment stored in the file (OpenSSH format only; PEM files have none). */
  comment: string;
  /** The public key blob the file states beside the private one (OpenSSH format only). */
  statedPublicBlob?: Buffer;
}

const SUPPORTED_FORMATS =
  'Lifeline reads OpenSSH private keys ("-----BEGIN OPENSSH PRIVATE KEY-----", what ssh-keygen writes), ' +
  'PEM ("-----BEGIN RSA PRIVATE KEY-----", "-----BEGIN EC PRIVATE KEY-----") and PKCS#8 ("-----BEGIN PRIVATE KEY-----", ' +
  `"-----BEGIN ENCRYPTED PRIVATE KEY-----"), with or without a passphrase. Key types: ${SUPPORTED_KEY_TYPES}.`;

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\n[\s\S]*?\n-----END \1-----/g;
const PEM_BEGIN = /-----BEGIN ([A-Z0-9 ]+)-----/;
// A public key line as in a .pub file or authorized_keys (options first allowed), and RFC 4716's armor.
const PUBLIC_LINE = /^(?:\S+\s+)?(ssh-(?:ed25519|rsa|dss)|ecdsa-sha2-nistp\d+|sk-\S+@openssh\.com|\S+-cert-v01@openssh\.com)\s+AAAA[A-Za-z0-9+/]/m;
const PUBLIC_LABELS = new Set(['PUBLIC KEY', 'RSA PUBLIC KEY', 'EC PUBLIC KEY', 'CERTIFICATE', 'TRUSTED CERTIFICATE']);
const PEM_PRIVATE_LABELS = new Set(['RSA PRIVATE KEY', 'EC PRIVATE KEY', 'PRIVATE KEY', 'ENCRYPTED PRIVATE KEY']);

const passphraseRequired = () =>
  new VaultError('PASSPHRASE_REQUIRED', 'This private key is protected by a passphrase. Enter the passphrase it was saved with to import it; Lifeline uses it once to decrypt the key and does not keep it.');
const wrongPassphrase = () =>
  new VaultError('WRONG_PASSPHRASE', 'This passphrase does not decrypt the key. Check it and try again: it is the passphrase the key file was saved with, not the vault\'s.');
const malformed = (reason: string, cause?: unknown) =>
  new VaultError('MALFORMED_KEY', `The key text could not be read: ${reason}. Paste the whole key file, from its "-----BEGIN" line to its "-----END" line, or choose the file again.`, { cause });

/**
 * Reads a private key from the text of a key file, decrypting it with `passphrase` when it is
 * encrypted. Refuses public keys, unsupported formats and damaged text with a VaultError that says
 * what the text is and what to give instead.
 */
export function readPrivateKey(text: string, passphrase: string | undefined): ReadKey {
  const normalized = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n').trim();
  const blocks = [...normalized.matchAll(PEM_BLOCK)];
  // openssl may put other blocks ("EC PARAMETERS", "Bag Attributes" text) around the key.
  const key = blocks.find((block) => block[1].endsWith('PRIVATE KEY'));
  if (key) return readBlock(key[1], key[0], passphrase || undefined);
  throw refusal(normalized, blocks.map((block) => block[1]));
}

function readBlock(label: string, block: string, passphrase: string | undefined): ReadKey {
  if (label === 'OPENSSH PRIVATE KEY') return readOpenSsh(block, passphrase);
  if (PEM_PRIVATE_LABELS.has(label)) return readPem(label, block, passphrase);
  if (label === 'DSA PRIVATE KEY') throw dsaRefusal();
  throw new VaultError('UNSUPPORTED_KEY', `"${label}" is not a key format Lifeline reads. ${SUPPORTED_FORMATS}`);
}

function readOpenSsh(block: string, passphrase: string | undefined): ReadKey {
  const cipher = openSshCipherOf(block);
  if (cipher === undefined) throw malformed('its body is not an OpenSSH key (it may be cut short or changed)');
  const encrypted = cipher !== 'none';
  if (encrypted && passphrase === undefined) throw passphraseRequired();
  const parsed = ssh2.utils.parseKey(block, encrypted ? passphrase : undefined);
  if (parsed instanceof Error) {
    // ssh2 reports problems as messages only: a failed integrity check after decryption ("bad
    // passphrase?", or the AEAD ciphers' "unable to authenticate data"), a key type or cipher it does
    // not know ("Unsupported …"), or anything else malformed.
    if (encrypted && /passphrase|authenticate/i.test(parsed.message)) throw wrongPassphrase();
    if (parsed.message.startsWith('Unsupported')) {
      throw new VaultError('UNSUPPORTED_KEY', `This OpenSSH key cannot be used (${parsed.message}). Hardware-backed (sk-…) keys stay on their device; ${SUPPORTED_FORMATS}`, { cause: parsed });
    }
    throw malformed(parsed.message, parsed);
  }
  if (parsed.type === 'ssh-dss') throw dsaRefusal();
  return { privateKey: createPrivateKey(parsed.getPrivatePEM()), comment: parsed.comment, statedPublicBlob: parsed.getPublicSSH() };
}

function readPem(label: string, block: string, passphrase: string | undefined): ReadKey {
  const encrypted = label === 'ENCRYPTED PRIVATE KEY' || /^Proc-Type:\s*4,ENCRYPTED/m.test(block);
  if (encrypted && passphrase === undefined) throw passphraseRequired();
  const secret = encrypted && passphrase !== undefined ? Buffer.from(passphrase, 'utf8') : undefined;
  try {
    return { privateKey: createPrivateKey({ key: block, format: 'pem', passphrase: secret }), comment: '' };
  } catch (error) {
    // With a passphrase, OpenSSL cannot tell a wrong one from damage: a wrong one is by far the likelier.
    if (encrypted) throw wrongPassphrase();
    throw malformed(error instanceof Error ? error.message : String(error), error);
  } finally {
    secret?.fill(0);
  }
}

function refusal(text: string, labels: string[]): VaultError {
  const publicLabel = labels.find((label) => PUBLIC_LABELS.has(label));
  const sshPublic = PUBLIC_LINE.exec(text)?.[1];
  if (publicLabel || sshPublic || text.includes('---- BEGIN SSH2 PUBLIC KEY ----')) {
    const what = publicLabel === 'CERTIFICATE' || publicLabel === 'TRUSTED CERTIFICATE' || sshPublic?.includes('-cert-') ? 'a certificate' : 'a public key';
    return new VaultError('NOT_A_PRIVATE_KEY', `This is ${what}, not a private key. Import the private key instead: the file without ".pub" (for example ~/.ssh/id_ed25519 rather than ~/.ssh/id_ed25519.pub).`);
  }
  const unfinished = PEM_BEGIN.exec(text)?.[1];
  if (unfinished?.endsWith('PRIVATE KEY')) return malformed(`it has no "-----END ${unfinished}-----" line`);
  if (text.startsWith('PuTTY-User-Key-File-')) {
    return new VaultError('UNSUPPORTED_KEY', `This is a PuTTY key (.ppk). Convert it first with "puttygen key.ppk -O private-openssh -o key", then import "key". ${SUPPORTED_FORMATS}`);
  }
  return new VaultError('UNSUPPORTED_KEY', `This text is not a private key Lifeline can read. ${SUPPORTED_FORMATS}`);
}
