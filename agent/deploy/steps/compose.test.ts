import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { installFakeDocker } from '../testing/fake-docker';
import { testRequest, testSite, testStepContext } from '../testing/site';
import { composeProject, composeStep } from './compose';

// There is no Docker daemon here: these tests check the argv the step runs, through a `docker` program
// placed first on PATH that records its calls.

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lifeline-compose-step-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function context(siteId = 'web') {
  const docker = installFakeDocker(dir);
  const site = testSite(dir, 'unused', { id: siteId });
  const ctx = testStepContext(dir, site, testRequest('a'.repeat(40), { siteId }), { env: { ...process.env, PATH: `${docker.bin}:${process.env.PATH}` } });
  mkdirSync(ctx.releaseDir, { recursive: true });
  return { ctx, docker };
}

describe('the compose step', () => {
  it("runs docker compose up under the site's fixed project name with the release's default file", async () => {
    const { ctx, docker } = context();
    writeFileSync(join(ctx.releaseDir, 'docker-compose.yml'), 'services: {}\n');
    writeFileSync(join(ctx.releaseDir, 'compose.yaml'), 'services: {}\n');
    expect(await composeStep.run(ctx, { kind: 'compose' })).toEqual({ ok: true, exitCode: 0 });
    ctx.log.close();
    expect(docker.calls()).toEqual([
      {
        argv: ['compose', '--project-name', 'web', '--file', join(ctx.releaseDir, 'compose.yaml'), 'up', '--detach', '--remove-orphans'],
        cwd: ctx.releaseDir,
      },
    ]);
  });

  it('uses the file the step names, relative to the release', async () => {
    const { ctx, docker } = context();
    mkdirSync(join(ctx.releaseDir, 'deploy'));
    writeFileSync(join(ctx.releaseDir, 'deploy', 'prod.yml'), 'services: {}\n');
    await composeStep.run(ctx, { kind: 'compose', file: 'deploy/prod.yml' });
    ctx.log.close();
    expect(docker.calls()[0].argv).toContain(join(ctx.releaseDir, 'deploy', 'prod.yml'));
  });

  it('fails with what to do when the release has no Compose file, without running docker', async () => {
    const { ctx, docker } = context();
    expect(await composeStep.run(ctx, { kind: 'compose' })).toEqual({
      ok: false,
      error: `No Compose file in ${ctx.releaseDir} (looked for compose.yaml, compose.yml, docker-compose.yaml, docker-compose.yml). Add one to the repository, or set file in the site's compose step.`,
    });
    ctx.log.close();
    expect(docker.calls()).toEqual([]);
  });

  it('fails when docker compose fails', async () => {
    const { ctx } = context();
    writeFileSync(join(ctx.releaseDir, 'compose.yaml'), 'services: {}\n');
    const result = await composeStep.run({ ...ctx, env: { ...ctx.env, FAKE_DOCKER_EXIT: '1' } }, { kind: 'compose' });
    ctx.log.close();
    expect(result).toEqual({ ok: false, exitCode: 1, error: 'docker exited with code 1; its output above says why.' });
  });

  it('makes a project name Compose accepts from any site id', () => {
    expect(composeProject('Shop.Front_end-2')).toBe('shop-front_end-2');
    expect(composeProject('_internal')).toBe('site_internal');
  });
});
