import { join } from 'node:path';
import { StepLog } from '../step-log';
import type { StepContext } from '../steps';
import type { DeployRequest, SiteConfig } from '../types';

export function testSite(root: string, repository: string, overrides: Partial<SiteConfig> = {}): SiteConfig {
  return {
    id: 'web',
    dir: join(root, 'site'),
    repository,
    branches: { main: 'production' },
    steps: [{ kind: 'git' }],
    queue: 'coalesce-latest',
    timeoutSeconds: 120,
    releasesKept: 5,
    ...overrides,
  };
}

export function testRequest(commit: string, overrides: Partial<DeployRequest> = {}): DeployRequest {
  return { siteId: 'web', environment: 'production', repository: 'acme/web', branch: 'main', commit, event: 'push', ...overrides };
}

/** A step context as the runner makes one for a fresh run, logging to `root/step.log`. */
export function testStepContext(root: string, site: SiteConfig, request: DeployRequest, overrides: Partial<StepContext> = {}): StepContext {
  return {
    site,
    request,
    releaseDir: join(site.dir, 'releases', 'test'),
    signal: new AbortController().signal,
    log: new StepLog(join(root, 'step.log')),
    env: process.env,
    killGraceMs: 500,
    run: { id: `test-${process.pid}` },
    ...overrides,
  };
}
