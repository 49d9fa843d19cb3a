// Test support (not shipped): a real console on 127.0.0.1 port 0 over a real SQLite store in a temp dir,
// plus small real HTTP and WebSocket clients that can send whatever Host, Origin and path a test needs.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import type { RequestName, Result, WireReply } from '../../preload/api';
import { openServices, type MainServices } from '../services';
import { startWebConsole, type WebConsole, type WebConsoleOptions } from './server';

export const INDEX_HTML = '<!doctype html><title>Lifeline test page</title><script type="module" src="/assets/app.js"></script>';
export const APP_JS = 'console.log("lifeline test bundle");';
/** Written next to (not inside) the static folder: a traversal that works would reveal it. */
export const OUTSIDE_SECRET = 'secret-outside-the-static-folder';

export interface TestConsole {
  readonly web: WebConsole;
  readonly services: MainServices;
  readonly staticDir: string;
  /** `127.0.0.1:<port>`, what a browser sends as Host. */
  readonly host: string;
  close(): Promise<void>;
}

/** A temp folder with a static dir (index.html, assets/app.js) and a secret file beside it. */
export function makeTempTree(): { dir: string; staticDir: string; dataDir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'lifeline-web-'));
  const staticDir = join(dir, 'static');
  const dataDir = join(dir, 'data');
  mkdirSync(join(staticDir, 'assets'), { recursive: true });
  mkdirSync(dataDir);
  writeFileSync(join(staticDir, 'index.html'), INDEX_HTML);
  writeFileSync(join(staticDir, 'assets', 'app.js'), APP_JS);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ secret: OUTSIDE_SECRET }));
  return { dir, staticDir, dataDir };
}

export async function startTestConsole(options: Partial<Omit<WebConsoleOptions, 'service' | 'staticDir'>> = {}): Promise<TestConsole> {
  const tree = makeTempTree();
  const services = openServices({ dataDir: tree.dataDir, mode: 'web' });
  let web: WebConsole;
  try {
    web = await startWebConsole({ port: 0, ...options, service: services.service, staticDir: tree.staticDir });
  } catch (error) {
    await services.close();
    rmSync(tree.dir, { recursive: true, force: true });
    throw error;
  }
  return {
    web,
    services,
    staticDir: tree.staticDir,
    host: `127.0.0.1:${web.port}`,
    async close() {
      await web.close();
      await services.close();
      rmSync(tree.dir, { recursive: true, force: true });
    },
  };
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface RequestOptions {
  path?: string;
  method?: string;
  headers?: Record<string, string>;
  /** Speak TLS, trusting this CA certificate. */
  ca?: Buffer;
}

/** One HTTP request on a fresh connection (no keep-alive, so nothing outlives the test). */
export function send(port: number, options: RequestOptions = {}): Promise<Reply> {
  const headers = { host: `127.0.0.1:${port}`, ...options.headers };
  const base = { host: '127.0.0.1', port, path: options.path ?? '/', method: options.method ?? 'GET', headers, agent: false } as const;
  return new Promise((resolve, reject) => {
    const onResponse = (res: import('node:http').IncomingMessage): void => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    };
    const req = options.ca ? httpsRequest({ ...base, ca: options.ca }, onResponse) : httpRequest(base, onResponse);
    req.on('error', reject);
    req.end();
  });
}

/** Exchanges the console's token for a session; returns the `Cookie` header value to send back. */
export async function signIn(tc: TestConsole): Promise<string> {
  const reply = await send(tc.web.port, { path: `/${new URL(tc.web.url).search}` });
  const setCookie = reply.headers['set-cookie']?.[0];
  if (reply.status !== 303 || !setCookie) throw new Error(`sign-in failed with status ${reply.status}`);
  return setCookie.split(';')[0] ?? '';
}

/** A WebSocket client of /api that matches replies to calls and collects events. */
export class ApiClient {
  private nextId = 1;
  private readonly received: WireReply[] = [];
  private readonly waiters = new Set<() => void>();
  private closeCode: number | undefined;

  private constructor(readonly ws: WebSocket) {
    ws.once('close', (code) => (this.closeCode = code));
    ws.on('message', (data) => {
      this.received.push(JSON.parse(String(data)) as WireReply);
      for (const wake of [...this.waiters]) wake();
    });
  }

  static connect(tc: TestConsole, headers: { cookie?: string; origin?: string }): Promise<ApiClient> {
    const ws = new WebSocket(`ws://${tc.host}/api`, { headers: { origin: tc.web.origin, ...headers } });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new ApiClient(ws)));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused with ${res.statusCode}`)));
      // Kept after open: an unhandled 'error' event would crash the test run.
      ws.on('error', reject);
    });
  }

  sendRaw(text: string): void {
    this.ws.send(text);
  }

  async call(method: RequestName | string, args: unknown[]): Promise<Result<unknown>> {
    const id = this.nextId++;
    this.ws.send(JSON.stringify({ type: 'call', id, method, args }));
    const reply = await this.next((m) => m.type === 'result' && m.id === id);
    return (reply as Extract<WireReply, { type: 'result' }>).result;
  }

  /** The first message (already received or still to come) that matches; it is consumed. */
  next(match: (message: WireReply) => boolean): Promise<WireReply> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const index = this.received.findIndex(match);
        if (index === -1) return false;
        const [message] = this.received.splice(index, 1);
        this.waiters.delete(wake);
        this.ws.off('close', onClose);
        resolve(message as WireReply);
        return true;
      };
      const wake = (): void => void check();
      const onClose = (): void => {
        this.waiters.delete(wake);
        reject(new Error('socket closed before the expected message arrived'));
      };
      if (check()) return;
      this.waiters.add(wake);
      this.ws.once('close', onClose);
    });
  }

  /** Resolves with the close code once the server (or we) closed the socket. */
  closed(): Promise<number> {
    if (this.closeCode !== undefined) return Promise.resolve(this.closeCode);
    return new Promise((resolve) => this.ws.once('close', (code) => resolve(code)));
  }

  close(): Promise<number> {
    const done = this.closed();
    this.ws.close();
    return done;
  }
}

/** Tries an upgrade and returns the HTTP status it was refused with (0 if it was accepted). */
export function upgradeStatus(port: number, headers: Record<string, string>, path = '/api'): Promise<number> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, { headers });
  return new Promise((resolve, reject) => {
    ws.once('unexpected-response', (req, res) => {
      resolve(res.statusCode ?? -1);
      req.destroy();
    });
    ws.once('open', () => {
      ws.terminate();
      resolve(0);
    });
    ws.on('error', reject);
  });
}
