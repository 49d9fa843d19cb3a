import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { runAgentCli } from '../agent/cli';
import { resolveDataDir } from '../agent/data-dir';
import { StoreError } from '../agent/store/sqlite';
import { version } from '../agent/version';
import { findElectronRuntime, launchDesktop } from './electron/runtime';
import { openServices } from './services';
import { startWebConsole, WebConsoleError, type WebConsoleOptions } from './web/server';

// The `lifeline` command. It runs under plain Node: the web console and the agent live here, and the
// desktop app is started as a separate Electron process when a runtime exists.

const DEFAULT_WEB_PORT = 7420;

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

/** Where the built renderer sits relative to this file once bundled into out/main/cli.js. */
const RENDERER_DIR = resolve(__dirname, '../renderer');
const APP_DIR = resolve(__dirname, '../..');

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  signals: NodeJS.EventEmitter;
}

const processIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  signals: process,
};

/** Runs the command line and resolves with the exit code: 0 done, 1 failed while running, 2 bad usage. */
export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const [first, ...rest] = argv;
  if (first === '-h' || first === '--help' || first === 'help') return say(io, USAGE);
  if (first === '-v' || first === '--version') return say(io, version);
  switch (first) {
    case undefined:
      return runDesktop([], io);
    case 'desktop':
      return runDesktop(rest, io);
    case 'web':
      return runWeb(rest, io);
    case 'agent':
      return runAgentCli(rest, io);
    default:
      if (first.startsWith('-')) return runDesktop(argv, io);
      io.err(`lifeline: unknown command "${first}". Run "lifeline --help" for the commands.`);
      return 2;
  }
}

async function runDesktop(argv: string[], io: CliIo): Promise<number> {
  if (argv.includes('-h') || argv.includes('--help')) return say(io, USAGE);
  const runtime = findElectronRuntime();
  if (!runtime.ok) {
    io.err(`Lifeline: no Electron runtime (${runtime.reason}); starting the web console instead.`);
    return runWeb([], io);
  }
  const child = launchDesktop(runtime.executable, APP_DIR, argv);
  return new Promise((done) => {
    child.once('error', (error) => {
      io.err(`Lifeline: could not start Electron (${error.message}). Run "npm run web" to use the web console.`);
      done(1);
    });
    child.once('exit', (code, signal) => done(code ?? (signal ? 0 : 1)));
  });
}

async function runWeb(argv: string[], io: CliIo): Promise<number> {
  let options: ReturnType<typeof parseWebArgs>;
  try {
    options = parseWebArgs(argv);
  } catch (error) {
    io.err(`lifeline web: ${(error as Error).message} Run "lifeline --help" for the options.`);
    return 2;
  }
  if (options === HELP) return say(io, USAGE);

  const dataDir = resolveDataDir();
  let services;
  try {
    services = openServices({ dataDir, mode: 'web' });
  } catch (error) {
    if (error instanceof StoreError) return fatal(io, error.message);
    throw error;
  }

  let console_;
  try {
    console_ = await startWebConsole({ ...options, service: services.service, staticDir: RENDERER_DIR });
  } catch (error) {
    // `npm start` twice should just work: the default port falls back to a free one; an explicit one does not.
    if (error instanceof WebConsoleError && error.code === 'PORT_IN_USE' && options.port === undefined) {
      io.err(`Lifeline: port ${DEFAULT_WEB_PORT} is busy; using a free port instead.`);
      try {
        console_ = await startWebConsole({ ...options, port: 0, service: services.service, staticDir: RENDERER_DIR });
      } catch (retryError) {
        services.close();
        return fatalWeb(io, retryError);
      }
    } else {
      services.close();
      return fatalWeb(io, error);
    }
  }

  io.out(`Lifeline web console: ${console_.url}`);
  io.err(`Lifeline data: ${dataDir}. Press Ctrl+C to stop.`);
  const opened = console_;
  return new Promise((done) => {
    const stop = async (signal: string) => {
      io.signals.off('SIGINT', onInt).off('SIGTERM', onTerm);
      await opened.close();
      services.close();
      io.err(`Lifeline web console stopped (${signal}).`);
      done(0);
    };
    const onInt = () => void stop('SIGINT');
    const onTerm = () => void stop('SIGTERM');
    io.signals.once('SIGINT', onInt).once('SIGTERM', onTerm);
  });
}

const HELP = Symbol('help');

function parseWebArgs(argv: string[]): Omit<WebConsoleOptions, 'service' | 'staticDir'> | typeof HELP {
  const { values, positionals } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      'allow-remote': { type: 'boolean' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return HELP;
  if (positionals.length) throw new Error(`unexpected argument "${positionals[0]}".`);
  const certFile = values['tls-cert'];
  const keyFile = values['tls-key'];
  if (Boolean(certFile) !== Boolean(keyFile)) throw new Error('--tls-cert and --tls-key go together.');
  return {
    host: values.host,
    port: values.port === undefined ? undefined : parsePort(values.port),
    allowRemote: values['allow-remote'] ?? false,
    tls: certFile && keyFile ? { certFile, keyFile } : undefined,
  };
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) throw new Error(`--port must be a whole number from 0 to 65535, not "${text}".`);
  return port;
}

function say(io: CliIo, text: string): number {
  io.out(text);
  return 0;
}

function fatal(io: CliIo, message: string): number {
  io.err(`Lifeline: ${message}`);
  return 2;
}

function fatalWeb(io: CliIo, error: unknown): number {
  if (error instanceof WebConsoleError) return fatal(io, error.message);
  throw error;
}
