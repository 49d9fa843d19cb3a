import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Logger, LogOutput, type LogOutputOptions } from './logger';
import { RotatingLog } from './rotating-log';
import { LogCollector as Collector } from './testing';

const T0 = Date.UTC(2025, 2, 4, 10, 11, 12, 345);


function setup(options: Partial<LogOutputOptions> = {}): { logger: Logger; sink: Collector; reports: string[] } {
  const sink = new Collector();
  const reports: string[] = [];
  const output = new LogOutput({ sinks: [sink], now: () => T0, report: (message) => reports.push(message), ...options });
  return { logger: new Logger(output), sink, reports };
}

describe('Logger', () => {
  it('writes one JSON object per line: time, level, msg, then the fields', () => {
    const { logger, sink } = setup();
    logger.child({ requestId: 'req-1' }).info('delivery accepted', { hook: 'example', jobId: 7 });
    logger.warn('disk space low', { freeBytes: 1024 });
    const [first, second] = sink.records();
    expect(first).toEqual({ time: '2025-03-04T10:11:12.345Z', level: 'info', msg: 'delivery accepted', requestId: 'req-1', hook: 'example', jobId: 7 });
    expect(Object.keys(first ?? {})).toEqual(['time', 'level', 'msg', 'requestId', 'hook', 'jobId']);
    expect(second).toEqual({ time: '2025-03-04T10:11:12.345Z', level: 'warn', msg: 'disk space low', freeBytes: 1024 });
  });

  it('gives child loggers their own fields, a later field replacing an earlier one, never the head', () => {
    const { logger, sink } = setup();
    const job = logger.child({ requestId: 'req-2', site: 'blog' }).child({ jobId: 9 });
    job.info('step started', { step: 'git', site: 'docs' });
    job.error('step failed', { time: 'yesterday', level: 'debug', msg: 'spoofed' });
    logger.info('unrelated');
    expect(sink.records()).toEqual([
      { time: '2025-03-04T10:11:12.345Z', level: 'info', msg: 'step started', requestId: 'req-2', site: 'docs', jobId: 9, step: 'git' },
      { time: '2025-03-04T10:11:12.345Z', level: 'error', msg: 'step failed', requestId: 'req-2', site: 'blog', jobId: 9 },
      { time: '2025-03-04T10:11:12.345Z', level: 'info', msg: 'unrelated' },
    ]);
  });

  it('writes nothing below the minimum level (info unless set)', () => {
    const quiet = setup();
    quiet.logger.debug('details');
    quiet.logger.info('news');
    expect(quiet.sink.records().map((record) => record.msg)).toEqual(['news']);
    expect(quiet.logger.enabled('debug')).toBe(false);

    const warnOnly = setup({ level: 'warn' });
    for (const level of ['debug', 'info', 'warn', 'error'] as const) warnOnly.logger.log(level, level);
    expect(warnOnly.sink.records().map((record) => record.msg)).toEqual(['warn', 'error']);
  });

  it('writes errors as name, message, code and cause, with the stack only at debug', () => {
    const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
    const error = new TypeError('fetch failed', { cause });
    const info = setup();
    info.logger.error('health check failed', { error });
    expect(info.sink.records()[0]?.error).toEqual({
      name: 'TypeError',
      message: 'fetch failed',
      cause: { name: 'Error', message: 'connect ECONNREFUSED 127.0.0.1:9', code: 'ECONNREFUSED' },
    });

    const debug = setup({ level: 'debug' });
    debug.logger.error('health check failed', { error });
    const written = debug.sink.records()[0]?.error as { stack?: string; cause: { stack?: string } };
    expect(written.stack).toBe(error.stack);
    expect(written.cause.stack).toMatch(/^Error: connect ECONNREFUSED/);
  });

  it('redacts fields named like secrets, at any depth', () => {
    const { logger, sink } = setup();
    logger.child({ apiToken: 'tok-1' }).info('request', {
      headers: { Authorization: 'Bearer abc', 'x-hub-signature-256': 'sha256=00', 'content-type': 'application/json' },
      hooks: [{ id: 'gh', secret: 's3cret' }],
      vault: { password: 'pw', passphrase: 'pp', privateKey: 'KEY', api_key: 'k', cookie: 'c' },
      tokenless: undefined,
      branch: 'main',
    });
    const [record] = sink.records();
    expect(record).toMatchObject({
      apiToken: '[redacted]',
      headers: { Authorization: '[redacted]', 'x-hub-signature-256': '[redacted]', 'content-type': 'application/json' },
      hooks: [{ id: 'gh', secret: '[redacted]' }],
      vault: { password: '[redacted]', passphrase: '[redacted]', privateKey: '[redacted]', api_key: '[redacted]', cookie: '[redacted]' },
      branch: 'main',
    });
    expect(sink.lines[0]).not.toMatch(/tok-1|abc|sha256=00|s3cret|"pw"|"pp"|KEY/);
  });

  it('takes a redaction rule of its own', () => {
    const { logger, sink } = setup({ redact: (key) => key === 'commit' });
    logger.info('deploy', { commit: 'abc123', secret: 'shown: the rule replaces the default' });
    expect(sink.records()[0]).toMatchObject({ commit: '[redacted]', secret: 'shown: the rule replaces the default' });
  });

  it('never throws, whatever the fields hold', () => {
    const { logger, sink } = setup();
    const loop: Record<string, unknown> = { name: 'loop' };
    loop.self = loop;
    const shared = { id: 1 };
    logger.info('odd values', { loop, pair: [shared, shared], big: 12345678901234567890n, bytes: Buffer.alloc(2048), when: new Date(T0) });
    logger.info('bad toJSON', { value: { toJSON: () => { throw new Error('cannot'); } } });
    const getter = Object.defineProperty({}, 'boom', { enumerable: true, get: () => { throw new Error('getter'); } });
    expect(() => logger.info('bad getter', getter)).not.toThrow();

    const [odd, badJson, badGetter] = sink.records();
    expect(odd).toMatchObject({
      loop: { name: 'loop', self: '[circular]' },
      pair: [{ id: 1 }, { id: 1 }],
      big: '12345678901234567890',
      bytes: '[2048 bytes]',
      when: '2025-03-04T10:11:12.345Z',
    });
    expect(badJson).toEqual({ time: '2025-03-04T10:11:12.345Z', level: 'info', msg: 'bad toJSON', logError: 'the fields of this line could not be written: cannot' });
    expect(badGetter).toMatchObject({ msg: 'bad getter', logError: 'the fields of this line could not be written: getter' });
  });

  it('reports a failing sink once and goes on writing to the others', async () => {
    const good = new Collector();
    const throwing = new Writable({ write: (_chunk, _encoding, callback) => callback() });
    throwing.write = () => {
      throw new Error('EBADF: bad file descriptor');
    };
    const broken = new Collector();
    const reports: string[] = [];
    const output = new LogOutput({ sinks: [throwing, broken, good], report: (message) => reports.push(message) });
    const logger = new Logger(output);

    logger.info('one');
    broken.destroy(new Error('ENOSPC: no space left on device'));
    logger.info('two');
    logger.info('three');
    await new Promise((resolve) => broken.once('close', resolve)); // after its 'error' event: still one report

    expect(good.records().map((record) => record.msg)).toEqual(['one', 'two', 'three']);
    expect(broken.records().map((record) => record.msg)).toEqual(['one']);
    expect(reports).toEqual([
      'Writing the log to one of its outputs failed (EBADF: bad file descriptor); lines are lost there until the agent restarts.',
      'Writing the log to one of its outputs failed (ENOSPC: no space left on device); lines are lost there until the agent restarts.',
    ]);
    output.close();
    expect(broken.listenerCount('error')).toBe(0);
  });

  it('drops lines written after close without calling it a failure, even once the sinks have ended', async () => {
    const sink = new Collector();
    const reports: string[] = [];
    const output = new LogOutput({ sinks: [sink], report: (message) => reports.push(message) });
    const logger = new Logger(output);
    logger.info('before');
    output.close();
    sink.end();
    await finished(sink);
    logger.info('after');
    expect(sink.records().map((record) => record.msg)).toEqual(['before']);
    expect(reports).toEqual([]);
  });

  it('drops lines a stuck sink cannot take, then says how many', async () => {
    const stuck = new Collector(true);
    const output = new LogOutput({ sinks: [stuck], maxBufferedBytes: 500, now: () => T0 });
    const logger = new Logger(output);
    for (let i = 0; i < 50; i++) logger.info('tick', { i });
    // Bounded: what is queued is the limit and one line at most.
    expect(stuck.writableLength).toBeLessThan(500 + 100);

    stuck.release();
    await new Promise((resolve) => setImmediate(resolve));
    expect(stuck.writableLength).toBe(0);
    logger.info('after');
    const records = stuck.records();
    const taken = records.findIndex((record) => record.level === 'warn');
    expect(taken).toBeGreaterThan(0);
    expect(taken).toBeLessThan(50);
    expect(records.slice(0, taken).map((record) => record.i)).toEqual(Array.from({ length: taken }, (_, i) => i));
    expect(records.slice(taken)).toEqual([
      { time: '2025-03-04T10:11:12.345Z', level: 'warn', msg: 'log lines were dropped: this log could not keep up', dropped: 50 - taken },
      { time: '2025-03-04T10:11:12.345Z', level: 'info', msg: 'after' },
    ]);
    output.close();
  });
});

