import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { protocol } from 'electron';
import { CONTENT_SECURITY_POLICY, contentTypeOf, resolveRendererFile } from '../renderer-files';
import { APP_HOST, APP_SCHEME } from './app-url';

const SECURITY_HEADERS = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
} as const;

/**
 * Declares the app scheme as standard (real origin, relative URLs resolve) and secure (a secure context,
 * like https). Electron accepts this only before the app is ready, so it runs at startup. Neither
 * corsEnabled nor bypassCSP: other origins must not read the app's files, and the CSP always applies.
 */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
  ]);
}

/** Serves the built renderer (`rendererDir`, i.e. out/renderer) at lifeline://app/ until disposed. */
export function serveRenderer(rendererDir: string): { dispose(): void } {
  protocol.handle(APP_SCHEME, (request) => respond(rendererDir, request));
  return { dispose: () => protocol.unhandle(APP_SCHEME) };
}

/** Answers one request of the app scheme from the files in `rendererDir`. */
export async function respond(rendererDir: string, request: Request): Promise<Response> {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    return plain(405, 'Only GET and HEAD are served here.', { Allow: 'GET, HEAD' });
  }
  const file = rendererFileFor(rendererDir, request.url);
  if (file === null) return plain(404, 'Not found.');
  let body: Buffer;
  try {
    body = await readFile(file);
  } catch {
    // Missing, a folder or unreadable: to the page all of these are simply not there.
    return plain(404, 'Not found.');
  }
  const headers = { ...SECURITY_HEADERS, 'Content-Type': contentTypeOf(file) };
  return new Response(request.method === 'HEAD' ? null : body, { status: 200, headers });
}

/** The file inside `rendererDir` that `url` names, or null when the URL is not the app's or would leave the folder. */
export function rendererFileFor(rendererDir: string, url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== `${APP_SCHEME}:` || parsed.host !== APP_HOST) return null;
  return resolveRendererFile(resolve(rendererDir), parsed.pathname);
}

function plain(status: number, text: string, extra: Record<string, string> = {}): Response {
  return new Response(text, {
    status,
    headers: { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8', ...extra },
  });
}
