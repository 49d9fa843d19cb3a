import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testRequest, testSite, testStepContext } from '../testing/site';
import { commandStep } from './command';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lifeline-command-step-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function context() {
  const ctx = testStepContext(dir, testSite(dir, 'unused'), testRequest('a'.repeat(40)), {
    env: { PATH: process.env.PATH, LIFELINE_COMMIT: 'a'.repeat(40) },
  });
  mkdirSync(join(ctx.releaseDir, 'app'), { recursive: true });
  return ctx;
}

describe('the command step', () => {
  it('runs its argv in the release folder (or a folder inside it) with the deploy environment plus its own', async () => {
    const ctx = context();
    const result = await commandStep.run(ctx, {
      kind: 'command',
      argv: ['sh', '-c', 'echo "$PWD $LIFELINE_COMMIT $GREETING"'],
      cwd: 'app',
      env: { GREETING: 'hi' },
    });
    ctx.log.close();
    expect(result).toEqual({ ok: true, exitCode: 0 });
    expect(readFileSync(join(dir, 'step.log'), 'utf8')).toContain(`${join(ctx.releaseDir, 'app')} ${'a'.repeat(40)} hi`);
  });

  it('reports the exit code and where to look', async () => {
    const ctx = context();
    expect(await commandStep.run(ctx, { kind: 'command', argv: ['sh', '-c', 'exit 7'] })).toEqual({
      ok: false,
      exitCode: 7,
      error: 'sh exited with code 7; its output above says why.',
    });
    ctx.log.close();
  });

  it('stops the command at its own timeout', async () => {
    const ctx = context();
    const result = await commandStep.run(ctx, { kind: 'command', argv: ['sleep', '300'], timeoutSeconds: 0.2 });
    ctx.log.close();
    expect(result).toEqual({
      ok: false,
      error: 'sleep did not finish within 0.2 s, so its processes were stopped. Raise timeoutSeconds of the step if it needs longer.',
    });
  });

  it('is named after its name, or its program', () => {
    expect(commandStep.describe({ kind: 'command', name: 'build', argv: ['npm', 'run', 'build'] })).toBe('command "build"');
    expect(commandStep.describe({ kind: 'command', argv: ['./scripts/deploy.sh'] })).toBe('command "deploy.sh"');
  });
});
