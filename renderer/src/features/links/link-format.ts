import type { LinkState } from '../../../../preload/api';

/** Each state has a word and a glyph besides its colour, so it never depends on colour alone. */
export const STATE_LABELS: Record<LinkState, { text: string; icon: string }> = {
  up: { text: 'Up', icon: '●' },
  degraded: { text: 'Degraded', icon: '▲' },
  down: { text: 'Down', icon: '✕' },
  unknown: { text: 'Unknown', icon: '?' },
};

/** "0.4 ms", "3.2 ms", "12 ms", "1.5 s": enough digits to compare layers, no false precision. */
export function formatLatency(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '—';
  if (ms >= 1000) return `${trim((ms / 1000).toFixed(1))} s`;
  if (ms >= 10) return `${Math.round(ms)} ms`;
  if (ms >= 0.1) return `${trim(ms.toFixed(1))} ms`;
  return ms === 0 ? '0 ms' : `${trim(ms.toFixed(2))} ms`;
}

/** "3 failed in a row", or null when the last probe worked. */
export function formatFailures(failures: number): string | null {
  if (failures <= 0) return null;
  return failures === 1 ? '1 failed probe' : `${failures} failed in a row`;
}

/** "first" for 1, up to "fourth" (a server has at most four layers). */
export function ordinal(position: number): string {
  return ['first', 'second', 'third', 'fourth'][position - 1] ?? `#${position}`;
}

/** A probe's time in local time: the clock alone today, with the date otherwise. */
export function formatProbeTime(iso: string | null, now: Date = new Date()): string {
  if (iso === null) return 'never probed';
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return 'at an unknown time';
  const time = at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  return sameDay(at, now) ? time : `${at.toLocaleDateString([], { month: 'short', day: 'numeric' })} ${time}`;
}

function sameDay(a: Date, b: Date): boolean {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
}

function trim(fixed: string): string {
  return fixed.replace(/\.0+$/, '');
}
