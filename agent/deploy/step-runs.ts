import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import type { Stage } from './deploy-store';
import { commandLineOf, processesWithEnv } from './proc';
import { stopGroups } from './process';
import { readExitStatus, statusFileOf } from './supervisor';

/** The environment variable that names the step run a process belongs to. */
export const STEP_RUN_VARIABLE = 'LIFELINE_STEP_RUN';

/** One run of one step: the id its programs carry, and the files it owns. */
export interface StepRunPlace {
  id: string;
  dir: string;
  /** Its notes and its programs' stdout and stderr. */
  output: string;
  /** The exit code its supervised program recorded (adoptable kinds only). */
  status: string;
  /** How much of `output` is in the job log (see output-tail.ts). */
  progress: string;
}

/** Where a job's step runs keep their files while they run: beside its log, deleted once it ends. */
export function stepRunsDir(logsDir: string, jobId: number): string {
  return join(logsDir, `${jobId}.steps`);
}

/**
 * Everything that names a run is in the database before its first program starts (the step's runs
 * count goes up before it starts again), so a restarted agent can name it too. The id starts with a
 * digest of the logs folder: two agents with databases of their own on one host number their deploys
 * alike, and must not take each other's processes.
 */
export function stepRunPlace(logsDir: string, jobId: number, run: { deployId: number; stage: Stage; position: number; run: number }): StepRunPlace {
  const name = `${run.deployId}-${run.stage}-${run.position}-${run.run}`;
  const dir = join(stepRunsDir(logsDir, jobId), name);
  const scope = createHash('sha256').update(resolve(logsDir)).digest('hex').slice(0, 12);
  return { id: `${scope}-${name}`, dir, output: join(dir, 'output'), status: join(dir, 'status'), progress: join(dir, 'copied') };
}

/** What an earlier agent's run of a step left behind that decides how this one goes on. */
export type Leftover = { kind: 'running'; leader: number } | { kind: 'finished'; exitCode: number };

/**
 * Looks for what a run started by an agent that is gone left behind: its supervisor still running (wait
 * for it), or the exit code it recorded (take it). Anything else of the run still running without its
 * supervisor is stopped first, as it would have been had the agent seen the program end. Undefined
 * means the run must start again: it never got to start, or was killed before it could record its end.
 */
export async function findLeftover(place: StepRunPlace, killGraceMs: number): Promise<Leftover | undefined> {
  const found = processesWithEnv(`${STEP_RUN_VARIABLE}=${place.id}`);
  // The supervisor leads its own process group (it was started detached) and names the status file.
  const supervisor = found.find((process) => process.pid === process.pgid && statusFileOf(commandLineOf(process.pid) ?? []) === place.status);
  if (supervisor) return { kind: 'running', leader: supervisor.pid };
  await stopGroups([...new Set(found.map((process) => process.pgid))], killGraceMs);
  // Read after looking for the supervisor: it records the code before it exits, so none is missed.
  const exitCode = readExitStatus(place.status);
  return exitCode === undefined ? undefined : { kind: 'finished', exitCode };
}
