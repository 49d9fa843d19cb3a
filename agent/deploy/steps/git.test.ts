import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestRepository } from '../testing/git-repo';
import { testRequest, testSite, testStepContext } from '../testing/site';
import { gitStep } from './git';

let dir: string;
let upstream: TestRepository;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lifeline-git-step-'));
  upstream = new TestRepository(join(dir, 'upstream'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const head = (folder: string) => execFileSync('git', ['-C', folder, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();

describe('the git step', () => {
  it('checks out the exact commit of the request, not the branch head', async () => {
    const first = upstream.commit({ 'app.txt': 'one\n' });
    upstream.commit({ 'app.txt': 'two\n' });
    const site = testSite(dir, upstream.dir);
    const ctx = testStepContext(dir, site, testRequest(first));
    expect(await gitStep.run(ctx, { kind: 'git' })).toEqual({ ok: true, exitCode: 0 });
    expect(head(ctx.releaseDir)).toBe(first);
    expect(readFileSync(join(ctx.releaseDir, 'app.txt'), 'utf8')).toBe('one\n');
    expect(existsSync(join(site.dir, 'repo', 'HEAD'))).toBe(true);
    ctx.log.close();
  });

  it('fetches new commits into the existing mirror and starts the release folder over when run again', async () => {
    const site = testSite(dir, upstream.dir);
    const first = upstream.commit({ 'app.txt': 'one\n' });
    const ctx = testStepContext(dir, site, testRequest(first));
    await gitStep.run(ctx, { kind: 'git' });
    const second = upstream.commit({ 'app.txt': 'two\n' });
    const again = { ...ctx, request: testRequest(second) };
    expect((await gitStep.run(again, { kind: 'git' })).ok).toBe(true);
    expect(head(ctx.releaseDir)).toBe(second);
    expect(readFileSync(join(ctx.releaseDir, 'app.txt'), 'utf8')).toBe('two\n');
    ctx.log.close();
  });

  it('says so when the commit is not in the repository', async () => {
    upstream.commit({ 'app.txt': 'one\n' });
    const missing = '0123456789abcdef0123456789abcdef01234567';
    const ctx = testStepContext(dir, testSite(dir, upstream.dir), testRequest(missing));
    expect(await gitStep.run(ctx, { kind: 'git' })).toEqual({
      ok: false,
      error: `Commit ${missing} is not in ${upstream.dir}, not even when asked for by id. It may have been force-pushed away; deploy a commit that exists.`,
    });
    ctx.log.close();
  });

  it('says what to check when the repository cannot be fetched', async () => {
    const commit = upstream.commit({ 'app.txt': 'one\n' });
    const ctx = testStepContext(dir, testSite(dir, join(dir, 'nowhere')), testRequest(commit));
    const result = await gitStep.run(ctx, { kind: 'git' });
    expect(result).toMatchObject({ ok: false, exitCode: 128 });
    expect(!result.ok && result.error).toContain(`Fetching ${join(dir, 'nowhere')} failed: check the site's repository setting`);
    ctx.log.close();
    expect(readFileSync(join(dir, 'step.log'), 'utf8')).toContain('does not appear to be a git repository');
  });

  it('refuses anything but a full commit id before touching the disk', async () => {
    const ctx = testStepContext(dir, testSite(dir, upstream.dir), testRequest('main'));
    expect(await gitStep.run(ctx, { kind: 'git' })).toEqual({
      ok: false,
      error: '"main" is not a full commit id (40 lowercase hex digits); send the exact commit to deploy.',
    });
    expect(existsSync(join(dir, 'site'))).toBe(false);
    ctx.log.close();
  });
});