describe('Logger into a RotatingLog', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lifeline-logger-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps every line whole across rotated, compressed files', async () => {
    const file = new RotatingLog(join(dir, 'agent.log'), { maxBytes: 2000, keep: { files: 100 }, gzip: true });
    const output = new LogOutput({ sinks: [file] });
    const logger = new Logger(output).child({ requestId: 'req-9' });
    for (let i = 0; i < 200; i++) logger.info('webhook answered', { i, status: 202 });
    file.end();
    await finished(file);
    output.close();

    const names = readdirSync(dir).sort();
    expect(names.at(-1)).toBe('agent.log');
    expect(names.filter((name) => name.endsWith('.log.gz')).length).toBeGreaterThan(5);
    // Each file on its own is whole JSON lines: a line is never cut across a rotation.
    const lines = names.flatMap((name) => {
      const bytes = readFileSync(join(dir, name));
      const text = (name.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
      expect(text.endsWith('\n')).toBe(true);
      return text
        .slice(0, -1)
        .split('\n')
        .map((line) => JSON.parse(line) as { i: number; requestId: string });
    });
    expect(lines.map((line) => line.i)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(lines.every((line) => line.requestId === 'req-9')).toBe(true);
  });

  it('reports a log file it cannot write once, saying where, and keeps logging to the other sinks', async () => {
    writeFileSync(join(dir, 'blocker'), 'a file where the logs folder should be');
    const file = new RotatingLog(join(dir, 'blocker', 'logs', 'agent.log'), { maxBytes: 2000, keep: { files: 3 } });
    const screen = new Collector();
    const reports: string[] = [];
    const output = new LogOutput({ sinks: [file, screen], report: (message) => reports.push(message) });
    const logger = new Logger(output);
    logger.info('first');
    await new Promise((resolve) => file.once('close', resolve));
    logger.info('second');
    output.close();

    expect(screen.records().map((record) => record.msg)).toEqual(['first', 'second']);
    expect(reports).toEqual([
      expect.stringMatching(/^Writing the log to .*blocker\/logs\/agent\.log failed \(ENOTDIR.*\); lines are lost there until the agent restarts\. Check the free space and permissions of .*blocker\/logs\.$/),
    ]);
  });
});
