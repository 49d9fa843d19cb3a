import { mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openAgentLog } from './agent-log';
import { stampOf } from './rotated-names';

const DAY = 24 * 60 * 60 * 1000;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lifeline-agent-log-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('openAgentLog', () => {
  it('rotates at the configured size, compresses, and deletes files past the configured age', async () => {
    const old = `agent.${stampOf(Date.now() - 31 * DAY)}.log.gz`;
    writeFileSync(join(dir, old), 'old');
    utimesSync(join(dir, old), new Date(Date.now() - 31 * DAY), new Date(Date.now() - 31 * DAY));

    const log = openAgentLog(join(dir, 'agent.log'), { maxFileBytes: 64 * 1024, maxTotalBytes: 1024 * 1024, maxAgeDays: 30, jobLogMaxBytes: 1024 });
    const line = `${JSON.stringify({ msg: 'x'.repeat(1000) })}\n`;
    for (let i = 0; i < 70; i++) log.write(line);
    log.end();
    await finished(log);

    const names = readdirSync(dir).sort();
    expect(names).toHaveLength(2);
    expect(names[0]).toMatch(/^agent\.\d{8}T\d{6}\.\d{3}Z\.log\.gz$/);
    expect(names[1]).toBe('agent.log');
    const rotated = gunzipSync(readFileSync(join(dir, names[0] ?? ''))).toString('utf8');
    expect(rotated).toBe(line.repeat(Math.floor((64 * 1024) / line.length)));
    expect(readFileSync(join(dir, 'agent.log'), 'utf8')).toBe(line.repeat(70 - Math.floor((64 * 1024) / line.length)));
  });
});
