import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeElectron, resetFakeElectron } from './fake-electron';
import { CONTENT_SECURITY_POLICY } from '../renderer-files';
import { registerAppScheme, rendererFileFor, respond, serveRenderer } from './protocol';

// The Electron runtime binary cannot be downloaded here, so 'electron' is replaced by a recording fake;
// the handler itself is exercised with real Request objects and real files.
vi.mock('electron', () => import('./fake-electron').then((m) => m.fakeElectron));

let root: string;
let rendererDir: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'lifeline-protocol-'));
  rendererDir = join(root, 'renderer');
  mkdirSync(join(rendererDir, 'assets'), { recursive: true });
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Lifeline</title>');
  writeFileSync(join(rendererDir, 'assets', 'index-abc.js'), 'console.log("app")');
  writeFileSync(join(rendererDir, 'assets', 'style.css'), 'body{}');
  // A file just outside the served folder, which no URL may reach.
  writeFileSync(join(root, 'secret.txt'), 'not for the page');
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

beforeEach(() => resetFakeElectron());

const get = (url: string, method = 'GET') => respond(rendererDir, new Request(url, { method }));

describe('rendererFileFor', () => {
  it('maps app URLs to files inside the renderer folder', () => {
    expect(rendererFileFor(rendererDir, 'lifeline://app/')).toBe(join(rendererDir, 'index.html'));
    expect(rendererFileFor(rendererDir, 'lifeline://app/assets/index-abc.js?v=1#x')).toBe(join(rendererDir, 'assets', 'index-abc.js'));
  });

  it('refuses other hosts and anything that would leave the folder', () => {
    expect(rendererFileFor(rendererDir, 'lifeline://other/index.html')).toBeNull();
    expect(rendererFileFor(rendererDir, 'https://app/index.html')).toBeNull();
    expect(rendererFileFor(rendererDir, 'lifeline://app/..%2fsecret.txt')).toBeNull();
    expect(rendererFileFor(rendererDir, 'lifeline://app/assets/..%2F..%2Fsecret.txt')).toBeNull();
    expect(rendererFileFor(rendererDir, 'lifeline://app/%2e%2e%2fsecret.txt')).toBeNull();
    expect(rendererFileFor(rendererDir, 'lifeline://app/..%5csecret.txt')).not.toBe(join(root, 'secret.txt'));
    expect(rendererFileFor(rendererDir, 'lifeline://app/index.html%00.png')).toBeNull();
    expect(rendererFileFor(rendererDir, 'lifeline://app/%E0%A4%A')).toBeNull();
  });
});

describe('respond', () => {
  it('serves files with their type, the CSP and nosniff', async () => {
    const page = await get('lifeline://app/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await page.text()).toContain('<title>Lifeline</title>');

    const script = await get('lifeline://app/assets/index-abc.js');
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(script.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(script.headers.get('x-content-type-options')).toBe('nosniff');

    const style = await get('lifeline://app/assets/style.css');
    expect(style.headers.get('content-type')).toBe('text/css; charset=utf-8');
  });

  it('uses a CSP without unsafe-eval and with the directives the app relies on', () => {
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe-eval');
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).toContain("object-src 'none'");
    expect(CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
  });

  it('answers missing files, escapes and other hosts with 404, still with the security headers', async () => {
    for (const url of ['lifeline://app/nope.js', 'lifeline://app/..%2fsecret.txt', 'lifeline://app/assets', 'lifeline://elsewhere/index.html']) {
      const response = await get(url);
      expect(response.status, url).toBe(404);
      expect(await response.text(), url).not.toContain('not for the page');
      expect(response.headers.get('content-security-policy'), url).toBe(CONTENT_SECURITY_POLICY);
      expect(response.headers.get('x-content-type-options'), url).toBe('nosniff');
    }
  });

  it('serves HEAD without a body and refuses other methods', async () => {
    const head = await get('lifeline://app/index.html', 'HEAD');
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');

    const post = await get('lifeline://app/index.html', 'POST');
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });
});

describe('scheme registration', () => {
  it('registers lifeline as a standard, secure scheme and serves it until disposed', async () => {
    registerAppScheme();
    expect(fakeElectron.protocol.privileged).toEqual([
      { scheme: 'lifeline', privileges: expect.objectContaining({ standard: true, secure: true }) },
    ]);
    expect(fakeElectron.protocol.privileged[0]?.privileges).not.toHaveProperty('bypassCSP', true);
    expect(fakeElectron.protocol.privileged[0]?.privileges).not.toHaveProperty('corsEnabled', true);

    const served = serveRenderer(rendererDir);
    const handler = fakeElectron.protocol.handlers.get('lifeline');
    if (!handler) throw new Error('lifeline:// is not handled');
    const response = await handler(new Request('lifeline://app/index.html'));
    expect(response.status).toBe(200);

    served.dispose();
    expect(fakeElectron.protocol.handlers.has('lifeline')).toBe(false);
  });
});
