import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ComposeStepConfig } from '../types';
import type { StepKind } from './contract';
import { runArgv } from './run-argv';

// The names Compose itself looks for, in its order of preference.
const DEFAULT_FILES = ['compose.yaml', 'compose.yml', 'docker-compose.yaml', 'docker-compose.yml'];

/** The Compose file a step uses in a release, or undefined when the release has none. */
export function composeFileOf(releaseDir: string, step: ComposeStepConfig): string | undefined {
  if (step.file !== undefined) {
    const file = resolve(releaseDir, step.file);
    return existsSync(file) ? file : undefined;
  }
  return DEFAULT_FILES.map((name) => join(releaseDir, name)).find((file) => existsSync(file));
}

/**
 * The Compose project name of a site. It must not change between releases (by default Compose names the
 * project after the folder, and every release has its own), or `up` would start a second copy of the
 * services instead of replacing the first. Compose accepts lowercase letters, digits, '-' and '_'.
 */
export function composeProject(siteId: string): string {
  const name = siteId.toLowerCase().replace(/[^a-z0-9_-]/g, '-');
  return /^[a-z0-9]/.test(name) ? name : `site${name}`;
}

/** `docker compose up --detach` of the release's Compose file, under the site's fixed project name. */
export const composeStep: StepKind<ComposeStepConfig> = {
  kind: 'compose',
  adoptable: true,
  describe: () => 'compose up',
  async run(ctx, step) {
    const file = composeFileOf(ctx.releaseDir, step);
    if (!file) {
      const looked = step.file ?? DEFAULT_FILES.join(', ');
      return { ok: false, error: `No Compose file in ${ctx.releaseDir} (looked for ${looked}). Add one to the repository, or set file in the site's compose step.` };
    }
    return runArgv(ctx, {
      argv: ['docker', 'compose', '--project-name', composeProject(ctx.site.id), '--file', file, 'up', '--detach', '--remove-orphans'],
      cwd: ctx.releaseDir,
      timeoutSeconds: step.timeoutSeconds,
    });
  },
};
