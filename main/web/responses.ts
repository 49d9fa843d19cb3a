import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { SECURITY_HEADERS } from './headers';

/**
 * Answers a refused request: a small HTML page when a person navigated here, `{ error }` JSON for
 * scripts. `message` says what happened and what to do.
 */
export function sendRefusal(req: IncomingMessage, res: ServerResponse, status: number, message: string): void {
  if (isNavigation(req)) {
    const title = STATUS_CODES[status] ?? 'Error';
    sendBody(res, status, 'text/html; charset=utf-8', refusalPage(title, message));
  } else {
    sendBody(res, status, 'application/json; charset=utf-8', JSON.stringify({ error: message }));
  }
}

export function sendBody(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, {
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
  });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

/** Refuses a WebSocket upgrade with a plain HTTP answer, then drops the connection. */
export function refuseUpgrade(socket: Duplex, status: number, message: string): void {
  const body = JSON.stringify({ error: message });
  const headers = {
    ...SECURITY_HEADERS,
    Connection: 'close',
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(body)),
  };
  const head = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('');
  // Destroy only once the answer is flushed, or the client would see a reset instead of the status.
  socket.once('finish', () => socket.destroy());
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n${head}\r\n${body}`);
}

function isNavigation(req: IncomingMessage): boolean {
  const mode = req.headers['sec-fetch-mode'];
  if (mode) return mode === 'navigate';
  return (req.headers.accept ?? '').includes('text/html');
}

function refusalPage(title: string, message: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Lifeline: ${escapeHtml(title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;background:#111418;color:#e6e9ee;max-width:40rem;margin:4rem auto;padding:0 1rem}</style>
</head><body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p></body></html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
