import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { isCommitId, repoDir } from '../releases';
import type { GitStepConfig } from '../types';
import type { StepContext, StepKind, StepResult } from './contract';
import { runArgv } from './run-argv';

/**
 * Fetches the site's repository into a bare mirror (site.dir/repo) and checks the job's exact commit out
 * into the release folder, as a local clone of the mirror (git hard-links its objects, so it is cheap).
 * Running it again starts the release folder over, so a resumed deploy gets a clean checkout.
 */
export const gitStep: StepKind<GitStepConfig> = {
  kind: 'git',
  describe: () => 'git checkout',
  async run(ctx) {
    const { site, request, releaseDir } = ctx;
    if (!isCommitId(request.commit)) {
      return { ok: false, error: `"${request.commit}" is not a full commit id (40 lowercase hex digits); send the exact commit to deploy.` };
    }
    const repo = repoDir(site.dir);
    // Never wait for a password prompt nobody will answer.
    const env = { ...ctx.env, GIT_TERMINAL_PROMPT: '0' };
    const git = (args: string[]) => runArgv(ctx, { argv: ['git', ...args], cwd: site.dir, env });

    mkdirSync(site.dir, { recursive: true });
    if (!existsSync(join(repo, 'HEAD'))) {
      rmSync(repo, { recursive: true, force: true });
      const init = await git(['init', '--quiet', '--bare', repo]);
      if (!init.ok) return init;
    }
    const fetched = await git(['-C', repo, 'fetch', '--quiet', '--prune', '--', site.repository, '+refs/heads/*:refs/heads/*', '+refs/tags/*:refs/tags/*']);
    if (!fetched.ok) return fetchFailed(fetched, site.repository);

    const commitRef = `${request.commit}^{commit}`;
    if (!(await git(['-C', repo, 'rev-parse', '--quiet', '--verify', commitRef])).ok) {
      // Not on any branch or tag head: some servers still hand out a reachable commit asked for by id.
      const byId = await git(['-C', repo, 'fetch', '--quiet', '--', site.repository, request.commit]);
      if (!byId.ok || !(await git(['-C', repo, 'rev-parse', '--quiet', '--verify', commitRef])).ok) {
        return {
          ok: false,
          error: `Commit ${request.commit} is not in ${site.repository}, not even when asked for by id. It may have been force-pushed away; deploy a commit that exists.`,
        };
      }
    }

    rmSync(releaseDir, { recursive: true, force: true });
    const cloned = await git(['clone', '--quiet', '--no-checkout', '--', repo, releaseDir]);
    if (!cloned.ok) return cloned;
    return git(['-C', releaseDir, 'checkout', '--quiet', '--detach', request.commit]);
  },
};

function fetchFailed(result: StepResult & { ok: false }, repository: string): StepResult {
  return {
    ...result,
    error: `${result.error} Fetching ${repository} failed: check the site's repository setting and that the agent's user can read it (for SSH, that its key is accepted).`,
  };
}
