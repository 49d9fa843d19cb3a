import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RotatingLog, sessionLogPath } from './session-log';

describe('RotatingLog', () => {
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
    await once(log, 'finish');
  }

  it('rotates by size, keeps the newest files and drops the oldest', async () => {
    const data = Buffer.from(Array.from({ length: 5000 }, (_, i) => String.fromCharCode(97 + (i % 26))).join(''));
    const path = join(dir, 'logs', 'server-1', 'today-t1.log');
    await writeAll(new RotatingLog(path, { maxBytes: 1000, files: 3 }), data, 300);

    expect(readdirSync(join(dir, 'logs', 'server-1')).sort()).toEqual(['today-t1.log', 'today-t1.log.1', 'today-t1.log.2']);
    const kept = Buffer.concat([`${path}.2`, `${path}.1`, path].map((file) => readFileSync(file)));
    for (const file of [`${path}.2`, `${path}.1`, path]) expect(statSync(file).size).toBe(1000);
    expect(kept.equals(data.subarray(data.length - 3000))).toBe(true);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'logs', 'server-1')).mode & 0o777).toBe(0o700);
  });

  it('appends to an existing log and counts its size', async () => {
    const path = join(dir, 'a.log');
    await writeAll(new RotatingLog(path, { maxBytes: 10, files: 2 }), Buffer.from('1234567'), 7);
    await writeAll(new RotatingLog(path, { maxBytes: 10, files: 2 }), Buffer.from('abcdef'), 6);
    expect(readFileSync(`${path}.1`, 'utf8')).toBe('1234567abc');
    expect(readFileSync(path, 'utf8')).toBe('def');
  });

  it('reports a folder it cannot create as an error event', async () => {
    const blocker = join(dir, 'file');
    await writeAll(new RotatingLog(blocker), Buffer.from('x'), 1);
    const log = new RotatingLog(join(blocker, 'sub', 'x.log'));
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
