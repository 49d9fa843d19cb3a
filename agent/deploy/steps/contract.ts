import type { JobLog } from '../job-log';
import type { DeployRequest, SiteConfig, StepConfig } from '../types';

/** What a step gets to work with. */
export interface StepContext {
  site: SiteConfig;
  request: DeployRequest;
  /** The release the step works on; the default working directory of every command. */
  releaseDir: string;
  /** Aborted on cancel, on the deploy's own timeout and on shutdown: stop and return promptly. */
  signal: AbortSignal;
  log: JobLog;
  /** The environment for commands: the agent's own plus LIFELINE_* variables describing the deploy. */
  env: NodeJS.ProcessEnv;
  /** Time a stopped command's process group gets between SIGTERM and SIGKILL. */
  killGraceMs: number;
}

export type StepResult = { ok: true; exitCode?: number } | { ok: false; exitCode?: number; error: string };

/**
 * One kind of deploy step (one file per kind in this folder, listed in index.ts). A step must be safe to
 * run again from its start: a deploy resumed after a crash re-runs the step that was running.
 */
export interface StepKind<C extends StepConfig> {
  kind: C['kind'];
  /** A short name for logs and the step list, e.g. `command "build"`. */
  describe(step: C): string;
  /** Never throws: a failure is a result with a message saying what happened and what to do. */
  run(ctx: StepContext, step: C): Promise<StepResult>;
}
