import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JobLog } from './job-log';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lifeline-job-log-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('JobLog', () => {
  it('appends to its file and counts the bytes stored', () => {
    const file = join(dir, 'logs', '7.log');
    const log = new JobLog(file, 1000, () => Date.UTC(2025, 0, 2, 3, 4, 5));
    log.write('héllo\n');
    expect(log.offset).toBe(Buffer.byteLength('héllo\n'));
    log.note('step 1 started');
    log.close();
    expect(readFileSync(file, 'utf8')).toBe('héllo\n[2025-01-02T03:04:05.000Z] step 1 started\n');
  });

  it('continues the same file when opened again (a resumed deploy)', () => {
    const file = join(dir, '8.log');
    const first = new JobLog(file, 1000);
    first.write('before\n');
    first.close();
    const second = new JobLog(file, 1000);
    expect(second.offset).toBe(7);
    second.write('after\n');
    second.close();
    expect(readFileSync(file, 'utf8')).toBe('before\nafter\n');
  });

  it('stores nothing past the cap, says how much was cut, and still streams everything live', () => {
    const file = join(dir, '9.log');
    const log = new JobLog(file, 10);
    const seen: string[] = [];
    let ended = false;
    log.follow((text) => seen.push(text), () => (ended = true));
    log.write('123456');
    log.write('7890abcd');
    log.write('efgh');
    expect(log.offset).toBe(10);
    log.close();
    expect(seen.join('')).toBe('1234567890abcdefgh');
    expect(ended).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe(
      '1234567890\n[lifeline] 8 bytes of output were not stored: this log is capped at 10 bytes (live viewers received all of it).\n',
    );
  });

  it('stops feeding a follower that unsubscribed or failed, without stopping the log', () => {
    const log = new JobLog(join(dir, '10.log'), 100);
    const kept: string[] = [];
    const gone: string[] = [];
    log.follow(() => {
      throw new Error('connection closed');
    });
    const unsubscribe = log.follow((text) => gone.push(text));
    log.follow((text) => kept.push(text));
    log.write('a');
    unsubscribe();
    log.write('b');
    log.close();
    expect(kept).toEqual(['a', 'b']);
    expect(gone).toEqual(['a']);
    expect(readFileSync(join(dir, '10.log'), 'utf8')).toBe('ab');
  });

  it('stores copied bytes as they are and hands their decoding to followers', () => {
    const file = join(dir, '11.log');
    writeFileSync(file, 'from before\n');
    const log = new JobLog(file, 100);
    const seen: string[] = [];
    log.follow((text) => seen.push(text));
    const bytes = Buffer.from([0xff, 0x0a]);
    log.copy(bytes, '\ufffd\n');
    expect(log.sizeWhenOpened).toBe(12);
    expect(log.offset).toBe(14);
    log.close();
    expect(seen).toEqual(['\ufffd\n']);
    expect(readFileSync(file).subarray(12)).toEqual(bytes);
  });

  it('is full at its cap', () => {
    const log = new JobLog(join(dir, '12.log'), 4);
    log.write('abc');
    expect(log.full).toBe(false);
    log.write('de');
    expect(log.full).toBe(true);
    log.close();
  });
});

