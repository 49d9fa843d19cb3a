import { constants } from 'node:os';
import { parseArgs } from 'node:util';
import type { Server } from '../../preload/api';
import type { LayerName } from '../links/adapters/layer';
import { createLinkManager, whoAsks } from '../links/create';
import { eachLimited } from '../links/each-limited';
import { isLayerName, LAYER_NAMES } from '../links/layer-order';
import { LinkManagerError, type LinkManager } from '../links/manager';
import type { Redaction } from '../links/redact';
import { connectorDeps, connectServer } from '../ssh/server-connector';
import type { CommandRecord } from '../store/command-ledger';
import type { CliContext } from './context';
import { EXIT_SSH_FAILED, terminalPrompts } from './exec';
import type { CliIo } from './io';
import { splitAtRemoteCommand } from './remote-command';
import { serverByName } from './servers';
import { CliRefusal, openVault } from './vault-access';

const DEFAULT_CONCURRENCY = 10;
/** `timeout`'s exit status for a command stopped at its limit; scripts already know it. */
const EXIT_TIMEOUT = 124;
/** A shell's status for a command that could not be run (here: refused by the agent's policy). */
const EXIT_REFUSED = 126;

/**
 * `lifeline run SERVER|@GROUP [--layer L] [--json] [--concurrency N] [--cwd D] [--timeout S] -- ARGV…`:
 * a command through the link manager with failover. One server: output passed through, the layer that
 * ran it on stderr, its exit status returned. A group: each server's output once it ends, prefixed with
 * the server's name, and 0 only when every one exited 0.
 */
export async function runRun(argv: string[], io: CliIo, context: CliContext): Promise<number> {
  const { ours, command } = splitAtRemoteCommand(argv);
  const { values, positionals } = parseArgs({
    args: ours,
    strict: true,
    allowPositionals: true,
    options: { layer: { type: 'string' }, json: { type: 'boolean' }, concurrency: { type: 'string' }, cwd: { type: 'string' }, timeout: { type: 'string' } },
  });
  const [name, extra] = positionals;
  if (!name || extra || command.length === 0) throw new CliRefusal('Usage: lifeline run SERVER|@GROUP [--layer L] [--json] [--concurrency N] -- COMMAND [ARGS…]');
  const layer = values.layer === undefined ? undefined : layerOption(values.layer);
  const concurrency = wholeNumber(values.concurrency, '--concurrency', DEFAULT_CONCURRENCY, 1, 1000);
  const timeoutSeconds = values.timeout === undefined ? undefined : wholeNumber(values.timeout, '--timeout', 0, 1, 86_400);
  const servers = name.startsWith('@') ? groupMembers(name.slice(1), context) : [serverByName(name, context)];
  const request = { argv: command, ...(values.cwd !== undefined ? { cwd: values.cwd } : {}), ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}) };

  return withLinkManager(io, context, servers, async (manager) => {
    if (!name.startsWith('@')) return runOne(manager, servers[0]!, request, { layer, json: values.json === true }, io);
    const records = await eachLimited(servers, concurrency, (server) => runQuietly(manager, server, request, layer));
    if (values.json) io.out(JSON.stringify(records, null, 2));
    else for (const [index, record] of records.entries()) printGroupMember(servers[index]!, record, io);
    return records.every((record) => !(record instanceof Error) && exitStatusOf(record) === 0) ? 0 : 1;
  });
}

/**
 * Opens the link manager for a command of the command line, with the vault open when a server has an
 * agent (its token is there), and closes it after. Connections ask on the terminal, as exec does.
 */
export async function withLinkManager<T>(io: CliIo, context: CliContext, servers: readonly Server[], work: (manager: LinkManager) => Promise<T>): Promise<T> {
  const needsVault = servers.some((server) => context.store.serverLinks.get(server.id)?.agent || server.auth === 'key' || server.auth === 'password');
  if (needsVault && context.vault.status().state !== 'uninitialized') await openVault(context.vault, io, context.env, false);
  const deps = connectorDeps({ store: context, env: context.env, ...terminalPrompts(io) });
  const manager = createLinkManager({ store: context.store, connect: (serverId, signal) => connectServer(serverId, deps, { signal }) });
  try {
    return await work(manager);
  } finally {
    await manager.dispose();
  }
}

async function runOne(manager: LinkManager, server: Server, request: { argv: string[] }, options: { layer: LayerName | undefined; json: boolean }, io: CliIo): Promise<number> {
  // Error texts carry what the agent or the network said, which can hold the token or a vault secret:
  // they get the ledger's redaction before they reach the terminal (or a CI log behind it).
  const redaction = redactionOf(manager, server);
  const controller = new AbortController();
  const interrupted = () => controller.abort();
  io.signals.once('SIGINT', interrupted).once('SIGTERM', interrupted);
  const output = options.json ? undefined : new Passthrough(io);
  const off = manager.onAttempt((event) => {
    if (options.json) return;
    if (event.kind === 'skip') io.err(`Lifeline: skipping ${event.layer} (down by its last probes).`);
    if (event.kind === 'end' && !event.ok) io.err(`Lifeline: ${event.layer} failed (${event.error?.code}): ${redaction.text(event.error?.message ?? '')}`);
  });
  let record: CommandRecord;
  try {
    record = await manager.run(server.id, request, {
      requestedBy: whoAsks(),
      signal: controller.signal,
      ...(options.layer ? { layer: options.layer } : {}),
      ...(output ? { onOutput: (stream: 'stdout' | 'stderr', text: string) => output.write(stream, text) } : {}),
    });
  } catch (error) {
    if (error instanceof LinkManagerError) throw new CliRefusal(redaction.text(error.message));
    throw error;
  } finally {
    off();
    output?.flush();
    io.signals.off('SIGINT', interrupted).off('SIGTERM', interrupted);
  }
  if (options.json) io.out(JSON.stringify(record, null, 2));
  else io.err(`Lifeline: ${describeEnd(record)}`);
  return exitStatusOf(record);
}

