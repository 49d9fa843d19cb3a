import { join, resolve } from 'node:path';
import { parseCommandArgs } from './cli-args';
import { runCancel, runJobs, runRetry } from './cli-jobs';
import { runStatus } from './cli-status';
import { USAGE } from './cli-usage';
import { ConfigError, loadAgentConfig, type AgentConfig } from './config';
import { isLoopbackHost } from './hosts';
import { initAgent, InitRefusal } from './init';
import { AgentListenError, listenAgent } from './listen';
import { agentMigrations } from './migrations';
import { BridgeCertError } from './bridge/self-signed';
import type { CommandExecutor } from './commands/executor';
import { openExecutor as openAgentExecutor } from './commands/open';
import { runCommandCli, type RunCommandIo } from './commands/cli-run';
import { openAgentRuntime } from './runtime';
import { TriggerError } from './trigger/folder';
import { openDatabase, StoreError } from './store/sqlite';

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
  if (command === 'init') return runInit(rest, io);
  if (command === 'run-command') return runCommandCli(rest, io.streams ?? process, openExecutor);
  const operatorCommand = OPERATOR_COMMANDS[command];
  if (operatorCommand) return rest.some((arg) => arg === '--help' || arg === '-h') ? say(io, USAGE) : operatorCommand(rest, io);
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
    config = loadAgentConfig(args.config, { host: args.host, port: args.port, 'bridge-port': args.bridgePort });
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

  const runtime = openAgentRuntime(config, db);
  try {
    const running = await listenAgent(runtime.agent, config.http);
    const started = await runtime.start().catch(async (error: unknown) => {
      await running.close(0);
      throw error;
    });
    io.out(`Lifeline agent listening on ${running.url} (data: ${config.dataDir}, log: ${runtime.logPath})`);
    if (started.bridge) {
      const { port, fingerprint } = started.bridge;
      io.out(`Socket bridge on ${config.bridge.host}:${port}${fingerprint ? ` (TLS; pin ${fingerprint})` : ''}`);
    }
    if (started.triggerDir) io.out(`Trigger folder: ${started.triggerDir}`);
    const signal = await nextSignal(io.signals ?? process, ['SIGTERM', 'SIGINT']);
    const graceMs = config.shutdownTimeoutSeconds * 1000;
    // Clients following a deploy's log would otherwise hold the server open for the whole grace time.
    runtime.agent.closeStreams();
    await running.close(graceMs);
    await runtime.close(graceMs);
    db.close();
    io.out(`Lifeline agent stopped (${signal}): open requests finished, running deploys left to resume, database closed.`);
    return 0;
  } catch (error) {
    await runtime.close(0);
    db.close();
    if (!(error instanceof AgentListenError || error instanceof TriggerError || error instanceof BridgeCertError)) return unexpected(io, error);
    io.err(error.message);
    return 2;
  }
}

/** `lifeline agent init --dir DIR`: 0 when written, 2 for bad arguments or a file in the way. */
function runInit(argv: string[], io: AgentCliIo): number {
  const args = parseCommandArgs(argv, { dir: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, false, 'init takes only options');
  if ('error' in args) {
    io.err(`lifeline agent init: ${args.error} Run "lifeline agent --help" for the options.`);
    return 2;
  }
  const { values } = args;
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  if (!values.dir) {
    io.err('lifeline agent init: say where to write the files with --dir DIR (for example --dir /etc/lifeline).');
    return 2;
  }
  // Run as `lifeline`, argv[1] is its launcher script; without one, systemd finds `lifeline` in /usr/bin and the like.
  const script = process.argv[1];
  const launcher = io.launcher ?? (script ? [process.execPath, resolve(script)] : ['lifeline']);
  let files;
  try {
    files = initAgent({ dir: values.dir, launcher });
  } catch (error) {
    if (error instanceof InitRefusal) {
      io.err(`lifeline agent init: ${error.message}`);
      return 2;
    }
    io.err(`lifeline agent init: could not write into ${resolve(values.dir)} (${(error as Error).message}); check that you may write there.`);
    return 2;
  }
  [
    `Wrote ${files.config}: settings with an example site "example" and a GitHub hook "example" (edit the site's repository and steps).`,
    `Wrote ${files.secret}: the webhook secret, readable by its owner only.`,
    `Wrote ${files.bridgeToken}: the socket bridge's token, readable by its owner only (the desktop needs it).`,
    `Wrote ${files.service}: a systemd unit.`,
    '',
    'Next:',
    `  Try it:        lifeline agent --config ${files.config}`,
    `  At GitHub:     Settings > Webhooks > Add webhook: Payload URL https://<this server>/hooks/example,`,
    `                 content type application/json, secret: the contents of ${files.secret}`,
    `  As a service:  sudo cp ${files.service} /etc/systemd/system/`,
    '                 sudo systemctl daemon-reload && sudo systemctl enable --now lifeline-agent',
  ].forEach((line) => io.out(line));
  return 0;
}

type AgentArgs = { help: boolean; config?: string; host?: string; port?: number; bridgePort?: number } | { error: string };

function parseAgentArgs(argv: string[]): AgentArgs {
  const options = {
    config: { type: 'string' },
    host: { type: 'string' },
    port: { type: 'string' },
    'bridge-port': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  } as const;
  const args = parseCommandArgs(argv, options, false, 'the agent takes only options');
  if ('error' in args) return { error: args.error };
  const { help = false, config, host, port } = args.values;
  return { help, config, host, port: portNumber(port), bridgePort: portNumber(args.values['bridge-port']) };
}

// Digits only: Number() would also take "", "0x50" and "1e3". NaN is then refused by the config schema,
// which owns the port rule and its message.
function portNumber(text: string | undefined): number | undefined {
  return text === undefined ? undefined : /^\d+$/.test(text) ? Number(text) : Number.NaN;
}

/** run-command's executor: the agent's config and database, opened by this short-lived process. */
function openExecutor(configFile: string | undefined): { executor: CommandExecutor; close(): Promise<void> } {
  let config: AgentConfig;
  try {
    config = loadAgentConfig(configFile, {}, process.env, { secrets: 'unresolved' });
  } catch (error) {
    if (error instanceof ConfigError) throw new Error(error.problems.join('; '));
    throw error;
  }
  return openAgentExecutor(join(config.dataDir, 'agent.db'), config.commands);
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

const OPERATOR_COMMANDS: Partial<Record<string, (argv: string[], io: AgentCliIo) => Promise<number>>> = {
  status: runStatus,
  jobs: runJobs,
  retry: runRetry,
  cancel: runCancel,
};

function say(io: AgentCliIo, text: string): number {
  io.out(text);
  return 0;
}

function unexpected(io: AgentCliIo, error: unknown): number {
  io.err(`lifeline agent: could not start: ${error instanceof Error ? error.message : String(error)}`);
  return 1;
}
