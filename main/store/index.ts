import { join } from 'node:path';
import { openDatabase } from '../../agent/store/sqlite';
import { Vault, type KeyWrapper } from '../vault';
import { CommandLedgerRepository } from './command-ledger';
import { LinkSamplesRepository } from './link-samples';
import { SavedCommandsRepository } from './saved-commands';
import { desktopMigrations } from './migrations';
import { ServerLinksRepository } from './server-links';
import { ServersRepository } from './servers-repository';
import { TrustedHostKeysRepository } from './trusted-host-keys';

/** The desktop's database and its repositories; whoever opens it closes it. */
export interface LifelineStore {
  readonly path: string;
  readonly servers: ServersRepository;
  readonly vault: Vault;
  readonly trustedHostKeys: TrustedHostKeysRepository;
  /** How each server's agent is reached (bridge address, trigger folder, tmux session, layer order). */
  readonly serverLinks: ServerLinksRepository;
  readonly linkSamples: LinkSamplesRepository;
  readonly commands: CommandLedgerRepository;
  readonly savedCommands: SavedCommandsRepository;
  close(): void;
}

export interface StoreOptions {
  /** The OS keychain that may wrap the vault's data key (the desktop's); without it, passphrases only. */
  keychain?: KeyWrapper;
}

/**
 * Opens `<dataDir>/lifeline.db`, creating or upgrading it. Throws StoreError (from agent/store/sqlite)
 * with the path and what to do when the file is damaged, unreadable or from a newer version.
 */
export function openLifelineStore(dataDir: string, options: StoreOptions = {}): LifelineStore {
  const path = join(dataDir, 'lifeline.db');
  const db = openDatabase({ path, migrations: desktopMigrations, product: 'Lifeline' });
  const vault = new Vault(db, options.keychain);
  return {
    path,
    servers: new ServersRepository(db),
    vault,
    trustedHostKeys: new TrustedHostKeysRepository(db),
    serverLinks: new ServerLinksRepository(db),
    linkSamples: new LinkSamplesRepository(db),
    commands: new CommandLedgerRepository(db),
    savedCommands: new SavedCommandsRepository(db),
    close: () => {
      // Wipes the data key from memory: nothing may read secrets once the store is gone.
      vault.lock();
      db.close();
    },
  };
}
