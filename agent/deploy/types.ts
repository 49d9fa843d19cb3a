// The shapes the deploy runner reads: a site's settings and the request of one job. They match the lead's
// design for agent/config.ts (sites) and agent/queue (jobs); once those exist, these become re-exports.

export type QueuePolicy = 'coalesce-latest' | 'fifo' | 'reject-if-busy';

export interface GitStepConfig {
  kind: 'git';
}

export interface CommandStepConfig {
  kind: 'command';
  name?: string;
  argv: string[];
  /** Relative to the release folder (the default working directory). */
  cwd?: string;
  env?: Record<string, string>;
  timeoutSeconds?: number;
}

export interface ComposeStepConfig {
  kind: 'compose';
  /** Relative to the release folder; without it, Compose's own default names are looked for there. */
  file?: string;
  timeoutSeconds?: number;
}

/** Exactly one of `url` and `argv`. */
export interface HealthStepConfig {
  kind: 'health';
  url?: string;
  argv?: string[];
  retries: number;
  intervalSeconds: number;
  deadlineSeconds: number;
}

export type StepConfig = GitStepConfig | CommandStepConfig | ComposeStepConfig | HealthStepConfig;
export type StepKindName = StepConfig['kind'];

export interface SiteConfig {
  id: string;
  /** Absolute; the site's home: `repo/`, `releases/` and the `current` link live in it. */
  dir: string;
  repository: string;
  branches: Record<string, string>;
  steps: StepConfig[];
  queue: QueuePolicy;
  timeoutSeconds: number;
  releasesKept: number;
}

export interface DeployRequest {
  siteId: string;
  environment: string;
  repository: string;
  branch: string;
  /** 40 hex digits: the exact commit to deploy. */
  commit: string;
  event: string;
  sender?: string;
  hookId?: string;
  deliveryId?: string;
}
