import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildAgent } from './app';
import { ConfigError, loadAgentConfig, type AgentConfig } from './config';
import { isLoopbackHost } from './hosts';
import { AgentListenError, listenAgent } from './listen';
import { agentMigrations } from './migrations';
import { openDatabase, StoreError } from './store/sqlite';

export interface AgentCliIo {
  out(line: string): void;
  err(line: string): void;
  /** Where SIGTERM and SIGINT arrive; defaults to `process`. */
  signals?: NodeJS.EventEmitter;
}

const USAGE = `Usage: lifeline agent [--config FILE] [--host H] [--port P]

Runs the Lifeline agent: an HTTP server answering GET /health and GET /health/ready.

  --config FILE  Settings in YAML (.yaml, .yml) or JSON (.json). Without it the defaults are used.
  --host H       Address to listen on (default 127.0.0.1; 0.0.0.0 for every interface).
  --port P       Port to listen on (default 8787; 0 picks a free one).
  -h, --help     Show this help.

Data lives in dataDir from the config file, else in $LIFELINE_HOME/agent, else in the
platform's user-data folder (~/.local/share/lifeline/agent on Linux).
SIGTERM or SIGINT stops the agent after open requests finish.`;

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
  const args = parseAgentArgs(argv);
  if ('error' in args) {
    io.err(`lifeline agent: ${args.error} Run "lifeline agent --help" for the options.`);
    return 2;
  }
  if (args.help) {
    io.out(USAGE);
    return 0;
  }

  let config: AgentConfig;
  try {
    config = loadAgentConfig(args.config, { host: args.host, port: args.port });
  } catch (error) {
    if (!(error instanceof ConfigError)) return unexpected(io, error);
    error.problems.forEach((problem) => io.err(problem));
    return 2;
  }
  if (!isLoopbackHost(config.http.host)) {
    io.err(
      `Warning: the agent listens on ${config.http.host}, so other machines can reach it. ` +
        `Keep it behind a firewall or a TLS proxy, or use --host 127.0.0.1 if only this machine needs it.`,
    );
  }

  let db: ReturnType<typeof openDatabase>;
  try {
    db = openDatabase({ path: join(config.dataDir, 'agent.db'), migrations: agentMigrations, product: 'Lifeline agent' });
  } catch (error) {
    if (!(error instanceof StoreError)) return unexpected(io, error);
    io.err(error.message);
    return 2;
  }

  try {
    const agent = buildAgent({ config, db, log: io.out });
    const running = await listenAgent(agent, config.http);
    io.out(`Lifeline agent listening on ${running.url} (data: ${config.dataDir})`);
    const signal = await nextSignal(io.signals ?? process, ['SIGTERM', 'SIGINT']);
    await running.close(config.shutdownTimeoutSeconds * 1000);
    db.close();
    io.out(`Lifeline agent stopped (${signal}): open requests finished, database closed.`);
    return 0;
  } catch (error) {
    db.close();
    if (!(error instanceof AgentListenError)) return unexpected(io, error);
    io.err(error.message);
    return 2;
  }
}

type AgentArgs = { help: boolean; config?: string; host?: string; port?: number } | { error: string };

function parseAgentArgs(argv: string[]): AgentArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        config: { type: 'string' },
        host: { type: 'string' },
        port: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    return { error: describeArgError(error as NodeJS.ErrnoException) };
  }
  const { help = false, config, host, port } = values;
  // Digits only: Number() would also take "", "0x50" and "1e3". NaN is then refused by the config schema,
  // which owns the port rule and its message.
  const portNumber = port === undefined ? undefined : /^\d+$/.test(port) ? Number(port) : Number.NaN;
  return { help, config, host, port: portNumber };
}

// node:util's messages suggest "--" tricks that do not apply here; each case gets its own plain sentence.
function describeArgError(error: NodeJS.ErrnoException): string {
  const quoted = /'([^']*)'/.exec(error.message)?.[1] ?? '';
  switch (error.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${quoted}.`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument "${quoted}" (the agent takes only options).`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      const option = quoted.replace(/ <value>$/, '').replace(/^-h, /, '');
      return /does not take/.test(error.message) ? `${option} takes no value.` : `${option} needs a value.`;
    }
    default:
      return `${error.message}.`;
  }
}

/** Resolves with the first of `names` to arrive, then stops listening, so a second Ctrl-C acts as usual. */
function nextSignal(signals: NodeJS.EventEmitter, names: readonly NodeJS.Signals[]): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const listeners = names.map((name) => {
      const listener = () => {
        listeners.forEach(([other, registered]) => signals.off(other, registered));
        resolve(name);
      };
      signals.on(name, listener);
      return [name, listener] as const;
    });
  });
}

function unexpected(io: AgentCliIo, error: unknown): number {
  io.err(`lifeline agent: could not start: ${error instanceof Error ? error.message : String(error)}`);
  return 1;
}
