import { readFile } from 'node:fs/promises';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { LifelineService } from '../api/service';
import { ConsoleAuth } from './auth';
import { WebConsoleError } from './errors';
import { isLoopbackHost, normalizeHostname } from '../../agent/hosts';
import { createHostCheck, isWildcardHost, type Scheme } from './host-check';
import { handleRequest, handleUpgrade, type ConsoleParts } from './routes';
import { sendRefusal } from './responses';
import { ApiSockets } from './socket';
import { StaticFiles } from './static-files';
import { TerminalSockets } from './terminal-socket';

export { WebConsoleError, type WebConsoleErrorCode } from './errors';

export interface WebConsoleOptions {
  service: LifelineService;
  /** The built renderer (index.html + assets). */
  staticDir: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 7420; 0 picks a free port. */
  port?: number;
  /** Required to bind an address other than loopback. */
  allowRemote?: boolean;
  /** PEM files; required with allowRemote, optional on loopback. */
  tls?: { certFile: string; keyFile: string };
}

export interface WebConsole {
  /** The sign-in link to print, with the one-time `?token=…`. */
  readonly url: string;
  readonly origin: string;
  readonly port: number;
  /** Stops accepting, says goodbye to WebSocket clients, lets open requests finish (at most 5 s). */
  close(): Promise<void>;
}

const DEFAULT_HOST = '127.0.0.1';
const DEFAULT_PORT = 7420;
const FORCE_CLOSE_MS = 5_000;

/** Starts the web console; throws WebConsoleError with a one-line message saying what to do. */
export async function startWebConsole(options: WebConsoleOptions): Promise<WebConsole> {
  const host = options.host ?? DEFAULT_HOST;
  const requestedPort = options.port ?? DEFAULT_PORT;
  checkPort(requestedPort);
  checkExposure(host, options);
  const files = await StaticFiles.open(options.staticDir);
  const server = options.tls ? createTlsServer(await readTls(options.tls)) : createHttpServer();
  const scheme: Scheme = options.tls ? 'https' : 'http';
  await listen(server, host, requestedPort);

  // Handlers are attached in the same microtask run as the 'listening' event, before any connection
  // can be processed, and only now is the real port (for port 0) known to the Host check and cookie.
  const port = (server.address() as AddressInfo).port;
  const origin = new URL(`${scheme}://${urlHost(host)}:${port}`).origin;
  const auth = new ConsoleAuth({ port, secure: scheme === 'https' });
  const sockets = new ApiSockets(options.service);
  const terminalSockets = new TerminalSockets(options.service);
  const parts: ConsoleParts = { scheme, auth, files, sockets, terminalSockets, origin, hostAllowed: createHostCheck({ host, port, scheme }) };
  server.on('request', (req, res) => {
    handleRequest(parts, req, res).catch((error: unknown) => {
      console.error('lifeline: web console request failed:', error);
      if (res.headersSent) res.destroy();
      else sendRefusal(req, res, 500, 'The console failed to answer; details are in its log. Reload the page.');
    });
  });
  server.on('upgrade', (req, socket, head) => handleUpgrade(parts, req, socket, head));
  server.on('error', (error) => console.error('lifeline: web console server error:', error));

  let closing: Promise<void> | undefined;
  return {
    url: `${origin}/?token=${auth.token}`,
    origin,
    port,
    close: () => (closing ??= shutdown(server, [sockets, terminalSockets])),
  };
}

async function shutdown(server: Server, sockets: readonly { close(): Promise<void> }[]): Promise<void> {
  const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const force = setTimeout(() => server.closeAllConnections(), FORCE_CLOSE_MS);
  try {
    await Promise.all(sockets.map((group) => group.close()));
    await serverClosed;
  } finally {
    clearTimeout(force);
  }
}

function checkPort(port: number): void {
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new WebConsoleError('LISTEN_FAILED', `Port ${port} is not valid: pass --port with a whole number from 1 to 65535 (0 picks a free one).`);
  }
}

function checkExposure(host: string, options: WebConsoleOptions): void {
  if (isLoopbackHost(host)) return;
  if (!options.allowRemote) {
    throw new WebConsoleError(
      'REMOTE_NOT_ALLOWED',
      `Refusing to listen on ${host}: the web console gives full control of your servers to whoever reaches it. ` +
        'Leave out --host to stay on 127.0.0.1, or pass --allow-remote with --tls-cert <file> --tls-key <file>.',
    );
  }
  if (!options.tls) {
    throw new WebConsoleError(
      'TLS_REQUIRED',
      `Listening on ${host} needs TLS so the sign-in link and cookie never cross the network in clear text: ` +
        'pass --tls-cert <file> and --tls-key <file> (PEM) with --allow-remote.',
    );
  }
}

async function readTls(tls: { certFile: string; keyFile: string }): Promise<{ cert: Buffer; key: Buffer }> {
  const read = async (file: string, what: string): Promise<Buffer> => {
    try {
      return await readFile(file);
    } catch (error) {
      throw new WebConsoleError(
        'TLS_UNREADABLE',
        `Cannot read the TLS ${what} ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): check the path and that this user may read it.`,
      );
    }
  };
  return { cert: await read(tls.certFile, 'certificate'), key: await read(tls.keyFile, 'key') };
}

function createTlsServer(pem: { cert: Buffer; key: Buffer }): Server {
  try {
    return createHttpsServer(pem);
  } catch (error) {
    throw new WebConsoleError(
      'TLS_UNREADABLE',
      `The TLS certificate and key are not a usable PEM pair (${(error as Error).message}): pass the certificate with --tls-cert and its private key with --tls-key.`,
    );
  }
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      reject(listenError(error, host, port));
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

function listenError(error: NodeJS.ErrnoException, host: string, port: number): WebConsoleError {
  switch (error.code) {
    case 'EADDRINUSE':
      return new WebConsoleError(
        'PORT_IN_USE',
        `Port ${port} on ${host} is already in use: stop the program using it or pass --port <another> (0 picks a free one).`,
      );
    case 'EACCES':
      return new WebConsoleError('LISTEN_FAILED', `Not allowed to listen on port ${port} (ports below 1024 need root): pass --port 1024 or above (0 picks a free one).`);
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
      return new WebConsoleError('LISTEN_FAILED', `${host} is not an address of this machine: pass --host with one of its addresses, or leave it out for 127.0.0.1.`);
    default:
      return new WebConsoleError('LISTEN_FAILED', `Cannot listen on ${host}:${port} (${error.message}): check --host and --port.`);
  }
}

// The printed link must be an address a browser here can open: a wildcard bind is reached on loopback.
function urlHost(host: string): string {
  if (isWildcardHost(host)) return '127.0.0.1';
  const name = normalizeHostname(host);
  return name.includes(':') ? `[${name}]` : name;
}
