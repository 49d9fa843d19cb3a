import { parseArgs, type ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * Strict parsing of a command's arguments; a mistake comes back as one plain sentence in `error`.
 * `takes` completes the message about an argument too many, like "retry takes one job id".
 */
export function parseCommandArgs<O extends Options>(
  argv: string[],
  options: O,
  allowPositionals: boolean,
  takes: string,
): ReturnType<typeof parseArgs<{ args: string[]; options: O; strict: true; allowPositionals: boolean }>> | { error: string } {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals });
  } catch (error) {
    return { error: describeArgError(error as NodeJS.ErrnoException, takes) };
  }
}

// node:util's messages suggest "--" tricks that do not apply here; each case gets its own plain sentence.
function describeArgError(error: NodeJS.ErrnoException, takes: string): string {
  const quoted = /'([^']*)'/.exec(error.message)?.[1] ?? '';
  switch (error.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${quoted}.`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument "${quoted}" (${takes}).`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      const option = quoted.replace(/ <value>$/, '').replace(/^-h, /, '');
      return /does not take/.test(error.message) ? `${option} takes no value.` : `${option} needs a value.`;
    }
    default:
      return `${error.message}.`;
  }
}
