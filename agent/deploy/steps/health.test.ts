import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HealthServer } from '../testing/health-server';
import { waitFor } from '../testing/processes';
import { testRequest, testSite, testStepContext } from '../testing/site';
import type { HealthStepConfig } from '../types';
import { healthStep } from './health';

let dir: string;
let server: HealthServer;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lifeline-health-step-'));
  server = await HealthServer.start();
});
afterEach(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

function context() {
  const ctx = testStepContext(dir, testSite(dir, 'unused'), testRequest('a'.repeat(40)));
  mkdirSync(ctx.releaseDir, { recursive: true });
  return ctx;
}

const quick = (target: Partial<HealthStepConfig>): HealthStepConfig => ({ kind: 'health', retries: 3, intervalSeconds: 0.02, deadlineSeconds: 30, ...target });

describe('the health step', () => {
  it('passes on the first 2xx answer, after failed tries', async () => {
    server.answer = () => (server.hits === 1 ? 503 : 204);
    const ctx = context();
    expect(await healthStep.run(ctx, quick({ url: server.url }))).toEqual({ ok: true });
    ctx.log.close();
    expect(server.hits).toBe(2);
    const text = readFileSync(join(dir, 'step.log'), 'utf8');
    expect(text).toContain(`health check 1/4: GET ${server.url} answered 503`);
    expect(text).toContain(`health check 2/4: GET ${server.url} answered 204`);
  });

  it('fails after 1 + retries tries and names the last answer', async () => {
    server.status = 500;
    const ctx = context();
    const result = await healthStep.run(ctx, quick({ url: server.url }));
    ctx.log.close();
    expect(server.hits).toBe(4);
    expect(result).toEqual({
      ok: false,
      error: `The site did not become healthy after 4 tries 0.02 s apart; last result: GET ${server.url} answered 500. Check the site's own log, or give it more time (retries, intervalSeconds, deadlineSeconds).`,
    });
  });

  it('does not count a redirect as healthy', async () => {
    server.status = 302;
    const ctx = context();
    const result = await healthStep.run(ctx, quick({ url: server.url, retries: 0 }));
    ctx.log.close();
    expect(result.ok).toBe(false);
  });

  it('gives up at its deadline', async () => {
    server.status = 503;
    const ctx = context();
    const result = await healthStep.run(ctx, quick({ url: server.url, retries: 1_000, intervalSeconds: 0.05, deadlineSeconds: 0.3 }));
    ctx.log.close();
    expect(!result.ok && result.error).toMatch(/^The site did not become healthy within its deadline of 0.3 s; last result: /);
    expect(server.hits).toBeLessThan(1_000);
  });

  it('runs a command instead when given argv, healthy on exit 0', async () => {
    const ctx = context();
    expect(await healthStep.run(ctx, quick({ argv: ['sh', '-c', 'test -d "$PWD"'] }))).toEqual({ ok: true });
    const failed = await healthStep.run(ctx, quick({ argv: ['sh', '-c', 'exit 2'], retries: 1 }));
    ctx.log.close();
    expect(!failed.ok && failed.error).toContain('last result: sh exited with code 2');
  });

  it('says what is wrong with a step that has no usable target', async () => {
    const ctx = context();
    expect(await healthStep.run(ctx, quick({}))).toMatchObject({ ok: false, error: expect.stringContaining('needs exactly one of url') });
    expect(await healthStep.run(ctx, quick({ url: 'ftp://example.com/' }))).toMatchObject({ ok: false, error: expect.stringContaining('is not http or https') });
    expect(await healthStep.run(ctx, quick({ url: 'not a url' }))).toMatchObject({ ok: false, error: expect.stringContaining('is not a URL') });
    ctx.log.close();
  });

  it('stops when the deploy is stopped', async () => {
    server.status = 503;
    const controller = new AbortController();
    const ctx = { ...context(), signal: controller.signal };
    const running = healthStep.run(ctx, quick({ url: server.url, retries: 1_000, intervalSeconds: 5 }));
    await waitFor('the first check', () => readFileSync(ctx.log.file, 'utf8').includes('health check 1/'));
    controller.abort();
    const result = await running;
    ctx.log.close();
    expect(result).toEqual({ ok: false, error: `The health check was stopped (last result: GET ${server.url} answered 503).` });
  });
});
