import { constants } from 'node:os';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import type { SshConnection } from '../ssh/connect';
import { SshError } from '../ssh/connect';
import { connectorDeps, connectServer, serverChain, type ConnectorPrompts } from '../ssh/server-connector';
import type { CliContext } from './context';
import type { CliIo } from './io';
import { splitAtRemoteCommand } from './remote-command';
import { serverByName } from './servers';
import { CliRefusal, openVault } from './vault-access';

/** ssh's own exit status when it could not run the command at all; scripts already test for it. */
export const EXIT_SSH_FAILED = 255;

/**
 * `lifeline exec SERVER [--accept-new] -- ARGV…`: one command over SSH, as `ssh` runs it: stdout and
 * stderr passed through, stdin forwarded when it is not a terminal, the remote exit status returned.
 */
export async function runExec(argv: string[], io: CliIo, context: CliContext): Promise<number> {
  const { ours, command } = splitAtRemoteCommand(argv);
  const { values, positionals } = parseArgs({
    args: ours,
    strict: true,
    allowPositionals: true,
    options: { 'accept-new': { type: 'boolean' } },
  });
  const [name, extra] = positionals;
  if (!name || extra || command.length === 0) throw new CliRefusal('Usage: lifeline exec SERVER [--accept-new] -- COMMAND [ARGS…]');
  const server = serverByName(name, context);

  let connection: SshConnection;
  try {
    // A vault key anywhere on the way needs the vault open; a password may be saved there too.
    const needsVault = serverChain(server.id, context.servers).some((s) => s.auth === 'key' || s.auth === 'password');
    if (needsVault && context.vault.status().state !== 'uninitialized') await openVault(context.vault, io, context.env, false);
    const deps = connectorDeps({ store: context, env: context.env, ...terminalPrompts(io) });
    connection = await connectServer(server.id, deps, { strictHostKeyChecking: values['accept-new'] ? 'accept-new' : undefined });
  } catch (error) {
    if (!(error instanceof SshError)) throw error;
    io.err(`Lifeline: ${error.message}`);
    return EXIT_SSH_FAILED;
  }
  try {
    return await runOn(connection, command, io);
  } finally {
    await connection.close();
  }
}

/** Asks on the operator's terminal; without one (a script), questions go unanswered and are refused. */
export function terminalPrompts(io: CliIo): ConnectorPrompts {
  if (!io.ask) return {};
  const ask = io.ask.bind(io);
  return {
    askHostKey: async (question) => {
      const reply = await ask(
        `The ${question.keyType} host key of ${question.host}:${question.port} is not known.\n  Fingerprint: ${question.fingerprint}\nTrust it? [y]es and remember / [o]nce / [N]o: `,
        { secret: false },
      );
      const choice = (reply ?? '').trim().toLowerCase();
      return choice === 'y' || choice === 'yes' ? 'remember' : choice === 'o' || choice === 'once' ? 'once' : 'cancel';
    },
    askCredentials: async (request) => {
      const answers: string[] = [];
      for (const prompt of request.prompts) {
        const answer = await ask(prompt.prompt, { secret: !prompt.echo });
        if (answer === null) return null;
        answers.push(answer);
      }
      return answers;
    },
  };
}

async function runOn(connection: SshConnection, command: string[], io: CliIo): Promise<number> {
  const channel = await connection.exec(command);
  const streams = io.streams;
  const interrupted = () => channel.close();
  io.signals.once('SIGINT', interrupted).once('SIGTERM', interrupted);
  try {
    if (streams && !streams.stdin.isTTY) void pipeline(streams.stdin, channel.stdin).catch(() => undefined);
    else channel.stdin.end();
    const copied = Promise.all([
      streams ? pipeline(channel.stdout, streams.stdout, { end: false }) : drain(channel.stdout, io.out),
      streams ? pipeline(channel.stderr, streams.stderr, { end: false }) : drain(channel.stderr, io.err),
    ]);
    const [exit] = await Promise.all([channel.exit, copied]);
    if (exit.code !== null) return exit.code;
    // Killed by a signal: report it the way shells do, 128 + its number.
    const number = exit.signal ? constants.signals[exit.signal as NodeJS.Signals] : undefined;
    io.err(`Lifeline: the command was killed by ${exit.signal ?? 'an unknown signal'}.`);
    return number ? 128 + number : EXIT_SSH_FAILED;
  } catch (error) {
    if (!(error instanceof SshError)) throw error;
    io.err(`Lifeline: ${error.message}`);
    return EXIT_SSH_FAILED;
  } finally {
    io.signals.off('SIGINT', interrupted).off('SIGTERM', interrupted);
  }
}

// Without raw streams (tests, embedding), output goes line by line through the io's writers.
async function drain(stream: NodeJS.ReadableStream, write: (line: string) => void): Promise<void> {
  let text = '';
  for await (const chunk of stream) text += String(chunk);
  if (text) write(text.endsWith('\n') ? text.slice(0, -1) : text);
}