/** One member of a group run: never throws, so one server's problem does not stop the others. */
async function runQuietly(manager: LinkManager, server: Server, request: { argv: string[] }, layer: LayerName | undefined): Promise<CommandRecord | Error> {
  let redaction: Redaction;
  try {
    redaction = redactionOf(manager, server);
  } catch (error) {
    return error as Error;
  }
  try {
    return await manager.run(server.id, request, { requestedBy: whoAsks(), ...(layer ? { layer } : {}) });
  } catch (error) {
    return new Error(redaction.text((error as Error).message), { cause: error });
  }
}

/** The ledger's redaction for this server's texts; a server deleted meanwhile is a refusal saying so. */
function redactionOf(manager: LinkManager, server: Server): Redaction {
  try {
    return manager.redactionFor(server.id);
  } catch (error) {
    if (error instanceof LinkManagerError) throw new CliRefusal(`${server.name}: ${error.message}`);
    throw error;
  }
}

function printGroupMember(server: Server, record: CommandRecord | Error, io: CliIo): void {
  if (record instanceof Error) {
    io.err(`${server.name}: not run: ${record.message}`);
    return;
  }
  for (const [stream, write] of [['stdout', io.out], ['stderr', io.err]] as const) {
    const text = record[stream].replace(/\n$/, '');
    if (text) for (const line of text.split('\n')) write(`${server.name} | ${line}`);
  }
  io.err(`${server.name}: ${describeEnd(record)}`);
}

function describeEnd(record: CommandRecord): string {
  const tries = record.attempts.length > 1 ? ` after ${record.attempts.length - 1} failed attempt(s)` : '';
  switch (record.state) {
    case 'finished':
      return `ran over ${record.layer}${tries}: ${record.exitCode !== null ? `exit ${record.exitCode}` : `killed by ${record.signal ?? 'a signal'}`}.`;
    case 'timeout':
      return `ran over ${record.layer}${tries} and was stopped at its time limit.`;
    case 'refused':
      return `refused by the agent's policy (over ${record.layer}): ${record.message ?? ''}`;
    case 'lost':
      return `lost (over ${record.layer}): ${record.message ?? 'the agent stopped while it ran; it is not run again'}`;
    default:
      return record.message ?? `${record.state}.`;
  }
}

/** The exit status a shell would give: the command's own, 128 + a signal's number, or ours for the rest. */
export function exitStatusOf(record: CommandRecord): number {
  switch (record.state) {
    case 'finished': {
      if (record.exitCode !== null) return record.exitCode;
      const number = record.signal ? constants.signals[record.signal as NodeJS.Signals] : undefined;
      return number ? 128 + number : EXIT_SSH_FAILED;
    }
    case 'timeout':
      return EXIT_TIMEOUT;
    case 'refused':
      return EXIT_REFUSED;
    default:
      return EXIT_SSH_FAILED;
  }
}

/** Live output: raw to the process's streams when there are some, else whole lines through the io. */
class Passthrough {
  private readonly partial = { stdout: '', stderr: '' };
  constructor(private readonly io: CliIo) {}

  write(stream: 'stdout' | 'stderr', text: string): void {
    if (this.io.streams) {
      this.io.streams[stream].write(text);
      return;
    }
    const lines = (this.partial[stream] + text).split('\n');
    this.partial[stream] = lines.pop()!;
    for (const line of lines) (stream === 'stdout' ? this.io.out : this.io.err)(line);
  }

  flush(): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.partial[stream]) (stream === 'stdout' ? this.io.out : this.io.err)(this.partial[stream]);
      this.partial[stream] = '';
    }
  }
}

function groupMembers(group: string, context: CliContext): Server[] {
  const members = context.servers.list().filter((server) => server.group?.toLowerCase() === group.toLowerCase());
  if (members.length === 0) throw new CliRefusal(`No server is in a group named "${group}". See "lifeline servers list", or add one with --group ${group}.`);
  return members;
}

function layerOption(text: string): LayerName {
  if (!isLayerName(text)) throw new CliRefusal(`--layer must be one of ${LAYER_NAMES.join(', ')}, not "${text}".`);
  return text;
}

function wholeNumber(text: string | undefined, option: string, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) throw new CliRefusal(`${option} must be a whole number from ${min} to ${max}, not "${text}".`);
  return value;
}
