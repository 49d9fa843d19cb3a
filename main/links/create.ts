import { hostname, userInfo } from 'node:os';
import type { LifelineStore } from '../store';
import type { ConnectToServer } from '../terminals/connection-pool';
import { BridgeAdapter } from './adapters/bridge';
import { ExecAdapter } from './adapters/exec';
import { TmuxAdapter } from './adapters/tmux';
import { TriggerAdapter } from './adapters/trigger';
import { LinkManager, type LinkManagerDeps, type LinkManagerOptions } from './manager';
import { Redactor } from './redact';
import { LinkSshConnections } from './ssh-connections';

export interface LinkManagerSetup {
  readonly store: LifelineStore;
  /** Opens a logged-in SSH connection to a server (the tmux, trigger and exec layers share one per server). */
  readonly connect: ConnectToServer;
  readonly options?: Partial<LinkManagerOptions>;
  /** Replaces the default secret patterns of the redaction (main/links/redact.ts). */
  readonly secretPatterns?: readonly RegExp[];
  /** Which servers the interval probes; default: every server (see LinkManagerDeps.probedOnInterval). */
  readonly probedOnInterval?: LinkManagerDeps['probedOnInterval'];
}

/** The link manager over the store's settings, samples and ledger, with every layer; dispose it to close them. */
export function createLinkManager(setup: LinkManagerSetup): LinkManager {
  const { store } = setup;
  return new LinkManager({
    links: store.serverLinks,
    samples: store.linkSamples,
    ledger: store.commands,
    adapters: [new BridgeAdapter({ connectTimeoutMs: 5000, client: whoAsks() }), new TmuxAdapter(), new TriggerAdapter(), new ExecAdapter()],
    agentToken: (serverId) => store.vault.getAgentToken(serverId),
    ssh: new LinkSshConnections(setup.connect),
    redactor: new Redactor({ secrets: () => store.vault.serverSecretValues(), ...(setup.secretPatterns ? { patterns: setup.secretPatterns } : {}) }),
    ...(setup.options ? { options: setup.options } : {}),
    ...(setup.probedOnInterval ? { probedOnInterval: setup.probedOnInterval } : {}),
  });
}

/** "user@host" of this desktop, for the ledgers and the agent's log. */
export function whoAsks(): string {
  return `${userInfo().username}@${hostname()}`;
}
