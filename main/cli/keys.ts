import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import type { VaultKey } from '../vault';
import { VaultError } from '../vault';
import type { CliContext } from './context';
import type { CliIo } from './io';
import { CliRefusal, guard, openVault } from './vault-access';

export const KEY_PASSPHRASE_ENV = 'LIFELINE_KEY_PASSPHRASE';

/** `lifeline keys generate|import|list`. */
export async function runKeys(argv: string[], io: CliIo, context: CliContext): Promise<number> {
  const [action, ...rest] = argv;
  switch (action) {
    case 'generate': {
      const { values } = parseArgs({ args: rest, strict: true, options: { type: { type: 'string' }, name: { type: 'string' }, comment: { type: 'string' } } });
      const type = values.type ?? 'ed25519';
      if (type !== 'ed25519' && type !== 'rsa') throw new CliRefusal(`--type must be ed25519 or rsa, not "${type}".`);
      await openVault(context.vault, io, context.env, true);
      const key = await guard(() => context.vault.generateKey({ name: values.name ?? `id_${type}`, type, comment: values.comment }));
      printKey(io, key);
      return 0;
    }
    case 'import': {
      const { values, positionals } = parseArgs({ args: rest, strict: true, allowPositionals: true, options: { name: { type: 'string' } } });
      const [file, extra] = positionals;
      if (!file || extra) throw new CliRefusal('Name one private key file: lifeline keys import FILE [--name N].');
      const text = readKeyFile(file);
      await openVault(context.vault, io, context.env, true);
      const name = values.name ?? basename(file);
      const key = await guard(async () => {
        try {
          return context.vault.importKey({ name, text, passphrase: context.env[KEY_PASSPHRASE_ENV] });
        } catch (error) {
          if (!(error instanceof VaultError && error.code === 'PASSPHRASE_REQUIRED' && io.ask)) throw error;
          const passphrase = await io.ask(`Passphrase for ${file}: `, { secret: true });
          if (passphrase === null) throw new CliRefusal('No passphrase given; nothing was imported.');
          return context.vault.importKey({ name, text, passphrase });
        }
      });
      printKey(io, key);
      return 0;
    }
    case 'list': {
      const { values } = parseArgs({ args: rest, strict: true, options: { json: { type: 'boolean' } } });
      // Public data only, so no unlock is needed.
      const keys = context.vault.listKeys();
      if (values.json) io.out(JSON.stringify(keys, null, 2));
      else if (keys.length === 0) io.err('No keys yet. Create one with "lifeline keys generate".');
      else for (const key of keys) io.out(`${key.name}\t${key.type}\t${key.bits}\t${key.fingerprint}\t${key.comment}`);
      return 0;
    }
    default:
      throw new CliRefusal(`"keys ${action ?? ''}" is not a command: use keys generate, keys import FILE or keys list.`);
  }
}

function readKeyFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliRefusal(`Cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): check the path and its permissions.`);
  }
}

function printKey(io: CliIo, key: VaultKey): void {
  io.err(`Lifeline: key "${key.name}" (${key.type}, ${key.bits} bits) ${key.fingerprint}`);
  // The public line alone on stdout, ready for authorized_keys.
  io.out(key.publicKey);
}
