import type { RunParams } from '../protocol/messages';
import type { CommandsOptions } from './options';

/** What to spawn once the policy let a command through. */
export interface Permitted {
  argv: string[];
  cwd: string | undefined;
  env: Record<string, string>;
  timeoutMs: number;
}

export type Decision = { permitted: Permitted } | { refused: string };

/**
 * Throws when the policy cannot mean what its author wanted; the agent then refuses to start rather than
 * guess (a "**" in the middle would otherwise silently allow more, or less, than written).
 */
export function checkPolicy(options: Pick<CommandsOptions, 'allow' | 'named'>): void {
  options.allow?.forEach((rule, index) => {
    if (rule.argv.length === 0) throw new Error(`commands.allow[${index}] has an empty argv; give at least the program, e.g. ["systemctl", "status", "*"].`);
    const rest = rule.argv.indexOf('**');
    if (rest !== -1 && rest !== rule.argv.length - 1) {
      throw new Error(`commands.allow[${index}] has "**" before its end; "**" stands for all remaining arguments, so put it last.`);
    }
  });
  for (const [name, command] of Object.entries(options.named ?? {})) {
    if (command.argv.length === 0 || command.argv[0] === '') throw new Error(`commands.named.${name} has no program; give its argv, e.g. ["systemctl", "restart", "web"].`);
  }
}

/** Whether `argv` fits one allow pattern. */
export function matchesPattern(pattern: readonly string[], argv: readonly string[]): boolean {
  for (let i = 0; i < pattern.length; i += 1) {
    if (pattern[i] === '**') return true;
    if (i >= argv.length) return false;
    if (pattern[i] !== '*' && pattern[i] !== argv[i]) return false;
  }
  return pattern.length === argv.length;
}

/**
 * Applies the agent's command policy to a request: a named command comes from the config as written
 * (the caller cannot change its cwd or env); an argv must fit an allow pattern when there is a list, and
 * then the caller cannot set the environment either, since PATH or LD_PRELOAD would change what an
 * allowed program does. The timeout is the caller's when it is below the agent's limit.
 */
export function decide(params: RunParams, options: CommandsOptions): Decision {
  if (params.named !== undefined) {
    const named = options.named?.[params.named];
    if (!named) {
      const known = Object.keys(options.named ?? {});
      return {
        refused:
          `Refused: the agent has no command named "${params.named}" (commands.named ${known.length ? `holds ${known.map((n) => `"${n}"`).join(', ')}` : 'is empty'}). ` +
          `Add it to the agent's config, or send an argv.`,
      };
    }
    if (params.cwd !== undefined || params.env !== undefined) {
      return {
        refused: `Refused: the named command "${params.named}" runs with the cwd and environment in the agent's config (commands.named); send it without cwd and env.`,
      };
    }
    const limit = named.timeoutSeconds ?? options.timeoutSeconds;
    return { permitted: { argv: named.argv, cwd: named.cwd, env: named.env ?? {}, timeoutMs: timeoutMs(params, limit) } };
  }

  const argv = params.argv ?? [];
  if (options.allow) {
    if (!options.allow.some((rule) => matchesPattern(rule.argv, argv))) {
      return {
        refused:
          `Refused by the agent's allow list (commands.allow): ${JSON.stringify(argv)} fits none of its ${options.allow.length} pattern(s) ` +
          `${options.allow.map((rule) => JSON.stringify(rule.argv)).join(', ')}. Add a pattern to commands.allow, or use a named command.`,
      };
    }
    if (params.env !== undefined) {
      return {
        refused:
          `Refused by the agent's allow list (commands.allow): while it is in force the caller cannot set the environment ` +
          `(${Object.keys(params.env).join(', ')}), since that could change what an allowed program does. Send it without env, or define a named command with that env.`,
      };
    }
  }
  return { permitted: { argv, cwd: params.cwd, env: params.env ?? {}, timeoutMs: timeoutMs(params, options.timeoutSeconds) } };
}

function timeoutMs(params: RunParams, limitSeconds: number): number {
  return Math.min(params.timeoutSeconds ?? limitSeconds, limitSeconds) * 1000;
}
