// The desktop side of the link benchmarks: a real store (SQLite file in a temp folder) with an unlocked
// vault holding the agents' tokens, and the real LinkManager over it with every layer's adapter.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serverInputSchema } from '../../main/api/server-rules';
import { BridgeAdapter } from '../../main/links/adapters/bridge';
import { ExecAdapter } from '../../main/links/adapters/exec';
import { TmuxAdapter } from '../../main/links/adapters/tmux';
import { TriggerAdapter } from '../../main/links/adapters/trigger';
import { LinkManager, type LinkManagerOptions } from '../../main/links/manager';
import { Redactor } from '../../main/links/redact';
import type { SshConnection } from '../../main/ssh/connect';
import { openLifelineStore, type LifelineStore } from '../../main/store';
import type { ServerLinkChanges } from '../../main/store/server-links';

export const REQUESTED_BY = 'bench@lifeline';

export interface BenchDesktop {
  readonly store: LifelineStore;
  /** Adds a server with these link settings (and its agent token in the vault); returns its id. */
  addServer(server: { name: string; host: string; port: number; user: string }, links: ServerLinkChanges, agentToken?: string): string;
  /**
   * The link manager over the store, with the bridge, tmux, trigger and exec adapters; `ssh` hands out
   * the benchmark's own connections (never closed by the manager). The caller disposes it.
   */
  linkManager(options: Partial<LinkManagerOptions>, ssh?: (serverId: string) => Promise<SshConnection>): LinkManager;
  /** Closes the store and deletes its folder; dispose the link managers first. */
  dispose(): void;
}

export async function openBenchDesktop(): Promise<BenchDesktop> {
  const home = mkdtempSync(join(tmpdir(), 'lifeline-bench-desktop-'));
  let store: LifelineStore | undefined;
  const dispose = () => {
    store?.close();
    rmSync(home, { recursive: true, force: true });
  };
  try {
    const opened = openLifelineStore(home);
    store = opened;
    await opened.vault.initialize({ passphrase: 'a long benchmark vault passphrase' });
    return {
      store: opened,
      addServer: (server, links, agentToken) => {
        const made = opened.servers.create(serverInputSchema.parse(server));
        if (made === 'duplicate-name') throw new Error(`The benchmark added the server name ${server.name} twice; give each server a name of its own.`);
        if (agentToken !== undefined) opened.vault.setAgentToken(made.id, agentToken);
        opened.serverLinks.update(made.id, links);
        return made.id;
      },
      linkManager: (options, ssh) =>
        new LinkManager({
          links: opened.serverLinks,
          samples: opened.linkSamples,
          ledger: opened.commands,
          adapters: [new BridgeAdapter({ connectTimeoutMs: 2000, client: REQUESTED_BY }), new TmuxAdapter(), new TriggerAdapter(), new ExecAdapter()],
          agentToken: (serverId) => opened.vault.getAgentToken(serverId),
          ...(ssh ? { ssh: { get: ssh, dispose: () => Promise.resolve() } } : {}),
          redactor: new Redactor({ secrets: () => opened.vault.serverSecretValues() }),
          options,
        }),
      dispose,
    };
  } catch (error) {
    dispose();
    throw error;
  }
}
