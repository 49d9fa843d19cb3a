import type { CommandResult, RunParams } from '../../../agent/protocol/messages';
import type { LayerAdapter, LinkTarget } from './layer';
import { noResultError, readResult, runCommandArgv } from './run-command-line';
import { connectionOf, execCollect } from './ssh-exec';

// The exec layer: one SSH exec of run-command per command on the server's shared connection. It needs
// nothing of the agent but its command line, so it works while the agent's bridge and watcher are down.

/** run-command's answer holds the recorded output, capped per stream by the agent (1 MiB by default) and grown by JSON escaping. */
const MAX_ANSWER_BYTES = 32 * 1024 * 1024;
/** The usage text, and whatever a broken install prints instead. */
const MAX_PROBE_BYTES = 64 * 1024;

export class ExecAdapter implements LayerAdapter {
  readonly layer = 'exec';
  readonly streamsOutput = false;

  /** Runs `run-command --help`: the connection works and the agent's command is there. */
  async probe(target: LinkTarget, signal: AbortSignal): Promise<void> {
    const connection = await connectionOf(this.layer, target, signal);
    const outcome = await execCollect(this.layer, connection, [...target.remoteCommand, '--help'], signal, MAX_PROBE_BYTES);
    if (outcome.code !== 0) throw noResultError(this.layer, target.remoteCommand, connection.endpoint, outcome.code, outcome.stderr);
  }

  async run(target: LinkTarget, params: RunParams, signal: AbortSignal): Promise<CommandResult> {
    const connection = await connectionOf(this.layer, target, signal);
    const outcome = await execCollect(this.layer, connection, runCommandArgv(target.remoteCommand, params), signal, MAX_ANSWER_BYTES);
    // The result is run-command's last line; a login script may have printed something before it.
    const line = outcome.stdout.trimEnd().split('\n').pop();
    if (!line?.startsWith('{')) throw noResultError(this.layer, target.remoteCommand, connection.endpoint, outcome.code, outcome.stderr);
    return readResult(this.layer, line, params.commandId, `The answer of ${target.remoteCommand.join(' ')} on ${connection.endpoint}`);
  }

  dispose(): void {
    // Nothing of its own: every exec channel is closed when its command ends.
  }
}
