import { extname, isAbsolute, join, relative, sep } from 'node:path';

// What both hosts of the renderer share: the web console (main/web/static-files.ts) and the desktop's
// lifeline:// protocol (main/electron/protocol.ts) serve the same built files under the same policy.

/** The renderer's one Content-Security-Policy, sent as a header by both hosts. */
// The renderer is built by Vite into plain files: nothing needs eval or third-party origins. Inline
// styles stay allowed because React's `style` props and xterm.js write them.
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
].join('; ');

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

export function contentTypeOf(file: string): string {
  return CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * Maps a raw request path (still percent-encoded) onto a file under `root`, or null when the path tries
 * to leave it: bad percent-encoding, NUL, backslashes, or `.`/`..` segments in any spelling (`%2e%2e`
 * included). `/` is index.html.
 */
export function resolveRendererFile(root: string, rawPath: string): string | null {
  if (!rawPath.startsWith('/')) return null;
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const segments = decoded.split('/').slice(1);
  if (segments.some((segment) => segment === '.' || segment === '..')) return null;
  const file = join(root, ...(decoded === '/' ? ['index.html'] : segments));
  return isWithin(root, file) ? file : null;
}

export function isWithin(root: string, file: string): boolean {
  const rel = relative(root, file);
  return rel !== '' && !isAbsolute(rel) && rel.split(sep)[0] !== '..';
}
