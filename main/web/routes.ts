import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ConsoleAuth } from './auth';
import { terminalIdSchema } from '../api/requests';
import { setSecurityHeaders } from './headers';
import { isOwnOrigin, type Scheme } from './host-check';
import { refuseUpgrade, sendRefusal } from './responses';
import type { ApiSockets } from './socket';
import type { TerminalSockets } from './terminal-socket';
import type { StaticFiles } from './static-files';

const API_PATH = '/api';
const TERMINALS_PATH = '/terminals/';
const RESTART = 'Restart `lifeline web` (or `npm run web`) and open the new link it prints.';
const LINK_REFUSED = `This link was already used or is wrong. ${RESTART}`;
const NOT_SIGNED_IN = `This browser is not signed in to the Lifeline console. Open the link with ?token=… that \`lifeline web\` printed; it works once, so if it was already used: ${RESTART}`;

/** What the routes need from the running console. */
export interface ConsoleParts {
  scheme: Scheme;
  auth: ConsoleAuth;
  files: StaticFiles;
  sockets: ApiSockets;
  terminalSockets: TerminalSockets;
  hostAllowed(hostHeader: string | undefined, localAddress: string | undefined): boolean;
  /** Where the console answers, for the 421 page. */
  origin: string;
}

/** HTTP requests: Host check, then the token exchange, then the session, then the static files. */
export async function handleRequest(parts: ConsoleParts, req: IncomingMessage, res: ServerResponse): Promise<void> {
  setSecurityHeaders(res);
  if (!parts.hostAllowed(req.headers.host, req.socket.localAddress)) {
    return sendRefusal(req, res, 421, misdirected(parts));
  }
  const target = splitTarget(req.url);
  if (!target) return sendRefusal(req, res, 400, 'This request address is not understood. Open the console at /.');
  const signedIn = parts.auth.hasSession(req.headers.cookie);
  const token = target.query.get('token');
  if (req.method === 'GET' && target.path === '/' && token !== null) {
    // Redirecting takes the token out of the address bar, the history and any bookmark.
    if (signedIn) return redirectHome(res);
    const session = parts.auth.redeem(token);
    if (!session) return sendRefusal(req, res, 401, LINK_REFUSED);
    res.setHeader('Set-Cookie', parts.auth.sessionCookie(session));
    return redirectHome(res);
  }
  if (!signedIn) return sendRefusal(req, res, 401, NOT_SIGNED_IN);
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    return sendRefusal(req, res, 405, `${req.method} is not supported here: the console only serves its pages.`);
  }
  await parts.files.serve(req, res, target.path);
}

/**
 * WebSocket upgrades: the contract at /api and one terminal stream per attachment at /terminals/<id>,
 * each only for a signed-in browser, from a page this console served.
 */
export function handleUpgrade(parts: ConsoleParts, req: IncomingMessage, socket: Duplex, head: Buffer): void {
  // A peer resetting the connection before the handshake completes must not crash the process.
  socket.on('error', () => socket.destroy());
  if (!parts.hostAllowed(req.headers.host, req.socket.localAddress)) return refuseUpgrade(socket, 421, misdirected(parts));
  const path = splitTarget(req.url)?.path;
  const terminalId = path?.startsWith(TERMINALS_PATH) ? terminalIdOf(path.slice(TERMINALS_PATH.length)) : undefined;
  if (path !== API_PATH && terminalId === undefined) {
    return refuseUpgrade(socket, 404, `WebSockets are served at ${API_PATH} and ${TERMINALS_PATH}<terminal id> only.`);
  }
  if (!parts.auth.hasSession(req.headers.cookie)) return refuseUpgrade(socket, 401, NOT_SIGNED_IN);
  if (!isOwnOrigin(req.headers.origin, req.headers.host, parts.scheme)) {
    return refuseUpgrade(socket, 403, 'Only pages served by this console may connect to it. Open the console itself.');
  }
  if (terminalId === undefined) parts.sockets.accept(req, socket, head);
  else parts.terminalSockets.accept(req, socket, head, terminalId);
}

// Anything that is not a plain id (an encoded slash, a dot) is not a terminal of this console.
function terminalIdOf(raw: string): string | undefined {
  return terminalIdSchema.safeParse(raw).success ? raw : undefined;
}

/** The raw path (still percent-encoded, so `..` tricks stay visible) and the query of a request. */
function splitTarget(url: string | undefined): { path: string; query: URLSearchParams } | null {
  // Only origin-form (`/path?query`); the absolute form is for proxies, which this console is not.
  if (!url || !url.startsWith('/')) return null;
  const q = url.indexOf('?');
  return q === -1 ? { path: url, query: new URLSearchParams() } : { path: url.slice(0, q), query: new URLSearchParams(url.slice(q + 1)) };
}

function redirectHome(res: ServerResponse): void {
  res.writeHead(303, { Location: '/', 'Cache-Control': 'no-store', 'Content-Length': 0 });
  res.end();
}

function misdirected(parts: ConsoleParts): string {
  return `This console only answers at ${parts.origin}: open that address (the link \`lifeline web\` printed) instead of this one.`;
}
