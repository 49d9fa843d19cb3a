import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Database } from '../store/sqlite';
import { DeployStore, type DeployRecord, type StepRecord } from './deploy-store';
import { JobLog } from './job-log';
import { OutputTail } from './output-tail';
import { ReleaseStore, type Release } from './release-store';
import { isCommitId, pointCurrent, pruneReleases, readCurrent, releaseDirFor, removeCurrent } from './releases';
import { composeFileOf } from './steps/compose';
import { StepLog } from './step-log';
import { findLeftover, stepRunPlace, stepRunsDir, type StepRunPlace } from './step-runs';
import { describeStep, isAdoptable, runStep, type StepContext, type StepResult, type StepRunContext } from './steps';
import type { DeployRequest, SiteConfig, StepConfig } from './types';

export type DeployStatus = 'succeeded' | 'rolled-back' | 'failed' | 'cancelled' | 'interrupted';

export interface DeployOutcome {
  /**
   * succeeded: the new release is live and healthy. rolled-back: it failed and the last good release is
   * live again. failed: it failed and there was nothing to go back to, or going back failed too.
   * cancelled: stopped on request. interrupted: not finished (shutdown, or an internal error named in
   * `error`); calling run() again for the job resumes it.
   */
  status: DeployStatus;
  /** The release this attempt made, once it got that far. */
  releaseId?: number;
  /** The release a failed deploy went back to. */
  rolledBackTo?: number;
  error?: string;
}

/**
 * Abort a deploy's signal with this as the reason to stop it for a shutdown: its processes are stopped
 * as for a cancel, but the deploy is left to resume at the same step instead of ending as cancelled.
 */
export class DeployInterruption extends Error {
  override readonly name = 'DeployInterruption';

  constructor(message = 'The agent is shutting down; the deploy resumes at this step when it starts again.') {
    super(message);
  }
}

export interface DeployRunnerDeps {
  db: Database;
  logsDir: string;
  jobLogMaxBytes: number;
  now?: () => number;
  /** The environment commands start from (default: the agent's own). */
  env?: NodeJS.ProcessEnv;
  /** Time a stopped step's process group gets between SIGTERM and SIGKILL (default 10 s). */
  killGraceMs?: number;
}

type Halt = { kind: 'failed' | 'cancelled' | 'interrupted'; error: string };

interface StageRun {
  deploy: DeployRecord;
  site: SiteConfig;
  request: DeployRequest;
  release: Release;
  log: JobLog;
  /** The caller's signal: cancel or shutdown. */
  stop: AbortSignal;
}

/**
 * Runs deploys as persisted step machines. Every step's start, end, exit code and log offsets are stored
 * as they happen, so a deploy cut short by a crash resumes at the step that was running, or continues its
 * rollback. A step's programs outlive the agent (their own process group, their output in a file of the
 * step's own): a command or compose step whose program is still running, or recorded its exit code, is
 * taken over rather than run twice; any other step runs again from its start.
 */
export class DeployRunner {
  private readonly db: Database;
  private readonly store: DeployStore;
  private readonly releaseStore: ReleaseStore;
  private readonly logsDir: string;
  private readonly jobLogMaxBytes: number;
  private readonly now: () => number;
  private readonly env: NodeJS.ProcessEnv;
  private readonly killGraceMs: number;
  private readonly live = new Map<number, JobLog>();

  constructor(deps: DeployRunnerDeps) {
    this.db = deps.db;
    this.store = new DeployStore(deps.db);
    this.releaseStore = new ReleaseStore(deps.db);
    this.logsDir = deps.logsDir;
    this.jobLogMaxBytes = deps.jobLogMaxBytes;
    this.now = deps.now ?? Date.now;
    this.env = deps.env ?? process.env;
    this.killGraceMs = deps.killGraceMs ?? 10_000;
  }

  /**
   * Runs (or resumes, when the job has a deploy in progress) the deploy of a claimed job. Never throws.
   * A job whose deploy already succeeded or was cancelled is not deployed again; one whose deploy failed
   * or rolled back gets a new attempt (a queue retry) with a release folder of its own.
   */
  async run(jobId: number, site: SiteConfig, request: DeployRequest, signal: AbortSignal): Promise<DeployOutcome> {
    let log: JobLog;
    try {
      log = new JobLog(this.logFile(jobId), this.jobLogMaxBytes, this.now);
    } catch (error) {
      return { status: 'interrupted', error: `The log file of job ${jobId} cannot be opened (${messageOf(error)}); make ${this.logsDir} writable by the agent.` };
    }
    this.live.set(jobId, log);
    try {
      return await this.drive(jobId, site, request, signal, log);
    } catch (error) {
      const text = `The deploy stopped on an internal error and resumes when the job runs again: ${messageOf(error)}`;
      log.note(text);
      return { status: 'interrupted', error: text };
    } finally {
      this.live.delete(jobId);
      log.close();
    }
  }

