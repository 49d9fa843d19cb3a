import type { Database } from '../store/sqlite';
import type { StepConfig } from './types';

export type DeployPhase = 'deploying' | 'rolling-back' | 'succeeded' | 'rolled-back' | 'failed' | 'cancelled';
export type FinishedPhase = Exclude<DeployPhase, 'deploying' | 'rolling-back'>;
export type Stage = 'deploy' | 'rollback';
export type StepState = 'pending' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface StepRecord {
  stage: Stage;
  position: number;
  kind: StepConfig['kind'];
  name: string;
  config: StepConfig;
  state: StepState;
  /** How many times it was started: more than 1 when a resumed deploy ran it again. */
  runs: number;
  startedAt: number | null;
  finishedAt: number | null;
  exitCode: number | null;
  error: string | null;
  /** Byte range of its output in the job's log file. */
  logOffset: number | null;
  logEnd: number | null;
}

/** One attempt at deploying a job: a persisted state machine with its steps. */
export interface DeployRecord {
  id: number;
  jobId: number;
  attempt: number;
  siteId: string;
  releaseId: number;
  /** The release that was current when the attempt began. */
  previousReleaseId: number | null;
  /** The good release a failed attempt went back to. */
  rollbackReleaseId: number | null;
  phase: DeployPhase;
  error: string | null;
  startedAt: number;
  finishedAt: number | null;
  steps: StepRecord[];
}

interface DeployRow {
  id: number;
  job_id: number;
  attempt: number;
  site_id: string;
  release_id: number;
  previous_release_id: number | null;
  rollback_release_id: number | null;
  phase: DeployPhase;
  error: string | null;
  started_at: number;
  finished_at: number | null;
}

interface StepRow {
  stage: Stage;
  position: number;
  kind: StepConfig['kind'];
  name: string;
  config: string;
  state: StepState;
  runs: number;
  started_at: number | null;
  finished_at: number | null;
  exit_code: number | null;
  error: string | null;
  log_offset: number | null;
  log_end: number | null;
}

const IN_PROGRESS = `phase IN ('deploying', 'rolling-back')`;

/** The deploys and deploy_steps tables. Each transition is one statement guarded by the state it leaves. */
export class DeployStore {
  constructor(private readonly db: Database) {}

  /** Every attempt of a job, oldest first. */
  forJob(jobId: number): DeployRecord[] {
    const rows = this.db.prepare('SELECT * FROM deploys WHERE job_id = ? ORDER BY attempt').all(jobId) as DeployRow[];
    return rows.map((row) => this.withSteps(row));
  }

  latest(jobId: number): DeployRecord | undefined {
    const row = this.db.prepare('SELECT * FROM deploys WHERE job_id = ? ORDER BY attempt DESC LIMIT 1').get(jobId) as DeployRow | undefined;
    return row && this.withSteps(row);
  }

  get(id: number): DeployRecord {
    const row = this.db.prepare('SELECT * FROM deploys WHERE id = ?').get(id) as DeployRow | undefined;
    if (!row) throw new Error(`deploy ${id} does not exist`);
    return this.withSteps(row);
  }

  begin(input: {
    jobId: number;
    attempt: number;
    siteId: string;
    releaseId: number;
    previousReleaseId: number | null;
    startedAt: number;
    steps: { config: StepConfig; name: string }[];
  }): number {
    const info = this.db
      .prepare(
        `INSERT INTO deploys (job_id, attempt, site_id, release_id, previous_release_id, phase, started_at)
         VALUES (?, ?, ?, ?, ?, 'deploying', ?)`,
      )
      .run(input.jobId, input.attempt, input.siteId, input.releaseId, input.previousReleaseId, input.startedAt);
    const id = Number(info.lastInsertRowid);
    this.addSteps(id, 'deploy', input.steps);
    return id;
  }

  addSteps(deployId: number, stage: Stage, steps: { config: StepConfig; name: string }[]): void {
    const insert = this.db.prepare('INSERT INTO deploy_steps (deploy_id, stage, position, kind, name, config) VALUES (?, ?, ?, ?, ?, ?)');
    steps.forEach((step, position) => insert.run(deployId, stage, position, step.config.kind, step.name, JSON.stringify(step.config)));
  }

  stepStarted(deployId: number, stage: Stage, position: number, at: number, logOffset: number): void {
    this.db
      .prepare(
        `UPDATE deploy_steps SET state = 'running', runs = runs + 1, started_at = ?, finished_at = NULL, exit_code = NULL,
           error = NULL, log_offset = ?, log_end = NULL
         WHERE deploy_id = ? AND stage = ? AND position = ? AND state IN ('pending', 'running')`,
      )
      .run(at, logOffset, deployId, stage, position);
  }

  stepFinished(
    deployId: number,
    stage: Stage,
    position: number,
    end: { state: 'succeeded' | 'failed' | 'cancelled'; at: number; exitCode?: number; error?: string; logEnd: number },
  ): void {
    this.db
      .prepare(
        `UPDATE deploy_steps SET state = ?, finished_at = ?, exit_code = ?, error = ?, log_end = ?
         WHERE deploy_id = ? AND stage = ? AND position = ? AND state = 'running'`,
      )
      .run(end.state, end.at, end.exitCode ?? null, end.error ?? null, end.logEnd, deployId, stage, position);
  }

  startRollback(deployId: number, error: string, targetId: number, steps: { config: StepConfig; name: string }[]): void {
    this.db.transaction(() => {
      const changed = this.db
        .prepare(`UPDATE deploys SET phase = 'rolling-back', error = ?, rollback_release_id = ? WHERE id = ? AND phase = 'deploying'`)
        .run(error, targetId, deployId).changes;
      if (changed === 1) this.addSteps(deployId, 'rollback', steps);
    })();
  }

  /** Ends an attempt; an error already recorded (the failure that caused a rollback) is kept unless replaced. */
  finish(deployId: number, phase: FinishedPhase, at: number, error?: string): void {
    this.db
      .prepare(`UPDATE deploys SET phase = ?, finished_at = ?, error = coalesce(?, error) WHERE id = ? AND ${IN_PROGRESS}`)
      .run(phase, at, error ?? null, deployId);
  }

  private withSteps(row: DeployRow): DeployRecord {
    const steps = this.db
      .prepare(`SELECT * FROM deploy_steps WHERE deploy_id = ? ORDER BY stage = 'rollback', position`)
      .all(row.id) as StepRow[];
    return {
      id: row.id,
      jobId: row.job_id,
      attempt: row.attempt,
      siteId: row.site_id,
      releaseId: row.release_id,
      previousReleaseId: row.previous_release_id,
      rollbackReleaseId: row.rollback_release_id,
      phase: row.phase,
      error: row.error,
      startedAt: row.started_at,
      finishedAt: row.finished_at,
      steps: steps.map((step) => ({
        stage: step.stage,
        position: step.position,
        kind: step.kind,
        name: step.name,
        config: JSON.parse(step.config) as StepConfig,
        state: step.state,
        runs: step.runs,
        startedAt: step.started_at,
        finishedAt: step.finished_at,
        exitCode: step.exit_code,
        error: step.error,
        logOffset: step.log_offset,
        logEnd: step.log_end,
      })),
    };
  }
}
