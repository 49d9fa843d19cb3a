import { readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openServices } from '../services';
import { startWebConsole, WebConsoleError } from './server';
import { APP_JS, INDEX_HTML, makeTempTree, OUTSIDE_SECRET, send, signIn, startTestConsole, type TestConsole } from './test-console';

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; " +
  "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

describe('web console over HTTP', () => {
  let tc: TestConsole;
  beforeEach(async () => {
    tc = await startTestConsole();
  });
  afterEach(async () => {
    await tc.close();
  });

  const tokenPath = (): string => `/${new URL(tc.web.url).search}`;

  it('prints a loopback URL carrying a 32-byte token', () => {
    expect(tc.web.origin).toBe(`http://127.0.0.1:${tc.web.port}`);
    expect(tc.web.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${tc.web.port}/\\?token=[A-Za-z0-9_-]{43}$`));
  });

  it('answers 421 to a foreign Host, even with a valid session', async () => {
    const cookie = await signIn(tc);
    const evil = await send(tc.web.port, { headers: { host: `evil.example:${tc.web.port}`, cookie } });
    expect(evil.status).toBe(421);
    expect(evil.body).not.toContain('Lifeline test page');
    const otherPort = await send(tc.web.port, { headers: { host: `127.0.0.1:${tc.web.port + 1}`, cookie } });
    expect(otherPort.status).toBe(421);
  });

  it('answers 421 before looking at the token, so a rebinding page cannot use it', async () => {
    const reply = await send(tc.web.port, { path: tokenPath(), headers: { host: `evil.example:${tc.web.port}` } });
    expect(reply.status).toBe(421);
    // The token is still unused: the real browser can still sign in.
    expect(await signIn(tc)).toMatch(/^lifeline_session_\d+=/);
  });

  it('accepts localhost and [::1] as names of a loopback console', async () => {
    const cookie = await signIn(tc);
    for (const host of [`localhost:${tc.web.port}`, `[::1]:${tc.web.port}`]) {
      expect((await send(tc.web.port, { headers: { host, cookie } })).status, host).toBe(200);
    }
  });

  it('answers 401 without a cookie: an HTML page for a navigation, JSON for scripts', async () => {
    const page = await send(tc.web.port, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(401);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body).toContain('lifeline web');
    expect(page.headers['content-security-policy']).toBe(CSP);
    const script = await send(tc.web.port, { path: '/assets/app.js' });
    expect(script.status).toBe(401);
    expect(JSON.parse(script.body)).toEqual({ error: expect.stringContaining('token') });
  });

  it('answers 401 to a wrong token with what to do', async () => {
    const reply = await send(tc.web.port, { path: '/?token=wrong', headers: { accept: 'text/html' } });
    expect(reply.status).toBe(401);
    expect(reply.headers['set-cookie']).toBeUndefined();
    expect(reply.body).toContain('This link was already used or is wrong. Restart `lifeline web` (or `npm run web`)');
  });

  it('exchanges the token for a session cookie and redirects to / with 303', async () => {
    const reply = await send(tc.web.port, { path: tokenPath() });
    expect(reply.status).toBe(303);
    expect(reply.headers.location).toBe('/');
    const [cookie] = reply.headers['set-cookie'] ?? [];
    expect(cookie).toMatch(new RegExp(`^lifeline_session_${tc.web.port}=[A-Za-z0-9_-]{43}; Path=/; HttpOnly; SameSite=Strict$`));
  });

  it('refuses the token a second time', async () => {
    await signIn(tc);
    const again = await send(tc.web.port, { path: tokenPath() });
    expect(again.status).toBe(401);
    expect(again.headers['set-cookie']).toBeUndefined();
  });

  it('with a valid cookie, a link with a token just redirects to /', async () => {
    const cookie = await signIn(tc);
    const reply = await send(tc.web.port, { path: '/?token=anything', headers: { cookie } });
    expect(reply.status).toBe(303);
    expect(reply.headers['set-cookie']).toBeUndefined();
  });

  it('serves index.html with the security headers to a signed-in browser', async () => {
    const cookie = await signIn(tc);
    const reply = await send(tc.web.port, { headers: { cookie } });
    expect(reply.status).toBe(200);
    expect(reply.body).toBe(INDEX_HTML);
    expect(reply.headers).toMatchObject({
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': CSP,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cross-origin-opener-policy': 'same-origin',
      'cache-control': 'no-store',
    });
  });

  it('serves scripts with their content type, and HEAD without a body', async () => {
    const cookie = await signIn(tc);
    const js = await send(tc.web.port, { path: '/assets/app.js', headers: { cookie } });
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.body).toBe(APP_JS);
    const head = await send(tc.web.port, { path: '/assets/app.js', method: 'HEAD', headers: { cookie } });
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe(String(Buffer.byteLength(APP_JS)));
    expect(head.body).toBe('');
  });

  it('refuses path traversal and answers 404 for missing files', async () => {
    const cookie = await signIn(tc);
    for (const path of ['/../package.json', '/%2e%2e/package.json', '/assets/..%2f..%2fpackage.json', '/assets/%2E%2E/%2E%2E/package.json', '/index.html%00']) {
      const reply = await send(tc.web.port, { path, headers: { cookie } });
      expect(reply.status, path).toBe(400);
      expect(reply.body, path).not.toContain(OUTSIDE_SECRET);
    }
    expect((await send(tc.web.port, { path: '/missing.js', headers: { cookie } })).status).toBe(404);
    expect((await send(tc.web.port, { path: '/assets', headers: { cookie } })).status).toBe(404);
  });

  it('does not follow a symbolic link out of the static folder', async () => {
    symlinkSync(join(tc.staticDir, '..', 'package.json'), join(tc.staticDir, 'leak.json'));
    const cookie = await signIn(tc);
    const reply = await send(tc.web.port, { path: '/leak.json', headers: { cookie } });
    expect(reply.status).toBe(404);
    expect(reply.body).not.toContain(OUTSIDE_SECRET);
  });

  it('answers 405 to methods other than GET and HEAD', async () => {
    const cookie = await signIn(tc);
    const reply = await send(tc.web.port, { method: 'POST', headers: { cookie } });
    expect(reply.status).toBe(405);
    expect(reply.headers.allow).toBe('GET, HEAD');
  });
});

describe('web console start-up', () => {
  let tree: ReturnType<typeof makeTempTree>;
  let services: ReturnType<typeof openServices>;
  beforeEach(() => {
    tree = makeTempTree();
    services = openServices({ dataDir: tree.dataDir, mode: 'web' });
  });
  afterEach(async () => {
    await services.close();
    rmSync(tree.dir, { recursive: true, force: true });
  });

  async function startError(options: Partial<Parameters<typeof startWebConsole>[0]>): Promise<WebConsoleError> {
    const started = startWebConsole({ port: 0, service: services.service, staticDir: tree.staticDir, ...options });
    const error = await started.then(
      async (web) => {
        await web.close();
        throw new Error('the console started but should not have');
      },
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(WebConsoleError);
    return error as WebConsoleError;
  }

  it('refuses a non-loopback address without allowRemote, explaining the risk', async () => {
    const error = await startError({ host: '0.0.0.0' });
    expect(error.code).toBe('REMOTE_NOT_ALLOWED');
    expect(error.message).toContain('full control of your servers');
    expect(error.message).toContain('--allow-remote');
    expect(error.message).toContain('--tls-cert');
  });

  it('refuses allowRemote without TLS', async () => {
    const error = await startError({ host: '0.0.0.0', allowRemote: true });
    expect(error.code).toBe('TLS_REQUIRED');
    expect(error.message).toContain('--tls-key');
  });

  it('names an unreadable TLS file', async () => {
    const certFile = join(tree.dir, 'missing-cert.pem');
    const error = await startError({ tls: { certFile, keyFile: certFile } });
    expect(error.code).toBe('TLS_UNREADABLE');
    expect(error.message).toContain(certFile);
  });

  it('refuses TLS files that are not PEM', async () => {
    const junk = join(tree.dir, 'junk.pem');
    writeFileSync(junk, 'not a certificate');
    const error = await startError({ tls: { certFile: junk, keyFile: junk } });
    expect(error.code).toBe('TLS_UNREADABLE');
  });

  it('reports a port in use with what to do', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const error = await startError({ port });
      expect(error.code).toBe('PORT_IN_USE');
      expect(error.message).toBe(
        `Port ${port} on 127.0.0.1 is already in use: stop the program using it or pass --port <another> (0 picks a free one).`,
      );
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('refuses a port outside 0..65535', async () => {
    expect((await startError({ port: 70000 })).code).toBe('LISTEN_FAILED');
  });

  it('refuses to start without the built renderer', async () => {
    const error = await startError({ staticDir: join(tree.dir, 'no-such-build') });
    expect(error.code).toBe('RENDERER_MISSING');
    expect(error.message).toContain('npm run build');
  });

  it('serves over TLS with a Secure __Host- cookie', async () => {
    const certFile = join(__dirname, 'fixtures', 'localhost-cert.pem');
    const keyFile = join(__dirname, 'fixtures', 'localhost-key.pem');
    const web = await startWebConsole({ port: 0, service: services.service, staticDir: tree.staticDir, tls: { certFile, keyFile } });
    try {
      const ca = readFileSync(certFile);
      expect(web.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/\?token=/);
      const reply = await send(web.port, { path: `/${new URL(web.url).search}`, ca });
      expect(reply.status).toBe(303);
      const [cookie] = reply.headers['set-cookie'] ?? [];
      expect(cookie).toMatch(new RegExp(`^__Host-lifeline_session_${web.port}=[^;]+; Path=/; HttpOnly; SameSite=Strict; Secure$`));
      const page = await send(web.port, { ca, headers: { cookie: cookie?.split(';')[0] ?? '' } });
      expect(page.status).toBe(200);
      expect(page.body).toBe(INDEX_HTML);
    } finally {
      await web.close();
    }
  });
});
