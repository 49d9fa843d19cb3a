import { basename, dirname, extname, join } from 'node:path';

/**
 * The names of a log's rotated files: `<stem>.<UTC stamp><ext>`, e.g. `agent.20250304T101112.345Z.log`,
 * then `….log.gz` once compressed and `….log.gz.tmp` while being compressed.
 *
 * A stamp rather than a number (`agent.log.1`): a rotated file keeps its name for life, so compressing it
 * in the background never races a rename of the files after it, and a plain sort of the names is the
 * order of age.
 */
export interface LogFamily {
  readonly dir: string;
  readonly stem: string;
  readonly ext: string;
  readonly pattern: RegExp;
}

export interface RotatedEntry {
  /** The file's name in the log's folder. */
  readonly name: string;
  /** Sorts like the time of rotation. */
  readonly stamp: string;
  readonly gz: boolean;
  /** A compression that has not finished (or never will: the process died during it). */
  readonly tmp: boolean;
}

export function logFamily(path: string): LogFamily {
  const file = basename(path);
  const ext = extname(file);
  const stem = file.slice(0, file.length - ext.length);
  const pattern = new RegExp(`^${escape(stem)}\\.(\\d{8}T\\d{6}\\.\\d{3}Z)${escape(ext)}(\\.gz)?(\\.tmp)?$`);
  return { dir: dirname(path), stem, ext, pattern };
}

/** The path a file rotated at `ms` gets. */
export function rotatedPath(family: LogFamily, ms: number): string {
  return join(family.dir, `${family.stem}.${stampOf(ms)}${family.ext}`);
}

export function parseRotated(family: LogFamily, name: string): RotatedEntry | undefined {
  const match = family.pattern.exec(name);
  if (!match?.[1]) return undefined;
  const gz = match[2] !== undefined;
  const tmp = match[3] !== undefined;
  // Only compression writes temporary files, and always as `.gz.tmp`.
  if (tmp && !gz) return undefined;
  return { name, stamp: match[1], gz, tmp };
}

/** The rotated entries among a folder's names, oldest first. */
export function rotatedEntries(family: LogFamily, names: readonly string[]): RotatedEntry[] {
  return names
    .map((name) => parseRotated(family, name))
    .filter((entry): entry is RotatedEntry => entry !== undefined)
    .sort((a, b) => (a.stamp < b.stamp ? -1 : a.stamp > b.stamp ? 1 : 0));
}

/** `20250304T101112.345Z`: ISO 8601 basic format, which has no ':' (not allowed in Windows names). */
export function stampOf(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '');
}

export function msOfStamp(stamp: string): number {
  const [, y, mo, d, h, mi, s, frac] = /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)\.(\d{3})Z$/.exec(stamp) ?? [];
  return Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${s}.${frac}Z`);
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
