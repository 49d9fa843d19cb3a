import { describeIssues } from '../../../agent/protocol/client';
import { commandResultSchema, type CommandResult, type RunParams } from '../../../agent/protocol/messages';
import type { LayerName } from './layer';
import { LinkError } from './link-error';

// The tmux and exec layers start `lifeline agent run-command` on the server (see
// agent/commands/cli-run.ts): the same executor and ledger as the bridge, reached from a process of
// its own, answering with the CommandResult as one JSON line.

/** `remoteCommand --id ID --json [options] [-- ARGV…]`: RunParams spelled as run-command's options. */
export function runCommandArgv(remoteCommand: readonly string[], params: RunParams): string[] {
  const argv = [...remoteCommand, '--id', params.commandId, '--json'];
  if (params.named !== undefined) argv.push('--named', params.named);
  if (params.cwd !== undefined) argv.push('--cwd', params.cwd);
  for (const [name, value] of Object.entries(params.env ?? {})) argv.push('--env', `${name}=${value}`);
  if (params.timeoutSeconds !== undefined) argv.push('--timeout', String(params.timeoutSeconds));
  if (params.requestedBy !== undefined) argv.push('--requested-by', params.requestedBy);
  if (params.argv !== undefined) argv.push('--', ...params.argv);
  return argv;
}

/** A result as run-command or a trigger result file gives it, checked against the protocol and the id asked for. */
export function readResult(layer: LayerName, text: string, commandId: string, from: string): CommandResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new LinkError(layer, 'PROTOCOL', `${from} is not JSON (${(error as Error).message}); check that the agent there is Lifeline's and up to date.`, { cause: error });
  }
  const parsed = commandResultSchema.safeParse(json);
  if (!parsed.success) {
    throw new LinkError(layer, 'PROTOCOL', `${from} is not a command result (${describeIssues(parsed.error.issues, 'result')}); update the agent there or this app so they speak the same protocol.`);
  }
  if (parsed.data.commandId !== commandId) {
    throw new LinkError(layer, 'PROTOCOL', `${from} answers command ${parsed.data.commandId}, not ${commandId}; the agent there mixed up its answers — report this with its log.`);
  }
  return parsed.data;
}

/** Why run-command gave no result line: not installed, refused its arguments, or failed before answering. */
export function noResultError(layer: LayerName, remoteCommand: readonly string[], where: string, exitCode: number | null, said: string): LinkError {
  const program = remoteCommand[0] ?? 'run-command';
  const words = said.trim().slice(-500);
  const detail = words ? `: ${words}` : '';
  if (exitCode === 127) {
    return new LinkError(layer, 'REFUSED', `${program} was not found on ${where}${detail}. Install Lifeline's agent there, or set the server's remote command to its full path.`);
  }
  if (exitCode === 126) {
    return new LinkError(layer, 'REFUSED', `${program} cannot be run on ${where} (not executable)${detail}. Check its permissions, or set the server's remote command to the right file.`);
  }
  if (exitCode === 2) {
    return new LinkError(layer, 'PROTOCOL', `${remoteCommand.join(' ')} on ${where} refused its arguments${detail}. The agent there may be older than this app: update it.`);
  }
  return new LinkError(layer, 'PROTOCOL', `${remoteCommand.join(' ')} on ${where} ended (exit ${exitCode ?? 'unknown'}) without printing a result${detail}. Check the agent's config and database there (lifeline agent status).`);
}
