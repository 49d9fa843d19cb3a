import type { AppInfo } from '../preload/api';
import { version } from '../agent/version';
import { LifelineService } from './api/service';
import { openLifelineStore } from './store';

export interface MainServices {
  readonly service: LifelineService;
  readonly dataDir: string;
  close(): void;
}

/**
 * Opens what the desktop and the web console share: the store and the service over it. Throws the
 * store's StoreError (with the path and what to do) when the database must not be opened.
 */
export function openServices(options: { dataDir: string; mode: AppInfo['mode'] }): MainServices {
  const store = openLifelineStore(options.dataDir);
  const service = new LifelineService({
    servers: store.servers,
    info: { version, mode: options.mode, dataDir: options.dataDir },
  });
  return {
    service,
    dataDir: options.dataDir,
    close() {
      service.dispose();
      store.close();
    },
  };
}
