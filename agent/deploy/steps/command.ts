import { basename, resolve } from 'node:path';
import type { CommandStepConfig } from '../types';
import type { StepKind } from './contract';
import { runArgv } from './run-argv';

/**
 * Runs a program with an argv array (never through a shell), by default in the release folder. A site
 * that wants a script names the file as argv[0]; data from the webhook reaches it only through the
 * LIFELINE_* environment variables, never spliced into a command line.
 */
export const commandStep: StepKind<CommandStepConfig> = {
  kind: 'command',
  adoptable: true,
  describe: (step) => `command "${step.name ?? basename(step.argv[0] ?? '')}"`,
  run(ctx, step) {
    return runArgv(ctx, {
      argv: step.argv,
      cwd: step.cwd === undefined ? ctx.releaseDir : resolve(ctx.releaseDir, step.cwd),
      env: { ...ctx.env, ...step.env },
      timeoutSeconds: step.timeoutSeconds,
    });
  },
};
