// Runs one deploy in a process of its own, so that a test can kill it with SIGKILL in the middle of a
// step. Bundled by the test (see runner.crash.test.ts); its one argument is the JSON of CrashChildInput.
import { DeployRunner } from '../runner';
import type { DeployRequest, SiteConfig } from '../types';
import { openDeployDatabase } from './database';

export interface CrashChildInput {
  dbFile: string;
  logsDir: string;
  jobId: number;
  site: SiteConfig;
  request: DeployRequest;
}

const input = JSON.parse(process.argv[2] ?? '{}') as CrashChildInput;
const db = openDeployDatabase(input.dbFile);
const runner = new DeployRunner({ db, logsDir: input.logsDir, jobLogMaxBytes: 1_000_000, killGraceMs: 500 });
void runner.run(input.jobId, input.site, input.request, new AbortController().signal).then((outcome) => {
  process.stdout.write(`${JSON.stringify(outcome)}\n`);
  db.close();
});