  /** A site's releases, newest first. */
  releases(siteId: string): Release[] {
    return this.releaseStore.list(siteId);
  }

  currentRelease(siteId: string): Release | undefined {
    return this.releaseStore.current(siteId);
  }

  /** Every deploy attempt of a job with its steps, oldest first. */
  deploys(jobId: number): DeployRecord[] {
    return this.store.forJob(jobId);
  }

  logFile(jobId: number): string {
    return join(this.logsDir, `${jobId}.log`);
  }

  /**
   * Hands `onChunk` what the job's log file holds, then its live output while the deploy runs in this
   * process (including output past the file's cap); `onEnd` runs when there is no more to come.
   * Returns the unsubscribe function.
   */
  followLog(jobId: number, onChunk: (text: string) => void, onEnd?: () => void): () => void {
    const file = this.logFile(jobId);
    // Read and subscribe in the same tick: log writes are synchronous, so nothing falls between the two.
    const stored = existsSync(file) ? readFileSync(file, 'utf8') : '';
    if (stored) onChunk(stored);
    const live = this.live.get(jobId);
    if (!live) {
      onEnd?.();
      return () => undefined;
    }
    return live.follow(onChunk, onEnd);
  }

  private async drive(jobId: number, site: SiteConfig, request: DeployRequest, stop: AbortSignal, log: JobLog): Promise<DeployOutcome> {
    const latest = this.store.latest(jobId);
    if (latest?.phase === 'succeeded' || latest?.phase === 'cancelled') {
      log.note(`The deploy of job ${jobId} already ended (${latest.phase}); nothing to do.`);
      return outcomeOf(latest);
    }
    let deploy: DeployRecord;
    if (latest?.phase === 'deploying' || latest?.phase === 'rolling-back') {
      deploy = latest;
      log.note(`Resuming the deploy of job ${jobId} (attempt ${deploy.attempt}) where it stopped.`);
    } else {
      const problem = requestProblem(jobId, site, request);
      if (problem) {
        log.note(problem);
        return { status: 'failed', error: problem };
      }
      deploy = this.begin(jobId, (latest?.attempt ?? 0) + 1, site, request, log);
    }

    const release = this.releaseOf(deploy.releaseId);
    const run: StageRun = { deploy, site, request, release, log, stop };
    if (deploy.phase === 'deploying') {
      const halt = await this.deployStage(run);
      if (!halt) return this.succeed(run);
      if (halt.kind === 'interrupted') return { status: 'interrupted', releaseId: release.id, error: halt.error };
      if (halt.kind === 'cancelled') return this.cancel(run, halt.error);
      const target = this.releaseStore.lastGood(site.id, release.id);
      if (!target) return this.failWithoutRollback(run, halt.error);
      this.db.transaction(() => {
        this.releaseStore.markBad(release.id);
        this.store.startRollback(deploy.id, halt.error, target.id, rollbackPlan(deploy));
      })();
      run.deploy = this.store.get(deploy.id);
    }
    return this.rollbackStage(run);
  }

  private begin(jobId: number, attempt: number, site: SiteConfig, request: DeployRequest, log: JobLog): DeployRecord {
    const dir = releaseDirFor(site.dir, request.commit, jobId, attempt);
    const previous = this.releaseStore.current(site.id);
    const id = this.db.transaction(() => {
      const releaseId = this.releaseStore.create({ siteId: site.id, jobId, commit: request.commit, dir, createdAt: this.now() });
      return this.store.begin({
        jobId,
        attempt,
        siteId: site.id,
        releaseId,
        previousReleaseId: previous?.id ?? null,
        startedAt: this.now(),
        steps: site.steps.map((config) => ({ config, name: describeStep(config) })),
      });
    })();
    const by = request.sender ? ` pushed by ${request.sender}` : '';
    log.note(
      `Deploying ${request.commit} (${request.branch}${by}) to site ${site.id} (${request.environment}): job ${jobId}, attempt ${attempt}, release ${relative(site.dir, dir)}.`,
    );
    return this.store.get(id);
  }

