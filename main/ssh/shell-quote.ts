// An SSH exec request carries one string, which the server hands to the user's login shell (`$SHELL -c`).
// To run an argv exactly, each argument is quoted for a POSIX shell (sh, dash, bash, ksh, zsh): inside
// single quotes nothing is special except the closing quote, which is written as '\'' (end the quoted
// part, an escaped quote, reopen). Accounts whose login shell is fish or csh are not POSIX and not served.

// Words made only of these need no quotes: nothing here is special to a POSIX shell in any position.
// `=` is left out: an unquoted `NAME=value` in first position would be taken as an assignment.
const PLAIN = /^[A-Za-z0-9_@+:,./-]+$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function quoteShellArg(arg: string): string {
  if (arg.includes('\0')) throw new Error('An argument contains a NUL byte, which no program can receive. Remove it from the command.');
  if (PLAIN.test(arg)) return arg;
  return `'${arg.replaceAll("'", "'\\''")}'`;
}

/**
 * The command line that runs `argv` with `env` added to its environment. The variables are shell
 * assignments in front of the command, not SSH "env" requests, which OpenSSH ignores unless the server
 * lists them in AcceptEnv.
 */
export function shellCommand(argv: readonly string[], env: Readonly<Record<string, string>> = {}): string {
  if (argv.length === 0) throw new Error('The command is empty: give at least the program to run.');
  const assignments = Object.entries(env).map(([name, value]) => {
    if (!ENV_NAME.test(name)) throw new Error(`"${name}" is not a valid environment variable name: use letters, digits and "_", not starting with a digit.`);
    return `${name}=${quoteShellArg(value)}`;
  });
  return [...assignments, ...argv.map(quoteShellArg)].join(' ');
}
