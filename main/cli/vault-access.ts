import { VaultError, type Vault } from '../vault';
import type { CliIo } from './io';

// How the command line gets at the vault: the passphrase comes from LIFELINE_VAULT_PASSPHRASE (for
// scripts and CI) or from a prompt on the terminal; never from an argument, which `ps` would show.

export const VAULT_PASSPHRASE_ENV = 'LIFELINE_VAULT_PASSPHRASE';

export class CliRefusal extends Error {}

/** Unlocks the vault, or sets it up first when `setUp` allows it. Throws CliRefusal with what to do. */
export async function openVault(vault: Vault, io: CliIo, env: NodeJS.ProcessEnv, setUp: boolean): Promise<void> {
  const status = vault.status();
  if (status.state === 'unlocked') return;
  if (status.wrapping === 'keychain') {
    throw new CliRefusal('This vault is locked by the desktop app\'s OS keychain, which the command line cannot use. Run the command from the desktop app, or change the vault to a passphrase there.');
  }
  if (status.state === 'uninitialized') {
    if (!setUp) throw new CliRefusal('The key vault is not set up yet. Create it with "lifeline keys generate" or "lifeline keys import FILE".');
    const passphrase = env[VAULT_PASSPHRASE_ENV] ?? (await askNewPassphrase(io));
    await guard(() => vault.initialize({ passphrase }));
    io.err('Lifeline: created the key vault; remember its passphrase: nothing can recover the keys without it.');
    return;
  }
  const passphrase = env[VAULT_PASSPHRASE_ENV] ?? (await io.ask?.('Vault passphrase: ', { secret: true }));
  if (passphrase === undefined || passphrase === null) {
    throw new CliRefusal(`The key vault is locked. Set ${VAULT_PASSPHRASE_ENV}, or run the command on a terminal to be asked for the passphrase.`);
  }
  await guard(() => vault.unlock(passphrase));
}

async function askNewPassphrase(io: CliIo): Promise<string> {
  const first = await io.ask?.('New vault passphrase (at least 8 characters): ', { secret: true });
  if (first === undefined || first === null) {
    throw new CliRefusal(`The key vault needs a passphrase. Set ${VAULT_PASSPHRASE_ENV}, or run the command on a terminal to choose one.`);
  }
  const again = await io.ask?.('The same passphrase again: ', { secret: true });
  if (again !== first) throw new CliRefusal('The two passphrases differ; nothing was created. Run the command again.');
  return first;
}

/** Vault errors are the user's to fix and already say how: they become refusals (exit code 2). */
export async function guard<T>(work: () => T | Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof VaultError) throw new CliRefusal(error.message);
    throw error;
  }
}
