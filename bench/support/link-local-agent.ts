// An agent as the bridge layer meets it, in this process: the real BridgeServer in front of the real
// CommandExecutor on a database of its own, wired as the agent wires them. Warnings and errors are
// collected, so a benchmark can show that the agent complained about nothing it was sent.
import { join } from 'node:path';
import { BridgeServer } from '../../agent/bridge/server';
import { testHandlers } from '../../agent/bridge/testing';
import { CommandExecutor } from '../../agent/commands/executor';
import { openCommandsDatabase } from '../../agent/commands/testing/database';
import { collectingLogger } from '../../agent/log/testing';
import type { Database } from '../../agent/store/sqlite';
import { TEST_COMMANDS_OPTIONS } from '../../agent/commands/testing/options';


export interface LocalAgent {
  readonly token: string;
  /** The bridge's port: chosen at the first start, kept by later ones. */
  readonly port: number;
  /** Starts the bridge again after stopBridge, on the same port. */
  startBridge(): Promise<void>;
  /** Stops the bridge listener and cuts its connections at once; the executor and its ledger stay. */
  stopBridge(): Promise<void>;
  /** What the agent logged at warn level or above. */
  warnings(): string;
  close(): Promise<void>;
}

/** `dir`: where its database goes (agent.db); the folder must exist. */
export async function startLocalAgent(dir: string, token: string): Promise<LocalAgent> {
  const db: Database = openCommandsDatabase(join(dir, 'agent.db'));
  const executor = new CommandExecutor({ db, options: TEST_COMMANDS_OPTIONS });
  const { logger, collector } = collectingLogger({ level: 'warn' });
  const handlers = testHandlers({ run: (params, onOutput) => executor.run(params, 'bridge', onOutput), commandGet: (id) => executor.get(id) });
  let port = 0;
  let bridge: BridgeServer | undefined;
  const startBridge = async () => {
    if (bridge) return;
    const server = new BridgeServer({ host: '127.0.0.1', port, token }, handlers, logger);
    port = (await server.listen()).port;
    bridge = server;
  };
  const stopBridge = async () => {
    const server = bridge;
    bridge = undefined;
    await server?.close(0);
  };
  try {
    await startBridge();
  } catch (error) {
    await executor.close();
    db.close();
    throw error;
  }
  return {
    token,
    get port() {
      return port;
    },
    startBridge,
    stopBridge,
    warnings: () => collector.lines.join(''),
    close: async () => {
      await stopBridge();
      await executor.close();
      db.close();
    },
  };
}
