// `lifeline agent run-command` as its own process, the way the tmux and exec layers start it on a
// server, for cli-run.process.test.ts. Bundled by that test and run with plain node:
//   node run-command-entry.cjs <db file> <run-command arguments>...
import { runCommandCli } from '../cli-run';
import { openExecutor } from '../open';
import { TEST_COMMANDS_OPTIONS } from './options';

const [dbFile, ...args] = process.argv.slice(2);
void runCommandCli(args, process, () => openExecutor(dbFile, TEST_COMMANDS_OPTIONS)).then((code) => {
  process.exitCode = code;
});
