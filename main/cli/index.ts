import { resolveDataDir } from '../../agent/data-dir';
import { version } from '../../agent/version';
import type { CliContext } from './context';
import { DEFAULT_WEB_PORT, refuse, say, type AppPaths, type CliIo } from './io';
import { splitAtRemoteCommand } from './remote-command';

// Each command's code is loaded when that command runs: `lifeline agent run-command`, which the tmux and
// exec layers start for every command they carry, then does not load the web console, SSH or the vault.

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
  if (first === 'agent') return (await import('../../agent/cli')).runAgentCli(rest, io);
  if (first === '-v' || first === '--version') return say(io, version);
  if (wantsHelp(argv)) return say(io, USAGE);
  switch (first) {
    case undefined:
      return (await import('./desktop')).runDesktop([], io, paths);
    case 'desktop':
      return (await import('./desktop')).runDesktop(rest, io, paths);
    case 'web':
      return (await import('./web')).runWeb(rest, io, paths);
    case 'keys': {
      const { runKeys } = await import('./keys');
      return withContext(io, (context) => runKeys(rest, io, context));
    }
    case 'servers': {
      const { runServers } = await import('./servers');
      return withContext(io, (context) => runServers(rest, io, context));
    }
    case 'exec': {
      const { runExec } = await import('./exec');
      return withContext(io, (context) => runExec(rest, io, context));
    }
    case 'run': {
      const { runRun } = await import('./run');
      return withContext(io, (context) => runRun(rest, io, context));
    }
    case 'links': {
      const { runLinks } = await import('./links');
      return withContext(io, (context) => runLinks(rest, io, context));
    }
    default:
      if (first.startsWith('-')) return (await import('./desktop')).runDesktop(argv, io, paths);
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
  const [{ openCliContext }, { StoreError }, { CliRefusal }] = await Promise.all([import('./context'), import('../../agent/store/sqlite'), import('./vault-access')]);
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
