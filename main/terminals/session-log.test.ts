import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RotatingLog } from '../../agent/log/rotating-log';
import { openSessionLog, sessionLogPath } from './session-log';

describe('openSessionLog', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lifeline-session-log-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  async function writeAll(log: RotatingLog, data: Buffer, chunk: number): Promise<void> {
    for (let offset = 0; offset < data.length; offset += chunk) {
      if (!log.write(data.subarray(offset, offset + chunk))) await once(log, 'drain');
    }
    log.end();
    await finished(log);
  }

  it('rotates by size into stamped files, keeps the newest ones uncompressed and owner-only', async () => {
    const data = Buffer.from(Array.from({ length: 5000 }, (_, i) => String.fromCharCode(97 + (i % 26))).join(''));
    const folder = join(dir, 'logs', 'server-1');
    const path = join(folder, 'today-t1.log');
    await writeAll(openSessionLog(path, { maxBytes: 1000, files: 3 }), data, 250);

    const names = readdirSync(folder).sort();
    expect(names).toHaveLength(3);
    const rotated = names.filter((name) => name !== 'today-t1.log');
    for (const name of rotated) expect(name).toMatch(/^today-t1\.\d{8}T\d{6}\.\d{3}Z\.log$/);
    const kept = Buffer.concat([...rotated, 'today-t1.log'].map((name) => readFileSync(join(folder, name))));
    for (const name of names) expect(statSync(join(folder, name)).size).toBe(1000);
    expect(kept.equals(data.subarray(data.length - 3000))).toBe(true);
    for (const name of names) expect(statSync(join(folder, name)).mode & 0o777).toBe(0o600);
    expect(statSync(folder).mode & 0o777).toBe(0o700);
  });

  it('appends to an existing log and counts its size', async () => {
    const path = join(dir, 'a.log');
    await writeAll(openSessionLog(path, { maxBytes: 10, files: 2 }), Buffer.from('1234567'), 7);
    await writeAll(openSessionLog(path, { maxBytes: 10, files: 2 }), Buffer.from('abc'), 3);
    expect(readdirSync(dir)).toEqual(['a.log']);
    expect(readFileSync(path, 'utf8')).toBe('1234567abc');
    await writeAll(openSessionLog(path, { maxBytes: 10, files: 2 }), Buffer.from('def'), 3);
    const [rotated] = readdirSync(dir).filter((name) => name !== 'a.log');
    expect(readFileSync(join(dir, rotated ?? ''), 'utf8')).toBe('1234567abc');
    expect(readFileSync(path, 'utf8')).toBe('def');
  });

  it('reports a folder it cannot create as an error event', async () => {
    const blocker = join(dir, 'file');
    await writeAll(openSessionLog(blocker), Buffer.from('x'), 1);
    const log = openSessionLog(join(blocker, 'sub', 'x.log'));
    const [error] = (await once(log, 'error')) as [NodeJS.ErrnoException];
    expect(error.code).toBe('ENOTDIR');
  });
});

describe('sessionLogPath', () => {
  it('puts the log under logs/<server>/<date>-<terminal>.log', () => {
    expect(sessionLogPath('/data', 'srv-1', 'term_2', new Date('2025-03-04T23:59:00Z'))).toBe('/data/logs/srv-1/2025-03-04-term_2.log');
  });

  it('refuses ids that would leave the logs folder', () => {
    expect(() => sessionLogPath('/data', '../etc', 't', new Date())).toThrow(/cannot name a log file/);
  });
});
