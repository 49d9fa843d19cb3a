import type { AppInfo } from '../preload/api';
import { version } from '../agent/version';
import { LifelineService } from './api/service';
import { openLifelineStore, type LifelineStore } from './store';
import type { KeyWrapper } from './vault';

export interface MainServices {
  readonly service: LifelineService;
  /** The repositories and the vault, for main-side code that is not a contract method (SSH, the CLI). */
  readonly store: LifelineStore;
  readonly dataDir: string;
  close(): void;
}

export interface ServicesOptions {
  dataDir: string;
  mode: AppInfo['mode'];
  /** The desktop's OS keychain, when it really encrypts; the web console protects the vault by passphrase only. */
  keychain?: KeyWrapper;
}

/**
 * Opens what the desktop and the web console share: the store and the service over it. Throws the
 * store's StoreError (with the path and what to do) when the database must not be opened.
 */
export function openServices(options: ServicesOptions): MainServices {
  const store = openLifelineStore(options.dataDir, { keychain: options.keychain });
  const service = new LifelineService({
    servers: store.servers,
    vault: store.vault,
    trustedHostKeys: store.trustedHostKeys,
    keychainAvailable: options.keychain !== undefined,
    info: { version, mode: options.mode, dataDir: options.dataDir },
  });
  return {
    service,
    store,
    dataDir: options.dataDir,
    close() {
      service.dispose();
      store.close();
    },
  };
}
