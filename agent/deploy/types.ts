// The shapes the deploy runner reads, from their owners: a site's settings from the config schema, a
// job's request from the queue.
import type { StepConfig } from '../config';

export type { SiteConfig, StepConfig } from '../config';
export type { DeployRequest, QueuePolicy } from '../queue/types';

export type GitStepConfig = Extract<StepConfig, { kind: 'git' }>;
export type CommandStepConfig = Extract<StepConfig, { kind: 'command' }>;
export type ComposeStepConfig = Extract<StepConfig, { kind: 'compose' }>;
export type HealthStepConfig = Extract<StepConfig, { kind: 'health' }>;
export type StepKindName = StepConfig['kind'];
