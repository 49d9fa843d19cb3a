// The terminal flood's text. The page of the peer rebuilds it from the same pool with this very function
// (sent as its source), so both sides get the same bytes without shipping 100 MB into the browser.

/** Each line: an 8-digit number, a space and 91 characters of the pool, 100 columns in all. */
export const LINE_COLUMNS = 100;

/** Numbered lines, so the last one shown proves the end arrived in order. `pool` must be longer than a line. */
export function floodText(pool: string, lines: number, eol: string): string {
  const textWidth = 91;
  const parts: string[] = [];
  for (let i = 0; i < lines; i++) {
    const from = (i * 7919) % (pool.length - textWidth);
    parts.push(String(i).padStart(8, '0') + ' ' + pool.slice(from, from + textWidth) + eol);
  }
  return parts.join('');
}
