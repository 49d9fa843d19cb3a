// The agent side of the layer tests, as a process of its own so that it runs as the test sshd's
// throwaway user (the trigger folder must belong to the agent's user, and the SSH login writes into it).
// Bundled by the tests (see remote-agent.ts) and run with plain node:
//   node link-agent.cjs serve <data dir>
//     socket bridge on 127.0.0.1:0 (token from <data dir>/bridge.token) and the trigger watcher on
//     <data dir>/trigger, over the command ledger in <data dir>/agent.db; prints {"bridgePort":N} once
//     both run, closes the bridge alone on SIGUSR1 (the trigger watcher keeps running) and opens it again on the same
//     port on SIGUSR2, and stops on SIGTERM
//   node link-agent.cjs run-command <data dir> ARGS…
//     `lifeline agent run-command ARGS…` on the same ledger, as the tmux and exec layers start it
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BridgeServer } from '../../../../agent/bridge/server';
import { testHandlers } from '../../../../agent/bridge/testing';
import { runCommandCli } from '../../../../agent/commands/cli-run';
import { CommandExecutor } from '../../../../agent/commands/executor';
import { openExecutor } from '../../../../agent/commands/open';
import { openCommandsDatabase } from '../../../../agent/commands/testing/database';
import { Logger, LogOutput } from '../../../../agent/log/logger';
import { TriggerWatcher } from '../../../../agent/trigger/watcher';
import { TEST_COMMANDS_OPTIONS } from '../../../../agent/commands/testing/options';

const [mode, dataDir, ...args] = process.argv.slice(2);
const dbFile = join(dataDir, 'agent.db');

if (mode === 'run-command') {
  void runCommandCli(args, process, () => openExecutor(dbFile, TEST_COMMANDS_OPTIONS)).then((code) => {
    process.exitCode = code;
  });
} else {
  void serve();
}

async function serve(): Promise<void> {
  const log = new Logger(new LogOutput({ sinks: [process.stderr], level: 'warn' }));
  const db = openCommandsDatabase(dbFile);
  const executor = new CommandExecutor({ db, options: TEST_COMMANDS_OPTIONS });
  const token = readFileSync(join(dataDir, 'bridge.token'), 'utf8').trim();
  const handlers = testHandlers({ run: (params, onOutput) => executor.run(params, 'bridge', onOutput), commandGet: (id) => executor.get(id) });
  let bridge = new BridgeServer({ host: '127.0.0.1', port: 0, token }, handlers, log);
  const trigger = new TriggerWatcher({ dir: join(dataDir, 'trigger'), rescanMs: 500, retentionMs: 3_600_000, maxFileBytes: 64 * 1024 }, (params) => executor.run(params, 'trigger'), log);
  const { port } = await bridge.listen();
  await trigger.start();
  let open = true;
  process.on('SIGUSR1', () => {
    open = false;
    void bridge.close(0);
  });
  process.on('SIGUSR2', () => {
    if (open) return;
    open = true;
    bridge = new BridgeServer({ host: '127.0.0.1', port, token }, handlers, log);
    void bridge.listen();
  });
  process.once('SIGTERM', () => {
    void (async () => {
      await bridge.close(1000);
      await trigger.stop();
      await executor.close();
      db.close();
    })();
  });
  process.stdout.write(`${JSON.stringify({ bridgePort: port })}\n`);
}
