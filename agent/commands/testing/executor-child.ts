// An executor in a process of its own, for the tests that need a second agent process on the same
// database (executor.processes.test.ts). Bundled by that test and run with plain node:
//   node executor-child.cjs <db file> <RunParams JSON>
// It prints "ready" once the database is open, runs the command on a "go" line from stdin (so that
// several children can start together), and prints the CommandResult as one JSON line.
import { createInterface } from 'node:readline';
import { CommandExecutor } from '../executor';
import { openCommandsDatabase } from './database';
import { TEST_COMMANDS_OPTIONS } from './options';

const [dbFile, paramsJson] = process.argv.slice(2);
const db = openCommandsDatabase(dbFile);
const executor = new CommandExecutor({ db, options: TEST_COMMANDS_OPTIONS });
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  if (line !== 'go') return;
  lines.close();
  void executor.run(JSON.parse(paramsJson), 'cli').then((result) => {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    db.close();
  });
});
process.stdout.write('ready\n');
