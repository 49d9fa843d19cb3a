/**
 * `lifeline exec|run … -- ARGV…`: what comes before `--` is ours (options, the server), what follows is
 * the remote command, untouched, even when it looks like one of our options.
 */
export function splitAtRemoteCommand(argv: readonly string[]): { ours: string[]; command: string[] } {
  const end = argv.indexOf('--');
  return end === -1 ? { ours: [...argv], command: [] } : { ours: argv.slice(0, end), command: argv.slice(end + 1) };
}
