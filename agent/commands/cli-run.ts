import { constants } from 'node:os';
import { parseCommandArgs } from '../cli-args';
import { runParamsSchema, type CommandResult, type RunParams } from '../protocol/messages';
import type { CommandExecutor } from './executor';

/** Where the command's output goes: the process's own streams, raw (`process` itself fits). */
export interface RunCommandIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

/** Opens the agent's executor for one command (config → database); `close` closes both. */
export type OpenExecutor = (configFile: string | undefined) => { executor: CommandExecutor; close(): void | Promise<void> };

export const RUN_COMMAND_USAGE = `Usage: lifeline agent run-command --id ID [--config FILE] [--cwd DIR] [--env NAME=VALUE]...
                                  [--timeout SECONDS] [--requested-by WHO] [--json] -- PROGRAM [ARG]...
       lifeline agent run-command --id ID --named NAME [--config FILE] [--requested-by WHO] [--json]

Runs one command through the agent's executor, as the socket bridge and trigger files do: a command id
runs once, ever. Given an id that already ran (over any layer), it prints the recorded output and exit
code instead of running it again. PROGRAM and its arguments are run directly, never through a shell.

  --id ID             The command's id (8 to 128 letters, digits, ".", "_" or "-").
  --named NAME        A command from commands.named in the agent's config, instead of PROGRAM.
  --config FILE       The agent's config (for its data folder and command policy).
  --cwd DIR           Working directory (default $HOME; a relative DIR is taken from $HOME).
  --env NAME=VALUE    Added to the environment; may be repeated.
  --timeout SECONDS   Stop it after this long (the agent's own limit applies when lower).
  --requested-by WHO  Who asked, for the agent's ledger.
  --json              Print the result as one JSON line instead of the output.

Exit code: the command's own; 128+N when signal N ended it; 124 when it was stopped at its time limit;
126 when the agent's policy refused it; 255 when it was lost (an agent process died while it ran, so
whether it completed is unknown); 2 for bad arguments.`;

const OPTIONS = {
  id: { type: 'string' },
  named: { type: 'string' },
  config: { type: 'string' },
  cwd: { type: 'string' },
  env: { type: 'string', multiple: true },
  timeout: { type: 'string' },
  'requested-by': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

// How each field of RunParams is given on the command line, for messages about it.
const SPELLING: Record<string, string> = {
  commandId: '--id',
  argv: 'PROGRAM',
  named: '--named',
  cwd: '--cwd',
  env: '--env',
  timeoutSeconds: '--timeout',
  requestedBy: '--requested-by',
};

/**
 * `lifeline agent run-command …`: the entry the tmux and exec layers type or exec on the server. Output
 * is passed through live (or, for a replay, the recorded output at once), and the exit code is the
 * command's (see RUN_COMMAND_USAGE for the others). Resolves with the exit code.
 */
export async function runCommandCli(argv: string[], io: RunCommandIo, open: OpenExecutor): Promise<number> {
  const parsed = parseRunArgs(argv);
  if ('help' in parsed) {
    io.stdout.write(`${RUN_COMMAND_USAGE}\n`);
    return 0;
  }
  if ('error' in parsed) {
    io.stderr.write(`lifeline agent run-command: ${parsed.error} Run "lifeline agent run-command --help" for the options.\n`);
    return 2;
  }

  let opened: ReturnType<OpenExecutor>;
  try {
    opened = open(parsed.configFile);
  } catch (error) {
    io.stderr.write(`lifeline agent run-command: ${(error as Error).message}\n`);
    return 2;
  }
  try {
    const live = parsed.json ? undefined : (stream: 'stdout' | 'stderr', text: string) => io[stream].write(text);
    const result = await opened.executor.run(parsed.params, 'cli', live);
    if (parsed.json) io.stdout.write(`${JSON.stringify(result)}\n`);
    else report(result, io);
    return exitCodeOf(result);
  } finally {
    await opened.close();
  }
}

type ParsedRun = { help: true } | { error: string } | { params: RunParams; configFile: string | undefined; json: boolean };

function parseRunArgs(argv: string[]): ParsedRun {
  const args = parseCommandArgs(argv, OPTIONS, true, 'the program and its arguments come after --');
  if ('error' in args) return { error: args.error };
  const { values, positionals } = args;
  if (values.help) return { help: true };
  const env: Record<string, string> = {};
  for (const entry of values.env ?? []) {
    const equals = entry.indexOf('=');
    if (equals <= 0) return { error: `--env takes NAME=VALUE, not "${entry}".` };
    env[entry.slice(0, equals)] = entry.slice(equals + 1);
  }
  if (values.id === undefined) return { error: '--id is required (the command id chosen by whoever sends the command).' };
  if (values.timeout !== undefined && !/^\d+$/.test(values.timeout)) return { error: `--timeout takes whole seconds, not "${values.timeout}".` };
  const candidate = {
    commandId: values.id,
    argv: positionals.length > 0 ? positionals : undefined,
    named: values.named,
    cwd: values.cwd,
    env: values.env === undefined ? undefined : env,
    timeoutSeconds: values.timeout === undefined ? undefined : Number(values.timeout),
    requestedBy: values['requested-by'],
  };
  const checked = runParamsSchema.safeParse(candidate);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    const field = issue.path.length > 0 ? SPELLING[String(issue.path[0])] : undefined;
    // A bad environment name is reported by zod as "Invalid key in record", with the real reason inside.
    const message = issue.code === 'invalid_key' ? (issue.issues[0]?.message ?? issue.message) : issue.message;
    return { error: field ? `${field}: ${message}.` : 'give exactly one of --named NAME and -- PROGRAM [ARG]....' };
  }
  return { params: checked.data, configFile: values.config, json: values.json === true };
}

// A replay had no live output, so its recorded output is shown now; and whatever the agent has to say.
function report(result: CommandResult, io: RunCommandIo): void {
  if (result.replayed) {
    io.stdout.write(result.stdout);
    io.stderr.write(result.stderr);
    const note = result.truncated ? ' (its recorded output was cut at the agent\'s cap)' : '';
    io.stderr.write(`lifeline agent run-command: ${result.commandId} already ran; this is its recorded result${note}.\n`);
  }
  if (result.message) io.stderr.write(`lifeline agent run-command: ${result.message}\n`);
}

function exitCodeOf(result: CommandResult): number {
  switch (result.state) {
    case 'refused':
      return 126;
    case 'lost':
      return 255;
    case 'timeout':
      return 124;
    case 'finished': {
      if (result.exitCode !== null) return result.exitCode;
      const number = result.signal === null ? undefined : constants.signals[result.signal as NodeJS.Signals];
      return number === undefined ? 255 : 128 + number;
    }
  }
}