  /** The site's steps, from the first one not yet done. Returns why it stopped, or nothing when all passed. */
  private deployStage(run: StageRun): Promise<Halt | undefined> {
    const { site, release } = run;
    // The git step fills it; a site without one runs its commands in an empty release folder.
    mkdirSync(release.dir, { recursive: true });
    const steps = run.deploy.steps.filter((step) => step.stage === 'deploy');
    // The release goes live once its code is checked out: later steps (builds, restarts, compose up, the
    // health gate) all work on it, and a failure switches back.
    const checkedOut = steps.map((step) => step.kind).lastIndexOf('git');
    return this.withDeadline(run, 'deploy', async (signal) => {
      for (const step of steps) {
        const earlier = haltOfRecorded(step);
        if (earlier) return earlier;
        if (step.state === 'succeeded') continue;
        if (signal.aborted) return haltOf(reasonOf(signal), run.stop);
        if (step.position > checkedOut) this.activate(site, release, run.log);
        const result = await this.runStep(run, step, step.config, release, signal, steps.length);
        if (!result.ok) return haltOf(result.error, run.stop);
        if (step.config.kind === 'compose') {
          const file = composeFileOf(release.dir, step.config);
          if (file) this.releaseStore.setComposeFile(release.id, file);
        }
      }
      this.activate(site, release, run.log);
      return undefined;
    });
  }

  /** Points `current` back at the last good release and brings it up again: its compose and health steps. */
  private async rollbackStage(run: StageRun): Promise<DeployOutcome> {
    const { deploy, site, log } = run;
    if (deploy.rollbackReleaseId === null) throw new Error(`deploy ${deploy.id} is rolling back but names no release to go back to`);
    const target = this.releaseOf(deploy.rollbackReleaseId);
    const failure = deploy.error ?? 'The deploy failed.';
    log.note(`Rolling back to release ${relative(site.dir, target.dir)} (commit ${target.commit}).`);
    this.activate(site, target, log);
    const steps = deploy.steps.filter((step) => step.stage === 'rollback');
    const targetRun: StageRun = { ...run, request: { ...run.request, commit: target.commit } };
    const halt = await this.withDeadline(run, 'rollback', async (signal): Promise<Halt | undefined> => {
      for (const step of steps) {
        const earlier = haltOfRecorded(step);
        if (earlier) return earlier;
        if (step.state === 'succeeded') continue;
        if (signal.aborted) return haltOf(reasonOf(signal), run.stop);
        // The same Compose file that was up when the target release was live.
        const config: StepConfig = step.config.kind === 'compose' && target.composeFile ? { ...step.config, file: target.composeFile } : step.config;
        const result = await this.runStep(targetRun, step, config, target, signal, steps.length);
        if (!result.ok) return haltOf(result.error, run.stop);
      }
      return undefined;
    });
    if (halt?.kind === 'interrupted') return { status: 'interrupted', releaseId: run.release.id, error: halt.error };
    if (halt?.kind === 'cancelled') {
      this.store.finish(deploy.id, 'cancelled', this.now(), `${failure} The rollback was cancelled: ${halt.error}`);
      log.note(`Rollback cancelled: ${halt.error}`);
      return this.finished(run);
    }
    if (halt) {
      this.store.finish(deploy.id, 'failed', this.now(), `${failure} Rolling back to release ${target.id} failed too: ${halt.error}`);
      log.note(`Rollback failed: ${halt.error}`);
      return this.finished(run);
    }
    this.store.finish(deploy.id, 'rolled-back', this.now());
    log.note(`Rolled back: release ${relative(site.dir, target.dir)} is live again. The failed release is marked bad.`);
    return this.finished(run);
  }

