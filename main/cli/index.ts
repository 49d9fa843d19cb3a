import { runAgentCli } from '../../agent/cli';
import { resolveDataDir } from '../../agent/data-dir';
import { version } from '../../agent/version';
import { StoreError } from '../../agent/store/sqlite';
import { openCliContext, type CliContext } from './context';
import { runDesktop } from './desktop';
import { runExec } from './exec';
import { refuse, say, type AppPaths, type CliIo } from './io';
import { runKeys } from './keys';
import { runLinks } from './links';
import { runRun } from './run';
import { runServers } from './servers';
import { CliRefusal } from './vault-access';
import { DEFAULT_WEB_PORT, runWeb } from './web';
import { splitAtRemoteCommand } from './remote-command';

const USAGE = `Usage: lifeline [command] [options]

Commands:
  desktop (default)   Open the desktop control center; without an Electron runtime, the web console.
  web                 Serve the control center to a browser on this machine (one-time token link).
  agent               Run the headless agent on a server (HTTP /health and /health/ready).
  keys generate [--type ed25519|rsa] [--name N] [--comment C]
  keys import FILE [--name N]        (passphrase: $LIFELINE_KEY_PASSPHRASE or a prompt)
  keys list [--json]
  servers add NAME --host H [--port P] [--user U] [--key KEYNAME | --ssh-agent | --password-env VAR]
              [--jump SERVER] [--group G] [--tag T]…
              [--agent tcp://HOST:PORT (--agent-token-env VAR | --agent-token-file F) [--agent-fingerprint SHA256:…]]
              [--trigger-dir PATH] [--tmux-session NAME] [--tmux-socket NAME] [--agent-command ARG]…
              [--layers bridge,tmux,trigger,exec]
  servers list [--json]
  servers import-ssh-config [--file F] [--dry-run]
  exec SERVER [--accept-new] -- COMMAND [ARGS…]
                      Run one command over SSH: output and exit status passed through; an unknown host
                      key is refused unless --accept-new (or answered on a terminal); a changed one always.
  run SERVER|@GROUP [--layer bridge|tmux|trigger|exec] [--json] [--concurrency N] [--cwd D] [--timeout S] -- ARGV…
                      Run a command through the server's agent over the first layer that works (failover;
                      never twice): output and exit status passed through, the layer used on stderr; a group
                      runs on each member (10 at once by default), output prefixed with the server's name.
  links [SERVER] [--json]
                      Each layer's state (up, degraded, down) and last latency; probes servers never probed.

The key vault opens with $LIFELINE_VAULT_PASSPHRASE when set (scripts, CI), else by a prompt.

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
    case 'keys':
      return withContext(io, (context) => runKeys(rest, io, context));
    case 'servers':
      return withContext(io, (context) => runServers(rest, io, context));
    case 'exec':
      return withContext(io, (context) => runExec(rest, io, context));
    case 'run':
      return withContext(io, (context) => runRun(rest, io, context));
    case 'links':
      return withContext(io, (context) => runLinks(rest, io, context));
    default:
      if (first.startsWith('-')) return runDesktop(argv, io, paths);
      io.err(`lifeline: unknown command "${first}". Run "lifeline --help" for the commands.`);
      return 2;
  }
}

/** --help anywhere among the options; what follows `--` belongs to a remote command, not to us. */
function wantsHelp(argv: string[]): boolean {
  return splitAtRemoteCommand(argv).ours.some((arg) => arg === '--help' || arg === '-h' || arg === 'help');
}

/** Runs an SSH command with the data folder open; refusals and bad options are one line and exit code 2. */
async function withContext(io: CliIo, command: (context: CliContext) => Promise<number>): Promise<number> {
  let context: CliContext;
  try {
    context = openCliContext(process.env);
  } catch (error) {
    if (error instanceof StoreError) return refuse(io, error.message);
    throw error;
  }
  try {
    return await command(context);
  } catch (error) {
    // parseArgs reports unknown or malformed options with a code of ERR_PARSE_ARGS_*.
    const parseError = typeof (error as NodeJS.ErrnoException).code === 'string' && (error as NodeJS.ErrnoException).code!.startsWith('ERR_PARSE_ARGS');
    if (error instanceof CliRefusal || parseError) return refuse(io, (error as Error).message);
    throw error;
  } finally {
    await context.close();
  }
}
