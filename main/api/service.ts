import type { AppInfo, EventName, LifelineEvents, Result, TerminalAttachment, TerminalHandlers, Unsubscribe } from '../../preload/api';
import type { Vault } from '../vault';
import type { TrustedHostKeysRepository } from '../store/trusted-host-keys';
import type { ConnectToServer } from '../terminals/connection-pool';
import type { TerminalManager } from '../terminals/manager';
import type { LinkManager } from '../links/manager';
import type { CommandLedgerRepository } from '../store/command-ledger';
import type { LinkSamplesRepository } from '../store/link-samples';
import type { SavedCommandsRepository } from '../store/saved-commands';
import { ok } from './errors';
import { HostKeysApi } from './host-keys';
import { installKey } from './install-key';
import { LinksApi } from './links';
import { SavedCommandsApi } from './saved-commands';
import type { PromptBroker } from './prompts';
import type { RequestHandlers } from './requests';
import { ServersApi, type ServersStore } from './servers';
import { SshConfigImportApi } from './ssh-config-import';
import { TerminalsApi } from './terminals';
import { VaultApi } from './vault';

export type { JumpHop, ServersStore } from './servers';

export interface ServiceDeps {
  servers: ServersStore;
  vault: Vault;
  trustedHostKeys: TrustedHostKeysRepository;
  /** Whether the vault was given the OS keychain. */
  keychainAvailable: boolean;
  info: AppInfo;
  /**
   * Asks every window about host keys and logins. Given rather than made here because `connect` and the
   * terminals ask through it too; whoever made it disposes it.
   */
  prompts: PromptBroker;
  /** The terminals of this installation; whoever made the manager disposes it. */
  terminals: TerminalManager;
  /** Logs in to a stored server, for one-off work such as installKey. */
  connect: ConnectToServer;
  /** The home folder of the account main runs as: where `~/.ssh/config` is imported from by default. */
  home: string;
  /** Links and commands; whoever made the manager disposes it, after the service. */
  linkManager: LinkManager;
  linkSamples: Pick<LinkSamplesRepository, 'since'>;
  commandLedger: Pick<CommandLedgerRepository, 'recent'>;
  savedCommands: SavedCommandsRepository;
  /** Who runs commands from the windows, for the ledgers ("user@host"). */
  requestedBy: string;
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
  private readonly terminals: TerminalsApi;
  private readonly sshConfigImport: SshConfigImportApi;
  private readonly savedCommands: SavedCommandsApi;
  private readonly links: LinksApi;
  /** Cancels one-off connections (installKey) when the service is disposed. */
  private readonly shutdown = new AbortController();
  /** For the main-side SSH code: asks the user about host keys and logins through every window. */
  readonly prompts: PromptBroker;
  readonly events: EventSources;

  constructor(private readonly deps: ServiceDeps) {
    this.servers = new ServersApi(deps.servers);
    this.vault = new VaultApi({ vault: deps.vault, servers: deps.servers, keychainAvailable: deps.keychainAvailable });
    this.hostKeys = new HostKeysApi({ servers: deps.servers, trustedHostKeys: deps.trustedHostKeys });
    this.terminals = new TerminalsApi(deps.terminals);
    // Imported servers are created through this service, so they pass the same rules and announce themselves.
    this.sshConfigImport = new SshConfigImportApi({ servers: deps.servers, service: this, home: deps.home });
    this.savedCommands = new SavedCommandsApi(deps.savedCommands);
    this.links = new LinksApi({
      manager: deps.linkManager,
      servers: deps.servers,
      samples: deps.linkSamples,
      ledger: deps.commandLedger,
      savedCommands: this.savedCommands,
      runs: { requestedBy: deps.requestedBy },
    });
    this.prompts = deps.prompts;
    this.events = {
      serversChanged: this.servers.onChanged,
      vaultChanged: this.vault.onVaultChanged,
      keysChanged: this.vault.onKeysChanged,
      promptsChanged: this.prompts.onChanged,
      terminalsChanged: this.terminals.onChanged,
      linksChanged: this.links.onLinksChanged,
      savedCommandsChanged: this.savedCommands.onChanged,
      commandRun: this.links.onCommandRun,
    };
  }