  /**
   * Runs a stage with the site's timeoutSeconds as its limit, counted from now: a resumed deploy gets the
   * whole time again, and a rollback gets its own after the deploy used up its share.
   */
  private async withDeadline<T>(run: StageRun, stage: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const seconds = run.site.timeoutSeconds;
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(new Error(`the ${stage} took longer than the site's timeoutSeconds (${seconds} s)`)), seconds * 1000);
    try {
      return await work(AbortSignal.any([run.stop, deadline.signal]));
    } finally {
      clearTimeout(timer);
    }
  }

  private async runStep(run: StageRun, step: StepRecord, config: StepConfig, release: Release, signal: AbortSignal, count: number): Promise<StepResult> {
    const { deploy, log, stop } = run;
    const label = `${step.stage === 'rollback' ? 'Rollback step' : 'Step'} ${step.position + 1}/${count} ${step.name}`;
    const { place, adopt } = await this.stepRun(run, step, label);
    const stepLog = new StepLog(place.output, this.now);
    let tail: OutputTail | undefined;
    let result: StepResult;
    try {
      tail = new OutputTail(place, log);
      tail.start();
      const stepRun: StepRunContext = { id: place.id, statusFile: isAdoptable(config) ? place.status : undefined, adopt };
      result = await runStep(this.context(run, release, signal, stepLog, stepRun), config);
    } finally {
      tail?.stop();
      stepLog.close();
    }
    if (!result.ok && stop.aborted && stop.reason instanceof DeployInterruption) {
      // Left as running on purpose, with its files: the resumed deploy runs this step again.
      log.note(`${label}: stopped for a shutdown; it runs again when the deploy resumes.`);
      return result;
    }
    const state = result.ok ? 'succeeded' : stop.aborted ? 'cancelled' : 'failed';
    this.store.stepFinished(deploy.id, step.stage, step.position, {
      state,
      at: this.now(),
      exitCode: result.exitCode,
      error: result.ok ? undefined : result.error,
      logEnd: log.offset,
    });
    log.note(result.ok ? `${label}: succeeded.` : `${label}: ${state}. ${result.error}`);
    removeQuietly(place.dir);
    return result;
  }

  /**
   * The run of a step to go on with: the one an agent that is gone started, when its program is still
   * running or recorded how it ended (taken over), or else a new one, stored as started before any of
   * its programs starts, so that a restarted agent can name it and find them.
   */
  private async stepRun(run: StageRun, step: StepRecord, label: string): Promise<{ place: StepRunPlace; adopt?: StepRunContext['adopt'] }> {
    const { deploy, log } = run;
    const placeOf = (runNumber: number) => stepRunPlace(this.logsDir, deploy.jobId, { deployId: deploy.id, stage: step.stage, position: step.position, run: runNumber });
    if (step.state === 'running') {
      const earlier = placeOf(step.runs);
      const leftover = await findLeftover(earlier, this.killGraceMs);
      if (leftover) {
        log.note(
          leftover.kind === 'running'
            ? `${label}: still running after the agent stopped (process group ${leftover.leader}); waiting for it rather than starting it again.`
            : `${label}: ended with exit code ${leftover.exitCode} while the agent was stopped; taking that result rather than running it again.`,
        );
        const elapsedMs = this.now() - (step.startedAt ?? this.now());
        return { place: earlier, adopt: { leader: leftover.kind === 'running' ? leftover.leader : undefined, elapsedMs } };
      }
      if (existsSync(earlier.dir)) {
        // It will not end by itself: keep what it wrote before it died, then start it afresh.
        new OutputTail(earlier, log).stop();
        removeQuietly(earlier.dir);
      }
    }
    log.note(`${label}: ${step.runs > 0 ? 'starting again, since the agent stopped while it ran' : 'starting'}.`);
    this.store.stepStarted(deploy.id, step.stage, step.position, this.now(), log.offset);
    return { place: placeOf(step.runs + 1) };
  }

  private context(run: StageRun, release: Release, signal: AbortSignal, log: StepLog, stepRun: StepRunContext): StepContext {
    const { site, request } = run;
    return {
      site,
      request,
      releaseDir: release.dir,
      signal,
      log,
      run: stepRun,
      killGraceMs: this.killGraceMs,
      env: {
        ...this.env,
        LIFELINE_SITE: site.id,
        LIFELINE_ENVIRONMENT: request.environment,
        LIFELINE_REPOSITORY: request.repository,
        LIFELINE_BRANCH: request.branch,
        LIFELINE_COMMIT: release.commit,
        LIFELINE_EVENT: request.event,
        LIFELINE_JOB_ID: String(run.deploy.jobId),
        LIFELINE_RELEASE_DIR: release.dir,
      },
    };
  }

  /** Makes a release the live one, on disk and in the database; doing it twice changes nothing. */
  private activate(site: SiteConfig, release: Release, log: JobLog): void {
    if (readCurrent(site.dir) !== release.dir) {
      pointCurrent(site.dir, release.dir);
      log.note(`current → ${relative(site.dir, release.dir)}`);
    }
    if (this.releaseStore.current(site.id)?.id !== release.id) this.releaseStore.setCurrent(site.id, release.id);
  }

  /** Undoes the switch to a release that never became good: back to what was live before, or to nothing. */
  private deactivate(run: StageRun): void {
    const { deploy, site, release, log } = run;
    const previous = deploy.previousReleaseId === null ? undefined : this.releaseStore.get(deploy.previousReleaseId);
    if (previous && !previous.pruned && previous.id !== release.id) {
      this.activate(site, previous, log);
    } else if (readCurrent(site.dir) === release.dir) {
      removeCurrent(site.dir);
      this.releaseStore.clearCurrent(site.id);
      log.note('current removed: no earlier release to point it at.');
    }
  }

  private succeed(run: StageRun): DeployOutcome {
    this.db.transaction(() => {
      this.releaseStore.markGood(run.release.id);
      this.store.finish(run.deploy.id, 'succeeded', this.now());
    })();
    run.log.note(`Deploy succeeded: release ${relative(run.site.dir, run.release.dir)} is live.`);
    return this.finished(run);
  }

  private cancel(run: StageRun, error: string): DeployOutcome {
    this.deactivate(run);
    this.db.transaction(() => {
      this.releaseStore.markBad(run.release.id);
      this.store.finish(run.deploy.id, 'cancelled', this.now(), error);
    })();
    run.log.note(`Deploy cancelled: ${error}`);
    return this.finished(run);
  }

  private failWithoutRollback(run: StageRun, error: string): DeployOutcome {
    this.deactivate(run);
    const text = `${error} There is no earlier good release to roll back to.`;
    this.db.transaction(() => {
      this.releaseStore.markBad(run.release.id);
      this.store.finish(run.deploy.id, 'failed', this.now(), text);
    })();
    run.log.note(`Deploy failed: ${text}`);
    return this.finished(run);
  }

  /** Deletes old release folders and what is left of the steps' own files, then reports the attempt as stored. */
  private finished(run: StageRun): DeployOutcome {
    removeQuietly(stepRunsDir(this.logsDir, run.deploy.jobId));
    try {
      const pruned = pruneReleases(this.releaseStore, run.site, this.now());
      if (pruned.length > 0) run.log.note(`Deleted the folders of ${pruned.length} old release(s), keeping ${run.site.releasesKept}.`);
    } catch (error) {
      // Old folders only cost disk space; the next deploy tries again.
      run.log.note(`Old releases could not be deleted: ${messageOf(error)}`);
    }
    return outcomeOf(this.store.get(run.deploy.id));
  }

  private releaseOf(id: number): Release {
    const release = this.releaseStore.get(id);
    if (!release) throw new Error(`release ${id} is missing from the database`);
    return release;
  }
}

