import { resolveDataDir } from '../../agent/data-dir';
import type { LifelineService } from '../api/service';
import { openServices } from '../services';
import type { LifelineStore } from '../store';
import type { ServersRepository } from '../store/servers-repository';
import type { TrustedHostKeysRepository } from '../store/trusted-host-keys';
import type { Vault } from '../vault';

/** What the SSH commands use: the same store, vault and rules as the desktop and the web console. */
export interface CliContext {
  readonly env: NodeJS.ProcessEnv;
  readonly service: LifelineService;
  readonly servers: ServersRepository;
  readonly vault: Vault;
  readonly trustedHostKeys: TrustedHostKeysRepository;
  /** Every repository, for the link commands (settings, samples, ledger). */
  readonly store: LifelineStore;
  close(): Promise<void>;
}

/** Opens the data folder ($LIFELINE_HOME or the platform's); throws StoreError when it must not be used. */
export function openCliContext(env: NodeJS.ProcessEnv): CliContext {
  // The command line serves no UI, so the mode (shown only by getAppInfo) is never read here.
  const services = openServices({ dataDir: resolveDataDir(env), mode: 'web', probeLinks: false });
  return {
    env,
    service: services.service,
    servers: services.store.servers,
    vault: services.store.vault,
    trustedHostKeys: services.store.trustedHostKeys,
    store: services.store,
    close: () => services.close(),
  };
}
