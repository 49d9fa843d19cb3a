import { execFile } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { chmod, mkdtemp, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { certificateFingerprint } from '../protocol/client';

export const CERT_FILE = 'bridge-cert.pem';
export const KEY_FILE = 'bridge-key.pem';
const TEN_YEARS_DAYS = '3650';

export interface BridgeCertificate {
  cert: string;
  key: string;
  /** "SHA256:<unpadded base64 of the SHA-256 of the DER certificate>", what the desktop pins. */
  fingerprint: string;
}

/** The certificate files are unusable or could not be made; the message says what to do. */
export class BridgeCertError extends Error {
  override readonly name = 'BridgeCertError';
}

/**
 * The bridge's TLS certificate in `dir` (the agent's data dir): the one made before, or a new self-signed
 * P-256 one made with openssl. Reused across restarts because the desktop pins its fingerprint; a broken or
 * half-present pair is refused rather than replaced, since replacing it breaks that pin.
 */
export async function ensureSelfSignedCert(dir: string, options: { openssl?: string; commonName?: string } = {}): Promise<BridgeCertificate> {
  const certPath = join(dir, CERT_FILE);
  const keyPath = join(dir, KEY_FILE);
  const [cert, key] = await Promise.all([readIfPresent(certPath), readIfPresent(keyPath)]);
  if (cert !== undefined && key !== undefined) return checkPair(cert, key, certPath, keyPath);
  if (cert !== undefined || key !== undefined) {
    const [present, missing] = cert !== undefined ? [certPath, keyPath] : [keyPath, certPath];
    throw new BridgeCertError(
      `${present} is there but ${missing} is not. Restore the missing file, or delete ${present} to have a new certificate made (the desktop must then pin its new fingerprint).`,
    );
  }
  await generate(dir, certPath, keyPath, options.openssl ?? 'openssl', options.commonName ?? 'lifeline-agent');
  return checkPair(await readFile(certPath, 'utf8'), await readFile(keyPath, 'utf8'), certPath, keyPath);
}

async function generate(dir: string, certPath: string, keyPath: string, openssl: string, commonName: string): Promise<void> {
  // Made in a private folder beside the final files and renamed in, the key first: a crash leaves either
  // nothing or a whole pair (the certificate's presence is what marks the pair done).
  const work = await mkdtemp(join(dir, '.bridge-cert-'));
  try {
    const argv = ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-sha256', '-days', TEN_YEARS_DAYS];
    argv.push('-subj', `/CN=${commonName.replace(/[^A-Za-z0-9.-]/g, '-')}`, '-keyout', join(work, KEY_FILE), '-out', join(work, CERT_FILE));
    try {
      await promisify(execFile)(openssl, argv, { timeout: 60_000 });
    } catch (error) {
      const failure = error as NodeJS.ErrnoException & { stderr?: string };
      if (failure.code === 'ENOENT') {
        throw new BridgeCertError(`openssl is not installed, so no certificate can be made for the bridge: install it (apt-get install openssl), or give the bridge a cert and key.`);
      }
      throw new BridgeCertError(`openssl could not make the bridge's certificate (${(failure.stderr ?? failure.message).trim()}); give the bridge a cert and key instead.`);
    }
    await chmod(join(work, KEY_FILE), 0o600);
    await rename(join(work, KEY_FILE), keyPath);
    await rename(join(work, CERT_FILE), certPath);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function checkPair(cert: string, key: string, certPath: string, keyPath: string): Promise<BridgeCertificate> {
  const redo = `delete both ${certPath} and ${keyPath} to have a new pair made (the desktop must then pin its new fingerprint)`;
  const mode = (await stat(keyPath)).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new BridgeCertError(`${keyPath} can be read by other users (mode ${mode.toString(8).padStart(4, '0')}); run "chmod 600 ${keyPath}".`);
  }
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(cert);
  } catch {
    throw new BridgeCertError(`${certPath} is not a PEM certificate; ${redo}.`);
  }
  try {
    if (!certificate.checkPrivateKey(createPrivateKey(key))) throw new Error('mismatch');
  } catch {
    throw new BridgeCertError(`${keyPath} is not the private key of ${certPath}; ${redo}.`);
  }
  if (Date.parse(certificate.validTo) < Date.now()) {
    throw new BridgeCertError(`${certPath} expired on ${certificate.validTo}; ${redo}.`);
  }
  return { cert, key, fingerprint: certificateFingerprint(certificate.raw) };
}

async function readIfPresent(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
