import { homedir } from 'node:os';
import type { AppInfo } from '../preload/api';
import { version } from '../agent/version';
import { PromptBroker } from './api/prompts';
import { LifelineService } from './api/service';
import { createLinkManager, whoAsks } from './links/create';
import type { ServerLinkSettings } from './store/server-links';
import { connectorDeps, connectServer } from './ssh/server-connector';
import { openLifelineStore, type LifelineStore } from './store';
import type { ConnectToServer } from './terminals/connection-pool';
import { TerminalManager } from './terminals/manager';
import type { KeyWrapper } from './vault';

export interface MainServices {
  readonly service: LifelineService;
  /** The repositories and the vault, for main-side code that is not a contract method (SSH, the CLI). */
  readonly store: LifelineStore;
  readonly dataDir: string;
  /** Cancels pending prompts and runs, closes the links, every terminal and SSH connection, then the database. */
  close(): Promise<void>;
}

export interface ServicesOptions {
  dataDir: string;
  mode: AppInfo['mode'];
  /** The desktop's OS keychain, when it really encrypts; the web console protects the vault by passphrase only. */
  keychain?: KeyWrapper;
  /** The home folder of the account main runs as (its ~/.ssh); defaults to os.homedir(). */
  home?: string;
  /**
   * Probes the links of servers attached to an agent on an interval. Defaults to true; the command line
   * turns it off (its commands are over in seconds).
   */
  probeLinks?: boolean;
}

/**
 * Opens what the desktop and the web console share: the store, the terminals and the service over them.
 * Throws the store's StoreError (with the path and what to do) when the database must not be opened.
 */
export function openServices(options: ServicesOptions): MainServices {
  const store = openLifelineStore(options.dataDir, { keychain: options.keychain });
  const prompts = new PromptBroker();
  const home = options.home ?? homedir();
  // Questions go to whichever window answers first; known_hosts files are read afresh at each connect.
  const deps = connectorDeps({
    store,
    env: process.env,
    home,
    askHostKey: (question, id) => prompts.askHostKey(question, id),
    askCredentials: (request, id) => prompts.askCredentials(request, id),
  });
  const connect: ConnectToServer = (serverId, signal) => connectServer(serverId, deps, { signal });
  const terminals = new TerminalManager({ connect, findServer: (id) => store.servers.get(id), dataDir: options.dataDir });
  // The layers log in the way terminals do: the same connector, the same prompts in every window.
  const linkManager = createLinkManager({ store, connect, probedOnInterval: attachedToAgent });
  const service = new LifelineService({
    servers: store.servers,
    vault: store.vault,
    trustedHostKeys: store.trustedHostKeys,
    keychainAvailable: options.keychain !== undefined,
    info: { version, mode: options.mode, dataDir: options.dataDir },
    prompts,
    terminals,
    connect,
    home,
    linkManager,
    linkSamples: store.linkSamples,
    commandLedger: store.commands,
    savedCommands: store.savedCommands,
    requestedBy: whoAsks(),
  });
  if (options.probeLinks ?? true) linkManager.startProbing();
  let closing: Promise<void> | undefined;
  return {
    service,
    store,
    dataDir: options.dataDir,
    close: () =>
      (closing ??= (async () => {
        service.dispose();
        // Cancelled first, so that no connection is left waiting for an answer while links and terminals close.
        prompts.dispose();
        await linkManager.dispose();
        await terminals.dispose();
        store.close();
      })()),
  };
}

/**
 * Whether the interval probes a server: one given any agent setting. A server only used for terminals is
 * left alone, since every probe of its SSH layers would log in to it (and might ask for a password).
 */
function attachedToAgent(settings: ServerLinkSettings): boolean {
  return settings.agent !== null || settings.triggerDir !== null || settings.agentCommand !== null || settings.tmuxSocket !== null;
}
