import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stampOf } from './rotated-names';
import { RotatingLog, type RotatingLogOptions } from './rotating-log';

const DAY = 24 * 60 * 60 * 1000;
const T0 = Date.UTC(2025, 2, 4, 10, 11, 12, 345);

let dir: string;
let path: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lifeline-rotating-log-'));
  path = join(dir, 'app.log');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function open(options: Partial<RotatingLogOptions> = {}): RotatingLog {
  return new RotatingLog(path, { maxBytes: 10, keep: { files: 100 }, now: () => T0, ...options });
}

function write(log: RotatingLog, data: string | Buffer): Promise<void> {
  return new Promise((resolve, reject) => log.write(data, (error) => (error ? reject(error) : resolve())));
}

async function finish(log: RotatingLog): Promise<void> {
  log.end();
  await finished(log);
}

function names(): string[] {
  return readdirSync(dir).sort();
}

function read(name: string): string {
  const bytes = readFileSync(join(dir, name));
  return (name.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
}

/** A rotated file as an earlier run would have left it. */
function rotated(ms: number, content: string, suffix = ''): string {
  const name = `app.${stampOf(ms)}.log${suffix}`;
  writeFileSync(join(dir, name), content);
  return name;
}

describe('RotatingLog', () => {
  it('lets a file reach the size limit exactly and starts a new one with the next write', async () => {
    const log = open();
    await write(log, '0123456789');
    expect(names()).toEqual(['app.log']);
    await write(log, 'x');
    expect(names()).toEqual(['app.20250304T101112.345Z.log', 'app.log']);
    expect(read('app.20250304T101112.345Z.log')).toBe('0123456789');
    await finish(log);
    expect(read('app.log')).toBe('x');
  });

  it('keeps each write whole in one file and splits only a write larger than a file', async () => {
    const log = open();
    await write(log, 'line-1\n');
    await write(log, 'line-2\n');
    await write(log, 'abcdefghijklmnopqrstuvwxy');
    await finish(log);
    const files = names().filter((name) => name !== 'app.log');
    expect([...files, 'app.log'].map(read)).toEqual(['line-1\n', 'line-2\n', 'abcdefghij', 'klmnopqrst', 'uvwxy']);
  });

  it('writes lines queued together as batches, still rotating only between whole lines', async () => {
    const log = open({ maxBytes: 20 });
    const lines = Array.from({ length: 40 }, (_, index) => `l${String(index).padStart(2, '0')}\n`);
    // Corked writes reach the file as one _writev call: the batching path, not one write per line.
    log.cork();
    const written = lines.map((line) => write(log, line));
    log.uncork();
    await Promise.all(written);
    await finish(log);
    const files = [...names().filter((name) => name !== 'app.log'), 'app.log'];
    const contents = files.map(read);
    expect(contents.join('')).toBe(lines.join(''));
    // 4-byte lines, 20-byte files: five whole lines a file, never a line cut in two.
    expect(contents.every((content) => content.length <= 20 && /^(l\d\d\n)+$/.test(content))).toBe(true);
    expect(contents).toHaveLength(8);
  });

  it('names files rotated in the same millisecond apart and in order, across restarts too', async () => {
    const first = open();
    for (const text of ['aaaaaaaaaa', 'bbbbbbbbbb', 'cccccccccc']) await write(first, text);
    await finish(first);
    // The clock went back: the next name still sorts after the ones already there.
    const second = open({ now: () => T0 - 60_000 });
    await write(second, 'dddddddddd');
    await finish(second);
    expect(names()).toEqual(['app.20250304T101112.345Z.log', 'app.20250304T101112.346Z.log', 'app.20250304T101112.347Z.log', 'app.log']);
    expect(names().map(read)).toEqual(['aaaaaaaaaa', 'bbbbbbbbbb', 'cccccccccc', 'dddddddddd']);
  });

  it('compresses rotated files in the background, owner-only, and their content round-trips', async () => {
    let clock = T0;
    const log = open({ maxBytes: 64, gzip: true, now: () => (clock += 1000) });
    const lines = Array.from({ length: 30 }, (_, i) => `${JSON.stringify({ i, msg: 'deploy step finished' })}\n`);
    for (const line of lines) await write(log, line);
    await finish(log);

    const files = names();
    expect(files.at(-1)).toBe('app.log');
    const archives = files.slice(0, -1);
    expect(archives.length).toBeGreaterThan(5);
    for (const name of archives) {
      expect(name).toMatch(/^app\.\d{8}T\d{6}\.\d{3}Z\.log\.gz$/);
      expect(statSync(join(dir, name)).mode & 0o777).toBe(0o600);
    }
    expect(files.map(read).join('')).toBe(lines.join(''));
    expect(statSync(join(dir, 'app.log')).mode & 0o777).toBe(0o600);
  });

  it('at start-up, finishes compressions a crash cut short and keeps the files’ times', async () => {
    const cut = rotated(T0 - 2 * DAY, 'the plain file is still whole\n');
    writeFileSync(join(dir, `${cut}.gz.tmp`), gzipSync('the plain file is still whole\n').subarray(0, 12));
    const past = new Date(T0 - 2 * DAY);
    utimesSync(join(dir, cut), past, past);
    const done = rotated(T0 - DAY, 'compressed before the crash\n');
    writeFileSync(join(dir, `${done}.gz`), gzipSync('compressed before the crash\n'));

    await finish(open({ gzip: true, keep: { maxAgeMs: 30 * DAY } }));

    expect(names()).toEqual([`${cut}.gz`, `${done}.gz`, 'app.log']);
    expect(read(`${cut}.gz`)).toBe('the plain file is still whole\n');
    expect(read(`${done}.gz`)).toBe('compressed before the crash\n');
    expect(statSync(join(dir, `${cut}.gz`)).mtimeMs).toBe(past.getTime());
  });

  it('at start-up, removes a half-written archive even with compression off, keeping the plain file', async () => {
    const plain = rotated(T0 - DAY, 'kept as it is\n');
    writeFileSync(join(dir, `${plain}.gz.tmp`), 'half');
    await finish(open({ keep: { files: 5 } }));
    expect(names()).toEqual([plain, 'app.log']);
    expect(read(plain)).toBe('kept as it is\n');
  });

  it('reports a compression that fails, keeps the plain file, and still applies the limits', async () => {
    rotated(T0 - 4000, 'w'.repeat(10)); // one file too many
    const stuck = rotated(T0 - 3000, 'x'.repeat(10));
    mkdirSync(join(dir, `${stuck}.gz.tmp`)); // a folder where the archive would be written
    rotated(T0 - 2000, 'y'.repeat(10));
    const problems: string[] = [];
    await finish(open({ gzip: true, keep: { files: 3 }, onProblem: (message) => problems.push(message) }));

    expect(problems).toContainEqual(expect.stringMatching(new RegExp(`^Could not compress the rotated log .*${stuck.replace(/\./g, '\\.')}: .*check the free space and permissions`)));
    expect(names()).toEqual([stuck, `${stuck}.gz.tmp`, `app.${stampOf(T0 - 2000)}.log.gz`, 'app.log']);
    expect(read(stuck)).toBe('x'.repeat(10));
  });

  it('deletes the oldest files beyond the total size, at start-up and after each rotation', async () => {
    for (let i = 5; i >= 1; i--) rotated(T0 - i * 1000, String(i).repeat(100));
    await finish(open({ maxBytes: 100, keep: { totalBytes: 350 } }));
    // At start-up (the current file empty): 500 bytes, so the two oldest went.
    expect(names()).toEqual([`app.${stampOf(T0 - 3000)}.log`, `app.${stampOf(T0 - 2000)}.log`, `app.${stampOf(T0 - 1000)}.log`, 'app.log']);

    const log = open({ maxBytes: 100, keep: { totalBytes: 350 } });
    await write(log, 'n'.repeat(100));
    await write(log, 'm');
    await finish(log);
    expect(names()).toEqual([`app.${stampOf(T0 - 2000)}.log`, `app.${stampOf(T0 - 1000)}.log`, `app.${stampOf(T0)}.log`, 'app.log']);
    expect(read('app.log')).toBe('m');
  });

  it('deletes rotated files older than the age limit, but never the file being written', async () => {
    const now = Date.now();
    const old = rotated(now - 40 * DAY, 'old\n');
    const recent = rotated(now - 10 * DAY, 'recent\n');
    writeFileSync(path, 'current\n');
    utimesSync(join(dir, old), new Date(now - 40 * DAY), new Date(now - 40 * DAY));
    utimesSync(join(dir, recent), new Date(now - 10 * DAY), new Date(now - 10 * DAY));
    utimesSync(path, new Date(now - 100 * DAY), new Date(now - 100 * DAY));

    await finish(open({ maxBytes: 1000, keep: { maxAgeMs: 30 * DAY }, now: () => now }));
    expect(names()).toEqual([recent, 'app.log']);
  });

  it('keeps a count of files, and leaves other files in the folder alone', async () => {
    const others = ['app.log.bak', 'app-2.20250101T000000.000Z.log', 'other.log'];
    for (const name of others) writeFileSync(join(dir, name), 'not ours');
    const log = open({ keep: { files: 2 } });
    for (const text of ['aaaaaaaaaa', 'bbbbbbbbbb', 'cccccccccc', 'd']) await write(log, text);
    await finish(log);
    expect(names()).toEqual([...others, 'app.20250304T101112.347Z.log', 'app.log'].sort());
  });

  it('asks for backpressure when too much is queued and drains', async () => {
    const log = open({ maxBytes: 1024 * 1024 });
    const data = Buffer.alloc(64 * 1024, 'z');
    expect(log.write(data)).toBe(false);
    await once(log, 'drain');
    await finish(log);
    expect(readFileSync(path).equals(data)).toBe(true);
  });

  it('refuses limits that would fill the disk or make no sense', () => {
    expect(() => open({ maxBytes: 0 })).toThrow(/file size limit is a whole number of bytes of at least 1, not 0/);
    expect(() => open({ keep: {} })).toThrow(/needs a limit on what it keeps/);
    expect(() => open({ keep: { files: 0 } })).toThrow(/whole numbers of at least 1, not 0/);
  });
});
