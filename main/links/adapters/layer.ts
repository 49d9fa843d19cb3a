import type { CommandResult, RunParams } from '../../../agent/protocol/messages';
import type { SshConnection } from '../../ssh/connect';

// One adapter per way a command can reach a server's agent. The link manager holds one adapter of each
// layer for all servers, tries them in a server's order, and relies on the agent's once-per-id ledger:
// every adapter carries the caller's command id to the agent unchanged, so a retry over another layer
// never runs the command twice.

export type LayerName = 'bridge' | 'tmux' | 'trigger' | 'exec';

/** How the tmux and exec layers call the agent on a server unless the server says otherwise. */
export const DEFAULT_REMOTE_COMMAND: readonly string[] = ['lifeline', 'agent', 'run-command'];

/** What the adapters need to know of one server; the link manager maps the store's server onto it. */
export interface LinkTarget {
  readonly serverId: string;
  /** The agent's socket bridge. `tlsFingerprint` ("SHA256:…") pins its certificate; absent = plain TCP. */
  readonly agent?: { readonly host: string; readonly port: number; readonly token: string; readonly tlsFingerprint?: string };
  /** Where the server's SSH login lands (host, and jump hosts before it); absent: the bridge asks the connection. */
  readonly sshDestination?: { readonly host: string; readonly jumpHosts: number };
  /** A logged-in connection to the server, shared by the layers and owned by the caller (never closed here). */
  readonly ssh?: () => Promise<SshConnection>;
  /** The agent's trigger folder on the server (absolute, or relative to the SSH user's home). */
  readonly triggerDir?: string;
  /** The tmux session commands are typed into, and the tmux server's socket name (`tmux -L`) when not the default. */
  readonly tmuxSession?: string;
  readonly tmuxSocketName?: string;
  /** The argv that starts `run-command` on the server (tmux and exec layers), e.g. with `--config FILE`. */
  readonly remoteCommand: readonly string[];
}

export type OutputListener = (stream: 'stdout' | 'stderr', text: string) => void;

export interface LayerAdapter {
  readonly layer: LayerName;
  /** True when `run` reports output live through `onOutput`; otherwise output arrives only in the result. */
  readonly streamsOutput: boolean;
  /** Resolves when the layer can carry a command to this server now; rejects with a LinkError saying why not. */
  probe(target: LinkTarget, signal: AbortSignal): Promise<void>;
  /**
   * Carries the command to the agent and resolves with its result — a recorded one (`replayed: true`)
   * when the id already ran over any layer. Rejects with a LinkError when this layer could not deliver it
   * or bring the result back; an abort rejects with TIMEOUT. The command may have run all the same: retry
   * it with the same id, over any layer.
   */
  run(target: LinkTarget, params: RunParams, signal: AbortSignal, onOutput?: OutputListener): Promise<CommandResult>;
  /** Closes what the adapter opened itself (bridge connections, SFTP sessions); never the SSH connections. */
  dispose(): void;
}
