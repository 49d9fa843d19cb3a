import { adoptProcess, runProcess, type ProcessResult } from '../process';
import { STEP_RUN_VARIABLE } from '../step-runs';
import type { StepContext, StepResult } from './contract';

export interface ArgvRun {
  argv: readonly string[];
  cwd: string;
  env?: NodeJS.ProcessEnv;
  timeoutSeconds?: number;
  /** Overrides the step's signal (a health check has its own deadline on top of it). */
  signal?: AbortSignal;
}

/**
 * Runs a program for a step, its output going to the step's file, and says how it ended. When the
 * step's run was started by an agent that is gone, its program is adopted instead of started again.
 */
export async function runArgv(ctx: StepContext, run: ArgvRun): Promise<StepResult> {
  const signal = run.signal ?? ctx.signal;
  const timeoutMs = run.timeoutSeconds === undefined ? undefined : run.timeoutSeconds * 1000;
  const { adopt, statusFile } = ctx.run;
  let result: ProcessResult;
  if (adopt) {
    if (statusFile === undefined) throw new Error('only a supervised program can be adopted, and this step has no status file');
    result = await adoptProcess({
      leader: adopt.leader,
      statusFile,
      signal,
      timeoutMs: timeoutMs === undefined ? undefined : timeoutMs - adopt.elapsedMs,
      killGraceMs: ctx.killGraceMs,
    });
  } else {
    ctx.log.note(`$ ${showArgv(run.argv)}`);
    result = await runProcess({
      argv: run.argv,
      cwd: run.cwd,
      // Last, so that no step's own env can take the run's id away.
      env: { ...(run.env ?? ctx.env), [STEP_RUN_VARIABLE]: ctx.run.id },
      output: ctx.log.fd,
      statusFile,
      signal,
      timeoutMs,
      killGraceMs: ctx.killGraceMs,
    });
  }
  return stepResultOf(run.argv[0], result, run.timeoutSeconds, signal);
}

function stepResultOf(program: string, result: ProcessResult, timeoutSeconds: number | undefined, signal: AbortSignal): StepResult {
  const exitCode = result.exitCode ?? undefined;
  if (result.startError) return { ok: false, error: `${program} could not be started: ${result.startError}.` };
  if (result.timedOut) {
    return { ok: false, exitCode, error: `${program} did not finish within ${timeoutSeconds} s, so its processes were stopped. Raise timeoutSeconds of the step if it needs longer.` };
  }
  if (result.aborted) return { ok: false, exitCode, error: `${program} was stopped: ${reasonText(signal)}.` };
  if (result.exitCode === 0) return { ok: true, exitCode: 0 };
  if (result.exitSignal) return { ok: false, error: `${program} was killed by ${result.exitSignal}; its output above may say why.` };
  if (result.unreported) {
    return { ok: false, error: `${program} was killed before it could report how it ended (the agent had taken it over after a restart); its output above may say why.` };
  }
  return { ok: false, exitCode, error: `${program} exited with code ${result.exitCode}; its output above says why.` };
}

function reasonText(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason.message : 'the deploy was stopped';
}

/** The argv as one readable line; quoting is only for the reader, nothing is parsed back from it. */
export function showArgv(argv: readonly string[]): string {
  return argv.map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : JSON.stringify(arg))).join(' ');
}
