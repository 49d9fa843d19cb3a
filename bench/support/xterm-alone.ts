// The peer of the terminal flood: xterm.js by itself in a page of the same Chromium, written the same
// bytes as fast as its write callbacks allow. Served through Playwright routes, so no server is needed.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { floodText } from './flood-text';
import type { Page } from 'playwright-core';

const XTERM = resolve(__dirname, '../../node_modules/@xterm/xterm');
const ORIGIN = 'http://xterm-alone.invalid';
const CHUNK_BYTES = 64 * 1024;
const IN_FLIGHT = 5;

const PAGE = `<!doctype html><html><head><link rel="stylesheet" href="/xterm.css"><script src="/xterm.js"></script></head>
<body style="margin:0"><div id="terminal"></div></body></html>`;

/**
 * Writes floodText(pool, lines, CR LF) — the line ends a PTY sends — into a fresh xterm of `cols`×`rows`.
 * Returns the bytes written, the milliseconds from the first write to the last write callback, and the
 * last row shown.
 */
export async function floodXtermAlone(
  page: Page,
  flood: { pool: string; lines: number },
  size: { cols: number; rows: number },
): Promise<{ bytes: number; ms: number; lastLine: string }> {
  await page.route(`${ORIGIN}/**`, (route) => {
    const path = new URL(route.request().url()).pathname;
    if (path === '/') return route.fulfill({ contentType: 'text/html', body: PAGE });
    if (path === '/xterm.js') return route.fulfill({ contentType: 'text/javascript', body: readFileSync(`${XTERM}/lib/xterm.js`) });
    if (path === '/xterm.css') return route.fulfill({ contentType: 'text/css', body: readFileSync(`${XTERM}/css/xterm.css`) });
    return route.fulfill({ status: 404, body: '' });
  });
  await page.goto(`${ORIGIN}/`);
  // A string: bench/ compiles without DOM types, and this runs in the page.
  const script = `(async ({ cols, rows, chunkBytes, inFlight, pool, lines }) => {
    const data = new TextEncoder().encode((${floodText.toString()})(pool, lines, '\\r\\n'));
    const Terminal = window.Terminal.Terminal ?? window.Terminal;
    const term = new Terminal({ cols, rows, fontSize: 14, scrollback: 1000 });
    term.open(document.getElementById('terminal'));
    const start = performance.now();
    await new Promise((done) => {
      let next = 0;
      let pending = 0;
      const pump = () => {
        while (pending < inFlight && next < data.length) {
          const chunk = data.subarray(next, next + chunkBytes);
          next += chunk.length;
          pending++;
          term.write(chunk, () => {
            pending--;
            if (next >= data.length && pending === 0) done();
            else pump();
          });
        }
      };
      pump();
    });
    const ms = performance.now() - start;
    const buffer = term.buffer.active;
    let lastLine = '';
    for (let y = buffer.length - 1; y >= 0 && lastLine === ''; y--) lastLine = buffer.getLine(y).translateToString(true);
    term.dispose();
    return { bytes: data.length, ms, lastLine };
  })`;
  return page.evaluate<{ bytes: number; ms: number; lastLine: string }>(`${script}(${JSON.stringify({ cols: size.cols, rows: size.rows, chunkBytes: CHUNK_BYTES, inFlight: IN_FLIGHT, ...flood })})`);
}
