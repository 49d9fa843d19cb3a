import type { StepConfig, StepKindName } from '../types';
import { commandStep } from './command';
import { composeStep } from './compose';
import type { StepContext, StepKind, StepResult } from './contract';
import { gitStep } from './git';
import { healthStep } from './health';

export type { StepContext, StepKind, StepResult, StepRunContext } from './contract';

type StepKinds = { [K in StepKindName]: StepKind<Extract<StepConfig, { kind: K }>> };

/** Every kind of deploy step, by the `kind` a site's step names. */
export const stepKinds: StepKinds = {
  git: gitStep,
  command: commandStep,
  compose: composeStep,
  health: healthStep,
};

function kindOf<C extends StepConfig>(step: C): StepKind<C> {
  // TypeScript cannot follow that the entry for step.kind takes exactly this member of the union.
  return stepKinds[step.kind] as unknown as StepKind<C>;
}

export function describeStep(step: StepConfig): string {
  return kindOf(step).describe(step);
}

/** Whether a step's program is adopted after an agent crash instead of started again (see StepKind). */
export function isAdoptable(step: StepConfig): boolean {
  return kindOf(step).adoptable === true;
}

/** Runs a step of any kind; an unexpected exception becomes a failed result, so a deploy never hangs on one. */
export async function runStep(ctx: StepContext, step: StepConfig): Promise<StepResult> {
  try {
    return await kindOf(step).run(ctx, step);
  } catch (error) {
    return { ok: false, error: `The ${step.kind} step failed unexpectedly: ${error instanceof Error ? error.message : String(error)}.` };
  }
}
