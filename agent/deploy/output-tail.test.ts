import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JobLog } from './job-log';
import { OutputTail, type TailFiles } from './output-tail';
import { waitFor } from './testing/processes';

let dir: string;
let files: TailFiles;
let logFile: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lifeline-output-tail-'));
  files = { output: join(dir, 'output'), progress: join(dir, 'copied') };
  logFile = join(dir, 'job.log');
  writeFileSync(files.output, '');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** One agent's turn: opens the job log, copies the step's file from where the last agent stopped, closes. */
function agentTurn(before?: (log: JobLog) => void): void {
  const log = new JobLog(logFile, 1_000_000);
  before?.(log);
  new OutputTail(files, log).stop();
  log.close();
}

describe('OutputTail', () => {
  it('copies the file as it grows, keeping a character split between reads whole for live viewers', async () => {
    const log = new JobLog(logFile, 1_000_000);
    let live = '';
    log.follow((text) => (live += text));
    const tail = new OutputTail(files, log);
    tail.start();
    appendFileSync(files.output, Buffer.from([0xe2, 0x82]));
    await waitFor('the first part', () => log.offset === 2);
    appendFileSync(files.output, Buffer.concat([Buffer.from([0xac]), Buffer.from(' euro\n')]));
    tail.stop();
    log.close();
    expect(live).toBe('€ euro\n');
    expect(readFileSync(logFile, 'utf8')).toBe('€ euro\n');
  });

  it('continues where the agent before stopped, after the notes of the new one', () => {
    appendFileSync(files.output, 'one\n');
    agentTurn();
    appendFileSync(files.output, 'two\n');
    agentTurn((log) => log.write('resuming\n'));
    expect(readFileSync(logFile, 'utf8')).toBe('one\nresuming\ntwo\n');
  });

  it('does not copy again a chunk a killed agent stored before it could save its progress', () => {
    appendFileSync(files.output, 'one\n');
    agentTurn();
    // The dead agent's last act: "two" went into the job log, its progress was never saved.
    appendFileSync(files.output, 'two\n');
    appendFileSync(logFile, 'two\n');
    appendFileSync(files.output, 'three\n');
    agentTurn((log) => log.write('resuming\n'));
    expect(readFileSync(logFile, 'utf8')).toBe('one\ntwo\nresuming\nthree\n');
  });

  it('past the job log cap, streams on to viewers and empties the copied file so it cannot fill the disk', async () => {
    const log = new JobLog(logFile, 100);
    let live = 0;
    log.follow((text) => (live += text.length));
    const tail = new OutputTail(files, log);
    tail.start();
    const chunk = 'x'.repeat(1024 * 1024);
    appendFileSync(files.output, chunk);
    appendFileSync(files.output, chunk);
    await waitFor('the file to be emptied', () => statSync(files.output).size === 0);
    appendFileSync(files.output, 'tail end\n');
    tail.stop();
    log.close();
    expect(live).toBe(2 * chunk.length + 'tail end\n'.length);
    expect(readFileSync(logFile, 'utf8')).toMatch(/^x{100}\n\[lifeline\] \d+ bytes of output were not stored/);
  });
});
