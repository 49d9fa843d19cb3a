import { runAgentCli } from '../../agent/cli';
import { resolveDataDir } from '../../agent/data-dir';
import { version } from '../../agent/version';
import { runDesktop } from './desktop';
import { say, type AppPaths, type CliIo } from './io';
import { DEFAULT_WEB_PORT, runWeb } from './web';

const USAGE = `Usage: lifeline [command] [options]

Commands:
  desktop (default)   Open the desktop control center; without an Electron runtime, the web console.
  web                 Serve the control center to a browser on this machine (one-time token link).
  agent               Run the headless agent on a server (HTTP /health and /health/ready).

Options for web:
  --host H            Address to bind (default 127.0.0.1).
  --port P            Port (default ${DEFAULT_WEB_PORT}; 0 picks a free one).
  --allow-remote      Allow a non-loopback --host; needs --tls-cert and --tls-key.
  --tls-cert FILE, --tls-key FILE   Serve HTTPS with this PEM certificate and key.

Options for agent:
  --config FILE       YAML or JSON config (default: built-in defaults).
  --host H, --port P  Address and port of the agent's HTTP server (default 127.0.0.1:8787).

  -h, --help          Show this help.   -v, --version   Show the version.

Data lives in $LIFELINE_HOME, else ${resolveDataDir({}, process.platform)}.`;

/** Runs the command line and resolves with the exit code (see EXIT_USAGE in io.ts). */
export async function runCli(argv: string[], io: CliIo, paths: AppPaths): Promise<number> {
  const [first, ...rest] = argv;
  if (first === 'agent') return runAgentCli(rest, io);
  if (first === '-v' || first === '--version') return say(io, version);
  if (wantsHelp(argv)) return say(io, USAGE);
  switch (first) {
    case undefined:
      return runDesktop([], io, paths);
    case 'desktop':
      return runDesktop(rest, io, paths);
    case 'web':
      return runWeb(rest, io, paths);
    default:
      if (first.startsWith('-')) return runDesktop(argv, io, paths);
      io.err(`lifeline: unknown command "${first}". Run "lifeline --help" for the commands.`);
      return 2;
  }
}

/** --help anywhere among the options; what follows `--` belongs to a remote command, not to us. */
function wantsHelp(argv: string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).some((arg) => arg === '--help' || arg === '-h' || arg === 'help');
}
