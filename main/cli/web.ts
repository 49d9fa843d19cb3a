import { parseArgs } from 'node:util';
import { resolveDataDir } from '../../agent/data-dir';
import { StoreError } from '../../agent/store/sqlite';
import { openServices } from '../services';
import { startWebConsole, WebConsoleError, type WebConsole, type WebConsoleOptions } from '../web/server';
import { DEFAULT_WEB_PORT, parsePort, refuse, type AppPaths, type CliIo } from './io';

type WebArgs = Omit<WebConsoleOptions, 'service' | 'staticDir'>;

/** `lifeline web`: serves the console until SIGINT or SIGTERM, then closes it and the database. */
export async function runWeb(argv: string[], io: CliIo, paths: AppPaths): Promise<number> {
  let args: WebArgs;
  try {
    args = parseWebArgs(argv);
  } catch (error) {
    io.err(`lifeline web: ${(error as Error).message} Run "lifeline --help" for the options.`);
    return 2;
  }

  const dataDir = resolveDataDir();
  let services;
  try {
    services = openServices({ dataDir, mode: 'web' });
  } catch (error) {
    if (error instanceof StoreError) return refuse(io, error.message);
    throw error;
  }

  let console_: WebConsole;
  try {
    console_ = await start(args, services.service, paths, io);
  } catch (error) {
    await services.close();
    if (error instanceof WebConsoleError) return refuse(io, error.message);
    throw error;
  }

  io.out(`Lifeline web console: ${console_.url}`);
  io.err(`Lifeline data: ${dataDir}. Press Ctrl+C to stop.`);
  return new Promise((done) => {
    const stop = async (signal: string) => {
      io.signals.off('SIGINT', onInt).off('SIGTERM', onTerm);
      await console_.close();
      await services.close();
      io.err(`Lifeline web console stopped (${signal}).`);
      done(0);
    };
    const onInt = () => void stop('SIGINT');
    const onTerm = () => void stop('SIGTERM');
    io.signals.once('SIGINT', onInt).once('SIGTERM', onTerm);
  });
}

async function start(args: WebArgs, service: WebConsoleOptions['service'], paths: AppPaths, io: CliIo): Promise<WebConsole> {
  const options = { ...args, service, staticDir: paths.rendererDir };
  try {
    return await startWebConsole(options);
  } catch (error) {
    // `npm start` twice should just work: the default port falls back to a free one; an explicit one does not.
    if (!(error instanceof WebConsoleError && error.code === 'PORT_IN_USE' && args.port === undefined)) throw error;
    io.err(`Lifeline: port ${DEFAULT_WEB_PORT} is busy; using a free port instead.`);
    return startWebConsole({ ...options, port: 0 });
  }
}

function parseWebArgs(argv: string[]): WebArgs {
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
    },
  });
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
