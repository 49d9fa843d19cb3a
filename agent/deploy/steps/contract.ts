import type { StepLog } from '../step-log';
import type { DeployRequest, SiteConfig, StepConfig } from '../types';

/** What a step gets to work with. */
export interface StepContext {
  site: SiteConfig;
  request: DeployRequest;
  /** The release the step works on; the default working directory of every command. */
  releaseDir: string;
  /** Aborted on cancel, on the deploy's own timeout and on shutdown: stop and return promptly. */
  signal: AbortSignal;
  /** The step's own output file, for its notes and its programs' output; the runner copies it into the job log. */
  log: StepLog;
  /** The environment for commands: the agent's own plus LIFELINE_* variables describing the deploy. */
  env: NodeJS.ProcessEnv;
  /** Time a stopped command's process group gets between SIGTERM and SIGKILL. */
  killGraceMs: number;
  run: StepRunContext;
}

/** This run of the step, as its programs are started under it. */
export interface StepRunContext {
  /** Unique on the host; every program the step starts carries it in LIFELINE_STEP_RUN. */
  id: string;
  /** Set for adoptable kinds: a supervisor records the program's exit code here. */
  statusFile?: string;
  /**
   * Set when an agent that is gone started this run's program: wait for it, or take the exit code it
   * recorded, instead of starting it a second time.
   */
  adopt?: {
    /** Its supervisor, when still running. */
    leader: number | undefined;
    /** Time the run has had so far, counted against the step's timeout. */
    elapsedMs: number;
  };
}

export type StepResult = { ok: true; exitCode?: number } | { ok: false; exitCode?: number; error: string };

/**
 * One kind of deploy step (one file per kind in this folder, listed in index.ts). A step must be safe to
 * run again from its start: a deploy resumed after a crash re-runs the step that was running, unless
 * the kind is adoptable and its program outlived the agent.
 */
export interface StepKind<C extends StepConfig> {
  kind: C['kind'];
  /**
   * True for kinds whose run() starts exactly one program, through runArgv, as its last act. Such a
   * program runs under a supervisor that records its exit code, and after an agent crash it is adopted
   * (waited for, or its recorded exit code taken) rather than started a second time.
   */
  adoptable?: true;
  /** A short name for logs and the step list, e.g. `command "build"`. */
  describe(step: C): string;
  /** Never throws: a failure is a result with a message saying what happened and what to do. */
  run(ctx: StepContext, step: C): Promise<StepResult>;
}