function requestProblem(jobId: number, site: SiteConfig, request: DeployRequest): string | undefined {
  if (request.siteId !== site.id) {
    return `Job ${jobId} is for site "${request.siteId}" but was run with site "${site.id}"; the agent has a bug, please report it.`;
  }
  if (!isCommitId(request.commit)) {
    return `Job ${jobId} names commit "${request.commit}", which is not a full commit id (40 lowercase hex digits); send the exact commit to deploy.`;
  }
  return undefined;
}

/** The steps that bring a release back up: the site's compose and health steps, in their order. */
function rollbackPlan(deploy: DeployRecord): { config: StepConfig; name: string }[] {
  return deploy.steps
    .filter((step) => step.stage === 'deploy' && (step.kind === 'compose' || step.kind === 'health'))
    .map((step) => ({ config: step.config, name: step.name }));
}

/** A step that ended badly before a restart decides the deploy's course, rather than running again. */
function haltOfRecorded(step: StepRecord): Halt | undefined {
  if (step.state === 'failed') return { kind: 'failed', error: step.error ?? `${step.name} failed.` };
  if (step.state === 'cancelled') return { kind: 'cancelled', error: step.error ?? 'The deploy was cancelled.' };
  return undefined;
}

function haltOf(error: string, stop: AbortSignal): Halt {
  if (!stop.aborted) return { kind: 'failed', error };
  if (stop.reason instanceof DeployInterruption) return { kind: 'interrupted', error: stop.reason.message };
  return { kind: 'cancelled', error: cancelText(stop.reason) };
}

function cancelText(reason: unknown): string {
  // A plain abort() gives a generic AbortError; a reason of the caller's own says more.
  const own = reason instanceof Error && reason.name !== 'AbortError' ? `: ${reason.message}` : '';
  return `The deploy was cancelled${own}.`;
}

function reasonOf(signal: AbortSignal): string {
  return signal.reason instanceof Error ? `${signal.reason.message}.` : 'The deploy was stopped.';
}

function outcomeOf(deploy: DeployRecord): DeployOutcome {
  const outcome: DeployOutcome = { status: deploy.phase === 'deploying' || deploy.phase === 'rolling-back' ? 'interrupted' : deploy.phase, releaseId: deploy.releaseId };
  if (deploy.phase === 'rolled-back' && deploy.rollbackReleaseId !== null) outcome.rolledBackTo = deploy.rollbackReleaseId;
  if (deploy.error !== null) outcome.error = deploy.error;
  return outcome;
}

/** Step files only cost disk space once copied into the job log; the end of the deploy tries again. */
function removeQuietly(path: string): void {
  try {
    rmSync(path, { recursive: true, force: true });
  } catch {
    // Left for the next attempt.
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

