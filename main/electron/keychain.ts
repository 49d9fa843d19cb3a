import { safeStorage } from 'electron';
import { DATA_KEY_BYTES, type KeyWrapper } from '../vault/crypto';
import { VaultError } from '../vault/errors';

export type Keychain = { available: true; wrapper: KeyWrapper } | { available: false; reason: string };

const USE_PASSPHRASE = 'Lifeline will protect its key vault with a passphrase instead.';

/**
 * The OS keychain (Keychain on macOS, DPAPI on Windows, the Secret Service or KWallet on Linux) as the
 * wrapper of the vault's data key, through Electron's safeStorage. Call it after the app is ready:
 * before that Electron cannot tell which keyring it would use. Resolves to the reason instead when the
 * keychain cannot protect the key, so the desktop falls back to a passphrase.
 */
export async function openKeychain(platform: NodeJS.Platform = process.platform): Promise<Keychain> {
  const reason = await refusal(platform);
  if (reason) return { available: false, reason };
  return {
    available: true,
    wrapper: {
      async wrap(dataKey) {
        // Checked again: the session's keyring can go away while Lifeline runs.
        const refused = await refusal(platform);
        if (refused) throw new VaultError('KEYCHAIN_UNAVAILABLE', refused);
        // safeStorage takes strings only; this base64 copy of the key cannot be wiped, unlike the buffers.
        return safeStorage.encryptStringAsync(dataKey.toString('base64'));
      },
      async unwrap(blob) {
        const { result, shouldReEncrypt } = await safeStorage.decryptStringAsync(blob);
        const dataKey = Buffer.from(result, 'base64');
        if (dataKey.length !== DATA_KEY_BYTES) {
          dataKey.fill(0);
          throw new VaultError('DAMAGED', 'The OS keychain returned something other than the vault key: the vault entry in the database was damaged or changed outside Lifeline.');
        }
        return { dataKey, rewrap: shouldReEncrypt };
      },
    },
  };
}

async function refusal(platform: NodeJS.Platform): Promise<string | undefined> {
  if (!(await safeStorage.isAsyncEncryptionAvailable())) {
    return `The OS keychain is not available to Lifeline (no keyring service answered). ${USE_PASSPHRASE}`;
  }
  // With no keyring found, Electron on Linux "encrypts" with a password built into Chromium: anyone
  // who can read the database could unwrap the key, so that is refused rather than trusted.
  if (platform === 'linux' && safeStorage.getSelectedStorageBackend() === 'basic_text') {
    return `No keyring (GNOME Keyring, KWallet or another Secret Service) is running, so the OS keychain would not really encrypt anything. ${USE_PASSPHRASE}`;
  }
  return undefined;
}
