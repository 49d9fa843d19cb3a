import type { AppInfo, EventName, LifelineEvents, Result, Unsubscribe } from '../../preload/api';
import type { Vault } from '../vault';
import type { TrustedHostKeysRepository } from '../store/trusted-host-keys';
import { ok } from './errors';
import { HostKeysApi } from './host-keys';
import { PromptBroker, PROMPT_TIMEOUT_MS } from './prompts';
import type { RequestHandlers } from './requests';
import { ServersApi, type ServersStore } from './servers';
import { VaultApi } from './vault';

export type { JumpHop, ServersStore } from './servers';

export interface ServiceDeps {
  servers: ServersStore;
  vault: Vault;
  trustedHostKeys: TrustedHostKeysRepository;
  /** Whether the vault was given the OS keychain. */
  keychainAvailable: boolean;
  info: AppInfo;
  /** How long a prompt waits for an answer; 5 minutes unless a test says otherwise. */
  promptTimeoutMs?: number;
}

type EventSources = { [K in EventName]: (listener: (value: LifelineEvents[K]) => void) => Unsubscribe };

/**
 * The one implementation of the renderer contract, shared by the desktop and the web console, made of
 * one part per area. Its arguments arrive validated (see requests.ts).
 */
export class LifelineService implements RequestHandlers {
  private readonly servers: ServersApi;
  private readonly vault: VaultApi;
  private readonly hostKeys: HostKeysApi;
  /** For the main-side SSH code: asks the user about host keys and logins through every window. */
  readonly prompts: PromptBroker;
  readonly events: EventSources;

  constructor(private readonly deps: ServiceDeps) {
    this.servers = new ServersApi(deps.servers);
    this.vault = new VaultApi({ vault: deps.vault, servers: deps.servers, keychainAvailable: deps.keychainAvailable });
    this.hostKeys = new HostKeysApi({ servers: deps.servers, trustedHostKeys: deps.trustedHostKeys });
    this.prompts = new PromptBroker(deps.promptTimeoutMs ?? PROMPT_TIMEOUT_MS);
    this.events = {
      serversChanged: this.servers.onChanged,
      vaultChanged: this.vault.onVaultChanged,
      keysChanged: this.vault.onKeysChanged,
      promptsChanged: this.prompts.onChanged,
    };
  }

  async getAppInfo(): Promise<Result<AppInfo>> {
    return ok(this.deps.info);
  }

  listServers: RequestHandlers['listServers'] = () => this.servers.listServers();
  createServer: RequestHandlers['createServer'] = (fields) => this.servers.createServer(fields);
  updateServer: RequestHandlers['updateServer'] = (id, fields) => this.servers.updateServer(id, fields);
  deleteServer: RequestHandlers['deleteServer'] = (id) => this.servers.deleteServer(id);

  getVaultStatus: RequestHandlers['getVaultStatus'] = () => this.vault.getVaultStatus();
  initializeVault: RequestHandlers['initializeVault'] = (setup) => this.vault.initializeVault(setup);
  unlockVault: RequestHandlers['unlockVault'] = (passphrase) => this.vault.unlockVault(passphrase);
  lockVault: RequestHandlers['lockVault'] = () => this.vault.lockVault();
  changeVaultPassphrase: RequestHandlers['changeVaultPassphrase'] = (current, next) => this.vault.changeVaultPassphrase(current, next);
  listKeys: RequestHandlers['listKeys'] = () => this.vault.listKeys();
  generateKey: RequestHandlers['generateKey'] = (input) => this.vault.generateKey(input);
  importKey: RequestHandlers['importKey'] = (input) => this.vault.importKey(input);
  deleteKey: RequestHandlers['deleteKey'] = (id) => this.vault.deleteKey(id);
  setServerPassword: RequestHandlers['setServerPassword'] = (serverId, password) => this.vault.setServerPassword(serverId, password);

  answerPrompt: RequestHandlers['answerPrompt'] = (id, answer) => this.prompts.answerPrompt(id, answer);

  listTrustedHostKeys: RequestHandlers['listTrustedHostKeys'] = (serverId) => this.hostKeys.listTrustedHostKeys(serverId);
  forgetTrustedHostKey: RequestHandlers['forgetTrustedHostKey'] = (serverId, keyType) => this.hostKeys.forgetTrustedHostKey(serverId, keyType);

  /** Cancels every pending prompt and drops every subscriber. */
  dispose(): void {
    this.prompts.dispose();
    this.servers.dispose();
    this.vault.dispose();
  }
}

/** Subscribes `send` to every event of the service; the transports call this once per client. */
export function forwardEvents(
  service: LifelineService,
  send: <K extends EventName>(name: K, value: LifelineEvents[K]) => void,
): Unsubscribe {
  const names = Object.keys(service.events) as EventName[];
  const unsubscribes = names.map((name) => service.events[name]((value) => send(name, value)));
  return () => unsubscribes.forEach((unsubscribe) => unsubscribe());
}
