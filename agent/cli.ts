import type { RunCommandIo } from './commands/cli-run';
import { USAGE } from './cli-usage';

// `lifeline agent …` dispatches to each subcommand's module, loaded when it runs: run-command, which the
// tmux and exec layers start for every command they carry, loads neither the HTTP server nor the queue.

export interface AgentCliIo {
  out(line: string): void;
  err(line: string): void;
  /** Where SIGTERM and SIGINT arrive; defaults to `process`. */
  signals?: NodeJS.EventEmitter;
  /** The command that runs `lifeline` (node and its script), for the unit `init` writes; defaults to this process's. */
  launcher?: readonly string[];
  /** Raw output for run-command, which passes a command's bytes through; defaults to the process's. */
  streams?: RunCommandIo;
}

const processIo: AgentCliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/**
 * `lifeline agent …`: starts the agent and resolves with the exit code once it should end: 0 after
 * SIGTERM/SIGINT and a clean stop, 2 for bad arguments, configuration, database or port, 1 for anything
 * unexpected. Every failure is one line per problem, never a stack trace.
 */
export async function runAgentCli(argv: string[], io: AgentCliIo = processIo): Promise<number> {
  const [command = '', ...rest] = argv;
  if (command === 'init') return (await import('./cli-init')).runInit(rest, io);
  if (command === 'run-command') return (await import('./cli-run-command')).runRunCommand(rest, io.streams ?? process);
  const operatorCommand = OPERATOR_COMMANDS[command];
  if (operatorCommand) return rest.some((arg) => arg === '--help' || arg === '-h') ? say(io, USAGE) : (await operatorCommand())(rest, io);
  return (await import('./cli-serve')).runServe(argv, io);
}

type AgentSubcommand = (argv: string[], io: AgentCliIo) => Promise<number>;

const OPERATOR_COMMANDS: Partial<Record<string, () => Promise<AgentSubcommand>>> = {
  status: async () => (await import('./cli-status')).runStatus,
  jobs: async () => (await import('./cli-jobs')).runJobs,
  retry: async () => (await import('./cli-jobs')).runRetry,
  cancel: async () => (await import('./cli-jobs')).runCancel,
};

function say(io: AgentCliIo, text: string): number {
  io.out(text);
  return 0;
}
