import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findLeftover, STEP_RUN_VARIABLE, stepRunPlace, type StepRunPlace } from './step-runs';
import { supervisedArgv } from './supervisor';
import { isRunning, killGroups, readPids, waitFor } from './testing/processes';

let dir: string;
let pidFile: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lifeline-step-runs-'));
  pidFile = join(dir, 'pids');
});
afterEach(() => {
  killGroups(readPids(pidFile));
  rmSync(dir, { recursive: true, force: true });
});

const placeIn = (logsDir: string, run = 1) => stepRunPlace(logsDir, 7, { deployId: 3, stage: 'deploy', position: 2, run });

/** Starts a program of the run as an agent that then died would have left it, waiting until it records its pid. */
async function startProgramOf(place: StepRunPlace, supervised: boolean): Promise<number> {
  mkdirSync(place.dir, { recursive: true });
  const program = ['/bin/sh', '-c', `echo $$ >> "${pidFile}"; exec sleep 300`];
  const argv = supervised ? supervisedArgv(place.status, program) : program;
  const before = readPids(pidFile).length;
  const child = spawn(argv[0], argv.slice(1), { env: { ...process.env, [STEP_RUN_VARIABLE]: place.id }, detached: true, stdio: 'ignore' });
  child.unref();
  await waitFor('the program', () => readPids(pidFile).length > before);
  return readPids(pidFile)[before];
}

describe('step runs', () => {
  it('are named by deploy, stage, position and run, and scoped to their logs folder', () => {
    const place = placeIn(join(dir, 'logs'));
    expect(place.dir).toBe(join(dir, 'logs', '7.steps', '3-deploy-2-1'));
    expect(place.id).toMatch(/^[0-9a-f]{12}-3-deploy-2-1$/);
    expect(placeIn(join(dir, 'logs')).id).toBe(place.id);
    expect(placeIn(join(dir, 'other-logs')).id).not.toBe(place.id);
    expect(placeIn(join(dir, 'logs'), 2).id).not.toBe(place.id);
  });

  it('find the supervisor of a run that is still going, and nothing of another agent’s run of the same name', async () => {
    const place = placeIn(join(dir, 'logs'));
    const program = await startProgramOf(place, true);
    const elsewhere = placeIn(join(dir, 'other-logs'));
    expect(await findLeftover(elsewhere, 500)).toBeUndefined();
    expect(isRunning(program)).toBe(true);

    const leftover = await findLeftover(place, 500);
    expect(leftover).toMatchObject({ kind: 'running', leader: expect.any(Number) });
    expect(leftover?.kind === 'running' && leftover.leader).not.toBe(program);
    expect(isRunning(program)).toBe(true);
  });

  it('take the exit code a finished run recorded', async () => {
    const place = placeIn(join(dir, 'logs'));
    mkdirSync(place.dir, { recursive: true });
    writeFileSync(place.status, '3');
    expect(await findLeftover(place, 500)).toEqual({ kind: 'finished', exitCode: 3 });
  });

  it('stop what is left of a run without a running supervisor, and say it must start again', async () => {
    const place = placeIn(join(dir, 'logs'));
    const stray = await startProgramOf(place, false);
    expect(await findLeftover(place, 500)).toBeUndefined();
    expect(isRunning(stray)).toBe(false);
  });
});