  async getAppInfo(): Promise<Result<AppInfo>> {
    return ok(this.deps.info);
  }

  listServers: RequestHandlers['listServers'] = () => this.servers.listServers();
  createServer: RequestHandlers['createServer'] = (fields) => this.servers.createServer(fields);
  updateServer: RequestHandlers['updateServer'] = (id, fields) => this.servers.updateServer(id, fields);
  deleteServer: RequestHandlers['deleteServer'] = (id) => this.servers.deleteServer(id);
  previewSshConfigImport: RequestHandlers['previewSshConfigImport'] = (source) => this.sshConfigImport.previewSshConfigImport(source);
  importSshConfig: RequestHandlers['importSshConfig'] = (input) => this.sshConfigImport.importSshConfig(input);

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
  // The servers show whether a token is saved, so a change is announced with them.
  setAgentToken: RequestHandlers['setAgentToken'] = async (serverId, token) => {
    const result = await this.vault.setAgentToken(serverId, token);
    if (result.ok) this.servers.announce();
    return result;
  };

  answerPrompt: RequestHandlers['answerPrompt'] = (id, answer) => this.prompts.answerPrompt(id, answer);

  listTrustedHostKeys: RequestHandlers['listTrustedHostKeys'] = (serverId) => this.hostKeys.listTrustedHostKeys(serverId);
  forgetTrustedHostKey: RequestHandlers['forgetTrustedHostKey'] = (serverId, keyType) => this.hostKeys.forgetTrustedHostKey(serverId, keyType);

  installKey: RequestHandlers['installKey'] = (keyId, serverId) =>
    installKey({ servers: this.deps.servers, vault: this.deps.vault, connect: this.deps.connect, signal: this.shutdown.signal }, keyId, serverId);

  openTerminal: RequestHandlers['openTerminal'] = (input) => this.terminals.openTerminal(input);
  listTerminals: RequestHandlers['listTerminals'] = () => this.terminals.listTerminals();
  resizeTerminal: RequestHandlers['resizeTerminal'] = (id, cols, rows) => this.terminals.resizeTerminal(id, cols, rows);
  reconnectTerminal: RequestHandlers['reconnectTerminal'] = (id) => this.terminals.reconnectTerminal(id);
  closeTerminal: RequestHandlers['closeTerminal'] = (id) => this.terminals.closeTerminal(id);
  listTmuxSessions: RequestHandlers['listTmuxSessions'] = (serverId) => this.terminals.listTmuxSessions(serverId);

  listLinks: RequestHandlers['listLinks'] = () => this.links.listLinks();
  linkSamples: RequestHandlers['linkSamples'] = (serverId, since) => this.links.linkSamples(serverId, since);
  probeLinks: RequestHandlers['probeLinks'] = (serverId) => this.links.probeLinks(serverId);
  listSavedCommands: RequestHandlers['listSavedCommands'] = () => this.savedCommands.listSavedCommands();
  saveCommand: RequestHandlers['saveCommand'] = (input) => this.savedCommands.saveCommand(input);
  deleteSavedCommand: RequestHandlers['deleteSavedCommand'] = (id) => this.savedCommands.deleteSavedCommand(id);
  runCommand: RequestHandlers['runCommand'] = (input) => this.links.runCommand(input);
  retryCommandRun: RequestHandlers['retryCommandRun'] = (runId, serverIds) => this.links.retryCommandRun(runId, serverIds);
  recentCommands: RequestHandlers['recentCommands'] = (limit) => this.links.recentCommands(limit);

  /**
   * For the transports: a terminal's byte stream (see LifelineApi.attachTerminal). `id` must be validated
   * by the caller; throws TerminalError (NOT_FOUND) when there is no such terminal.
   */
  attachTerminal(id: string, handlers: TerminalHandlers): TerminalAttachment {
    return this.terminals.attach(id, handlers);
  }

  /** Cancels one-off connections and runs in flight, and drops every subscriber of the parts it made. */
  dispose(): void {
    this.shutdown.abort();
    this.servers.dispose();
    this.vault.dispose();
    this.links.dispose();
    this.savedCommands.dispose();
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
