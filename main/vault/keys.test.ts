import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VaultError, type VaultErrorCode } from './errors';
import { generateKeyMaterial, importKeyMaterial, type KeyMaterial } from './keys';
import { openSshCipherOf } from './openssh-format';

// Every key here is made by the real tools (OpenSSH's ssh-keygen, OpenSSL's openssl), and every
// result is checked against what ssh-keygen itself says about the same key.

const PASSPHRASE = 'correct horse battery';
let dir: string;
let counter = 0;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lifeline-keys-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function run(command: string, args: string[]): string {
  return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function runBytes(command: string, args: string[]): Buffer {
  return execFileSync(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Makes a key with ssh-keygen; returns the private key's path (the public one is beside it, + ".pub"). */
function keygen(args: string[], passphrase = '', comment = 'test key'): string {
  const path = join(dir, `key-${++counter}`);
  run('ssh-keygen', ['-q', '-N', passphrase, '-C', comment, '-f', path, ...args]);
  return path;
}

/** Runs openssl with the output written to a fresh file; returns its path. */
function openssl(args: string[]): string {
  const path = join(dir, `openssl-${++counter}.pem`);
  run('openssl', [...args, '-out', path]);
  return path;
}

function writeKey(text: string | Buffer): string {
  const path = join(dir, `written-${++counter}`);
  writeFileSync(path, text, { mode: 0o600 });
  return path;
}

/** What `ssh-keygen -y` prints for a private key file: its one-line public key. */
function publicLineOf(path: string, passphrase = ''): string {
  return run('ssh-keygen', ['-y', '-P', passphrase, '-f', path]).trim();
}

/** What `ssh-keygen -l -E sha256` prints for a key file: bits, fingerprint, comment, (type). */
function fingerprintLineOf(path: string): { bits: number; fingerprint: string } {
  const [bits, fingerprint] = run('ssh-keygen', ['-l', '-E', 'sha256', '-f', path]).trim().split(' ');
  return { bits: Number(bits), fingerprint };
}

function expectVaultError(action: () => unknown, code: VaultErrorCode, message?: RegExp): VaultError {
  let caught: unknown;
  try {
    action();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(VaultError);
  const error = caught as VaultError;
  expect({ code: error.code, message: error.message }).toEqual({ code, message: message ? expect.stringMatching(message) : expect.any(String) });
  return error;
}

/** The stored form must be an unencrypted OpenSSH key that ssh-keygen and ssh2 read as the same key. */
function expectUsableStoredForm(material: KeyMaterial): void {
  const text = material.privateKey.toString('latin1');
  expect(text.startsWith('-----BEGIN OPENSSH PRIVATE KEY-----\n')).toBe(true);
  expect(openSshCipherOf(text)).toBe('none');

  const stored = writeKey(material.privateKey);
  expect(publicLineOf(stored)).toBe(material.publicKey);
  expect(fingerprintLineOf(stored)).toEqual({ bits: material.bits, fingerprint: material.fingerprint });

  const parsed = ssh2.utils.parseKey(material.privateKey);
  if (parsed instanceof Error) throw parsed;
  expect(parsed.isPrivateKey()).toBe(true);
  expect(parsed.type).toBe(material.type);
  expect(parsed.comment).toBe(material.comment);
  expect(`${parsed.type} ${parsed.getPublicSSH().toString('base64')}`).toBe(material.publicKey.split(' ').slice(0, 2).join(' '));
  const data = randomBytes(64);
  expect(parsed.verify(data, parsed.sign(data))).toBe(true);
}

interface FormatCase {
  label: string;
  make: (passphrase: string) => string;
  armor: string;
  encryptedArmor: string;
  type: string;
  bits: number;
  /** PEM and PKCS#8 files carry no comment. */
  comment: string;
  /** The public key line as a real tool derives it from the file; `ssh-keygen -y` unless said here. */
  publicLine?: (path: string, passphrase: string) => string;
}

const opensshCase = (label: string, args: string[], type: string, bits: number): FormatCase => ({
  label: `OpenSSH ${label}`,
  make: (passphrase) => keygen(args, passphrase),
  armor: 'OPENSSH PRIVATE KEY',
  encryptedArmor: 'OPENSSH PRIVATE KEY',
  type,
  bits,
  comment: 'test key',
});

const FORMATS: FormatCase[] = [
  opensshCase('Ed25519', ['-t', 'ed25519'], 'ssh-ed25519', 256),
  opensshCase('RSA', ['-t', 'rsa', '-b', '2048'], 'ssh-rsa', 2048),
  opensshCase('ECDSA P-256', ['-t', 'ecdsa', '-b', '256'], 'ecdsa-sha2-nistp256', 256),
  opensshCase('ECDSA P-384', ['-t', 'ecdsa', '-b', '384'], 'ecdsa-sha2-nistp384', 384),
  opensshCase('ECDSA P-521', ['-t', 'ecdsa', '-b', '521'], 'ecdsa-sha2-nistp521', 521),
  ...([256, 384, 521] as const).map(
    (bits): FormatCase => ({
      label: `PEM (SEC1) ECDSA P-${bits}`,
      make: (passphrase) => keygen(['-t', 'ecdsa', '-b', String(bits), '-m', 'PEM'], passphrase),
      armor: 'EC PRIVATE KEY',
      encryptedArmor: 'EC PRIVATE KEY',
      type: `ecdsa-sha2-nistp${bits}`,
      bits,
      comment: '',
    }),
  ),
  {
    label: 'PEM (PKCS#1) RSA',
    make: (passphrase) => keygen(['-t', 'rsa', '-b', '2048', '-m', 'PEM'], passphrase),
    armor: 'RSA PRIVATE KEY',
    encryptedArmor: 'RSA PRIVATE KEY',
    type: 'ssh-rsa',
    bits: 2048,
    comment: '',
  },
  {
    label: 'PKCS#8 RSA',
    make: (passphrase) => keygen(['-t', 'rsa', '-b', '3072', '-m', 'PKCS8'], passphrase),
    armor: 'PRIVATE KEY',
    encryptedArmor: 'ENCRYPTED PRIVATE KEY',
    type: 'ssh-rsa',
    bits: 3072,
    comment: '',
  },
  {
    label: 'PKCS#8 ECDSA P-384',
    make: (passphrase) => keygen(['-t', 'ecdsa', '-b', '384', '-m', 'PKCS8'], passphrase),
    armor: 'PRIVATE KEY',
    encryptedArmor: 'ENCRYPTED PRIVATE KEY',
    type: 'ecdsa-sha2-nistp384',
    bits: 384,
    comment: '',
  },
  {
    // ssh-keygen writes Ed25519 only in its own format; OpenSSL writes it as PKCS#8.
    label: 'PKCS#8 Ed25519 (OpenSSL)',
    make: (passphrase) =>
      openssl(['genpkey', '-algorithm', 'ed25519', ...(passphrase ? ['-aes-256-cbc', '-pass', `pass:${passphrase}`] : [])]),
    armor: 'PRIVATE KEY',
    encryptedArmor: 'ENCRYPTED PRIVATE KEY',
    type: 'ssh-ed25519',
    bits: 256,
    comment: '',
    // OpenSSH 9.2 cannot read Ed25519 PKCS#8, so OpenSSL derives the public key: the last 32 bytes of
    // its DER SubjectPublicKeyInfo, which go into the two-string SSH blob by hand.
    publicLine: (path, passphrase) => {
      const spki = runBytes('openssl', ['pkey', '-in', path, '-passin', `pass:${passphrase}`, '-pubout', '-outform', 'DER']);
      const string = (data: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, data.length]), data]);
      return `ssh-ed25519 ${Buffer.concat([string(Buffer.from('ssh-ed25519')), string(spki.subarray(-32))]).toString('base64')}`;
    },
  },
];

describe('importKeyMaterial', () => {
  describe.each(FORMATS)('$label', (format) => {
    it.each([
      ['without a passphrase', ''],
      ['protected by a passphrase', PASSPHRASE],
    ])('imports it %s, as ssh-keygen sees it', (_, passphrase) => {
      const path = format.make(passphrase);
      const text = readFileSync(path, 'utf8');
      // The tool really wrote the format this case is about.
      expect(text.split('\n')[0]).toBe(`-----BEGIN ${passphrase ? format.encryptedArmor : format.armor}-----`);
      expect(text.includes('ENCRYPTED') || openSshCipherOf(text) === 'aes256-ctr').toBe(passphrase !== '');

      const material = importKeyMaterial(text, passphrase || undefined);
      const expectedLine = (format.publicLine ?? publicLineOf)(path, passphrase);
      expect(material).toMatchObject({ type: format.type, bits: format.bits, comment: format.comment });
      expect(material.publicKey).toBe(expectedLine);
      // The fingerprint of the public half ssh-keygen derives from the file.
      expect(fingerprintLineOf(writeKey(`${expectedLine}\n`))).toEqual({ bits: format.bits, fingerprint: material.fingerprint });
      expectUsableStoredForm(material);
    });
  });

  it('accepts Windows line endings, a byte-order mark and surrounding text', () => {
    const path = keygen(['-t', 'ed25519']);
    const text = readFileSync(path, 'utf8');
    const pasted = `\uFEFF  Here is my key:\r\n${text.replaceAll('\n', '\r\n')}\r\n\r\n`;
    expect(importKeyMaterial(pasted).publicKey).toBe(publicLineOf(path));
  });

  it('asks for the passphrase of an encrypted key in every format', () => {
    const encrypted = [
      keygen(['-t', 'ed25519'], PASSPHRASE),
      keygen(['-t', 'rsa', '-b', '2048', '-m', 'PEM'], PASSPHRASE),
      keygen(['-t', 'ecdsa', '-b', '256', '-m', 'PKCS8'], PASSPHRASE),
    ];
    for (const path of encrypted) {
      const text = readFileSync(path, 'utf8');
      expectVaultError(() => importKeyMaterial(text), 'PASSPHRASE_REQUIRED', /protected by a passphrase.*not keep it/);
      expectVaultError(() => importKeyMaterial(text, ''), 'PASSPHRASE_REQUIRED');
    }
  });

  it('refuses a wrong passphrase in every format', () => {
    const encrypted = [
      keygen(['-t', 'ed25519'], PASSPHRASE),
      keygen(['-t', 'ed25519', '-Z', 'aes256-gcm@openssh.com'], PASSPHRASE),
      keygen(['-t', 'rsa', '-b', '2048', '-m', 'PEM'], PASSPHRASE),
      keygen(['-t', 'ecdsa', '-b', '521', '-m', 'PEM'], PASSPHRASE),
      keygen(['-t', 'rsa', '-b', '2048', '-m', 'PKCS8'], PASSPHRASE),
    ];
    for (const path of encrypted) {
      const text = readFileSync(path, 'utf8');
      expectVaultError(() => importKeyMaterial(text, 'not the passphrase'), 'WRONG_PASSPHRASE', /does not decrypt the key/);
    }
  });

  it('says so when a public key or certificate is pasted instead of the private key', () => {
    const path = keygen(['-t', 'ed25519']);
    const rsa = keygen(['-t', 'rsa', '-b', '2048']);
    const ca = keygen(['-t', 'ed25519'], '', 'ca');
    run('ssh-keygen', ['-q', '-s', ca, '-I', 'someone', '-n', 'deploy', `${path}.pub`]);
    const publicForms = [
      readFileSync(`${path}.pub`, 'utf8'),
      `no-pty,from="10.0.0.1" ${readFileSync(`${path}.pub`, 'utf8')}`,
      run('ssh-keygen', ['-e', '-f', `${path}.pub`]),
      run('ssh-keygen', ['-e', '-m', 'PKCS8', '-f', `${rsa}.pub`]),
      run('ssh-keygen', ['-e', '-m', 'PEM', '-f', `${rsa}.pub`]),
    ];
    for (const text of publicForms) {
      expectVaultError(() => importKeyMaterial(text), 'NOT_A_PRIVATE_KEY', /This is a public key, not a private key\. Import the private key instead/);
    }
    expectVaultError(() => importKeyMaterial(readFileSync(`${path}-cert.pub`, 'utf8')), 'NOT_A_PRIVATE_KEY', /This is a certificate/);
  });

  it('refuses key types and formats SSH cannot use, naming what is supported', () => {
    const supported = /OPENSSH PRIVATE KEY.*RSA PRIVATE KEY.*EC PRIVATE KEY.*BEGIN PRIVATE KEY.*ENCRYPTED PRIVATE KEY/;
    expectVaultError(() => importKeyMaterial('hello, this is not a key'), 'UNSUPPORTED_KEY', supported);
    expectVaultError(() => importKeyMaterial('PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\n'), 'UNSUPPORTED_KEY', /puttygen/);
    expectVaultError(() => importKeyMaterial('-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nabc\n-----END PGP PRIVATE KEY BLOCK-----'), 'UNSUPPORTED_KEY', supported);

    const dsa = keygen(['-t', 'dsa']);
    expectVaultError(() => importKeyMaterial(readFileSync(dsa, 'utf8')), 'UNSUPPORTED_KEY', /DSA key.*Ed25519/);
    const dsaPem = openssl(['genpkey', '-genparam', '-algorithm', 'DSA', '-pkeyopt', 'dsa_paramgen_bits:1024']);
    const dsaKey = openssl(['genpkey', '-paramfile', dsaPem]);
    expectVaultError(() => importKeyMaterial(readFileSync(dsaKey, 'utf8')), 'UNSUPPORTED_KEY', /DSA key/);

    const x25519 = openssl(['genpkey', '-algorithm', 'X25519']);
    expectVaultError(() => importKeyMaterial(readFileSync(x25519, 'utf8')), 'UNSUPPORTED_KEY', /X25519 key.*Supported key types: Ed25519, RSA/);
    const k1 = openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:secp256k1']);
    expectVaultError(() => importKeyMaterial(readFileSync(k1, 'utf8')), 'UNSUPPORTED_KEY', /curve secp256k1/);
    const shortRsa = openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:768']);
    expectVaultError(() => importKeyMaterial(readFileSync(shortRsa, 'utf8')), 'UNSUPPORTED_KEY', /only 768 bits.*shorter than 1024 bits/);
  });

  it('calls cut-short or damaged key text damaged', () => {
    const path = keygen(['-t', 'ed25519']);
    const text = readFileSync(path, 'utf8');
    const lines = text.trim().split('\n');

    expectVaultError(() => importKeyMaterial(lines.slice(0, -1).join('\n')), 'MALFORMED_KEY', /no "-----END OPENSSH PRIVATE KEY-----" line.*Paste the whole key file/);
    const missingLine = [lines[0], ...lines.slice(2)].join('\n');
    expectVaultError(() => importKeyMaterial(missingLine), 'MALFORMED_KEY');

    // The private seed changed, the public key beside it not: the file no longer describes one key pair.
    const body = Buffer.from(lines.slice(1, -1).join(''), 'base64');
    const seedAt = body.indexOf(Buffer.from([0, 0, 0, 64])) + 4;
    body[seedAt] ^= 0xff;
    const tampered = `${lines[0]}\n${body.toString('base64')}\n${lines.at(-1)}\n`;
    expectVaultError(() => importKeyMaterial(tampered), 'MALFORMED_KEY', /private part does not match its public part/);
  });
});

describe('generateKeyMaterial', () => {
  it('generates an Ed25519 key that ssh-keygen and ssh2 read, and that imports back unchanged', async () => {
    const material = await generateKeyMaterial('ed25519', 'ops@lifeline');
    expect(material).toMatchObject({ type: 'ssh-ed25519', bits: 256, comment: 'ops@lifeline' });
    expect(material.publicKey).toMatch(/^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5[A-Za-z0-9+/]+ ops@lifeline$/);
    expectUsableStoredForm(material);

    const again = importKeyMaterial(material.privateKey.toString('latin1'));
    expect({ ...again, privateKey: undefined }).toEqual({ ...material, privateKey: undefined });
  });

  it('generates an RSA 4096 key that ssh-keygen and ssh2 read', async () => {
    const material = await generateKeyMaterial('rsa', '');
    expect(material).toMatchObject({ type: 'ssh-rsa', bits: 4096, comment: '' });
    expectUsableStoredForm(material);
  });

  it('makes a different key every time', async () => {
    const [one, two] = await Promise.all([generateKeyMaterial('ed25519', 'a'), generateKeyMaterial('ed25519', 'a')]);
    expect(one.fingerprint).not.toBe(two.fingerprint);
  });
});
