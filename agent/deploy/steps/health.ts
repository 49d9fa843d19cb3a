import { basename } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { HealthStepConfig } from '../types';
import type { StepContext, StepKind, StepResult } from './contract';
import { runArgv } from './run-argv';

type Probe = { ok: true; detail: string } | { ok: false; detail: string };

/**
 * The health gate: a URL that must answer 2xx, or a command that must exit 0. It is tried up to
 * 1 + retries times, intervalSeconds apart, and gives up when deadlineSeconds have passed.
 */
export const healthStep: StepKind<HealthStepConfig> = {
  kind: 'health',
  describe: (step) => (step.url !== undefined ? `health GET ${step.url}` : `health ${basename(step.argv?.[0] ?? '')}`),
  async run(ctx, step) {
    const target = checkTarget(step);
    if (typeof target === 'string') return { ok: false, error: target };

    const deadline = new AbortController();
    const timer = setTimeout(
      () => deadline.abort(new Error(`the health check's deadline of ${step.deadlineSeconds} s passed`)),
      step.deadlineSeconds * 1000,
    );
    const signal = AbortSignal.any([ctx.signal, deadline.signal]);
    const attempts = step.retries + 1;
    let last = 'it was not tried';
    try {
      for (let attempt = 1; attempt <= attempts && !signal.aborted; attempt++) {
        const probe = target.url ? await probeUrl(target.url, signal) : await probeCommand(ctx, target.argv, signal);
        ctx.log.note(`health check ${attempt}/${attempts}: ${probe.detail}`);
        if (probe.ok) return { ok: true };
        last = probe.detail;
        if (attempt < attempts) await sleep(step.intervalSeconds * 1000, undefined, { signal }).catch(() => undefined);
      }
    } finally {
      clearTimeout(timer);
    }
    return failure(ctx.signal, deadline.signal, step, attempts, last);
  },
};

function checkTarget(step: HealthStepConfig): { url: URL } | { url?: undefined; argv: string[] } | string {
  if ((step.url === undefined) === (step.argv === undefined)) {
    return 'The health step needs exactly one of url (a URL answering 2xx when healthy) and argv (a command exiting 0); fix the site.';
  }
  if (step.argv) return { argv: step.argv };
  let url: URL;
  try {
    url = new URL(step.url ?? '');
  } catch {
    return `The health step's url "${step.url}" is not a URL; write it in full, like http://127.0.0.1:3000/health.`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return `The health step's url "${step.url}" is not http or https; give the URL of an HTTP endpoint.`;
  }
  return { url };
}

async function probeUrl(url: URL, signal: AbortSignal): Promise<Probe> {
  try {
    // A redirect is not a healthy answer: it usually means a login page or a wrong path.
    const response = await fetch(url, { signal, redirect: 'manual' });
    await response.body?.cancel();
    const detail = `GET ${url.href} answered ${response.status}`;
    return { ok: response.status >= 200 && response.status < 300, detail };
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : '';
    return { ok: false, detail: `GET ${url.href} failed: ${error instanceof Error ? error.message : String(error)}${cause}` };
  }
}

async function probeCommand(ctx: StepContext, argv: string[], signal: AbortSignal): Promise<Probe> {
  const result = await runArgv(ctx, { argv, cwd: ctx.releaseDir, signal });
  if (result.ok) return { ok: true, detail: `${argv[0]} exited with code 0` };
  const detail = result.exitCode === undefined ? result.error.replace(/\.$/, '') : `${argv[0]} exited with code ${result.exitCode}`;
  return { ok: false, detail };
}

function failure(stop: AbortSignal, deadline: AbortSignal, step: HealthStepConfig, attempts: number, last: string): StepResult {
  if (stop.aborted) return { ok: false, error: `The health check was stopped (last result: ${last}).` };
  const why = deadline.aborted ? `within its deadline of ${step.deadlineSeconds} s` : `after ${attempts} tries ${step.intervalSeconds} s apart`;
  return {
    ok: false,
    error: `The site did not become healthy ${why}; last result: ${last}. Check the site's own log, or give it more time (retries, intervalSeconds, deadlineSeconds).`,
  };
}
