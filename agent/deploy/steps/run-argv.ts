import { runProcess } from '../process';
import type { StepContext, StepResult } from './contract';

export interface ArgvRun {
  argv: readonly string[];
  cwd: string;
  env?: NodeJS.ProcessEnv;
  timeoutSeconds?: number;
  /** Overrides the step's signal (a health check has its own deadline on top of it). */
  signal?: AbortSignal;
}

/** Runs a program for a step, its output going to the job's log, and says how it ended. */
export async function runArgv(ctx: StepContext, run: ArgvRun): Promise<StepResult> {
  ctx.log.note(`$ ${showArgv(run.argv)}`);
  const result = await runProcess({
    argv: run.argv,
    cwd: run.cwd,
    env: run.env ?? ctx.env,
    signal: run.signal ?? ctx.signal,
    timeoutMs: run.timeoutSeconds === undefined ? undefined : run.timeoutSeconds * 1000,
    killGraceMs: ctx.killGraceMs,
    onOutput: (text) => ctx.log.write(text),
  });
  const program = run.argv[0];
  const exitCode = result.exitCode ?? undefined;
  if (result.startError) return { ok: false, error: `${program} could not be started: ${result.startError}.` };
  if (result.timedOut) {
    return { ok: false, exitCode, error: `${program} did not finish within ${run.timeoutSeconds} s, so its processes were stopped. Raise timeoutSeconds of the step if it needs longer.` };
  }
  if (result.aborted) return { ok: false, exitCode, error: `${program} was stopped: ${reasonText(run.signal ?? ctx.signal)}.` };
  if (result.exitCode === 0) return { ok: true, exitCode: 0 };
  if (result.exitSignal) return { ok: false, error: `${program} was killed by ${result.exitSignal}; its output above may say why.` };
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
