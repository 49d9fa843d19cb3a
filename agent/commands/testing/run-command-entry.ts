// `lifeline agent run-command` as its own process, the way the tmux and exec layers start it on a
// server, for cli-run.process.test.ts. Bundled by that test and run with plain node:
//   node run-command-entry.cjs <db file> <run-command arguments>...
import { runCommandCli } from '../cli-run';
import { CommandExecutor } from '../executor';
import { openCommandsDatabase } from './database';

const [dbFile, ...args] = process.argv.slice(2);
void runCommandCli(args, process, () => {
  const db = openCommandsDatabase(dbFile);
  const executor = new CommandExecutor({ db, options: { timeoutSeconds: 60, outputCapBytes: 64 * 1024, killGraceMs: 200 } });
  return {
    executor,
    close: async () => {
      await executor.close();
      db.close();
    },
  };
}).then((code) => {
  process.exitCode = code;
});
