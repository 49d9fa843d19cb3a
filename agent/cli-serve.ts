import { join } from 'node:path';
import { parseCommandArgs } from './cli-args';
import type { AgentCliIo } from './cli';
import { USAGE } from './cli-usage';
import { ConfigError, loadAgentConfig, type AgentConfig } from './config';
import { isLoopbackHost } from './hosts';
import { AgentListenError, listenAgent } from './listen';
import { agentMigrations } from './migrations';
import { BridgeCertError } from './bridge/self-signed';
import { openAgentRuntime } from './runtime';
import { TriggerError } from './trigger/folder';
import { openDatabase, StoreError } from './store/sqlite';

/** `lifeline agent [--config FILE] [--host H] [--port P] [--bridge-port P]`: runs the agent until SIGTERM or SIGINT. */
export async function runServe(argv: string[], io: AgentCliIo): Promise<number> {
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
