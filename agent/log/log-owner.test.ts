import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { claimLogNames } from './log-owner';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lifeline-log-owner-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('claimLogNames', () => {
  it('gives the plain names to the first process and pid-named ones to a second live one', () => {
    const first = claimLogNames(dir, process.pid);
    expect(first.suffix).toBe('');
    // Another live process: this test's parent stands in for a second agent.
    const second = claimLogNames(dir, process.ppid);
    expect(second.suffix).toBe(`-${process.ppid}`);
    first.release();
    expect(existsSync(join(dir, 'agent.lock'))).toBe(false);
    expect(claimLogNames(dir, process.ppid).suffix).toBe('');
  });

  it('takes over the plain names from an agent that died', async () => {
    const child = spawn(process.execPath, ['-e', '']);
    const pid = child.pid!;
    await new Promise((resolve) => child.once('exit', resolve));
    writeFileSync(join(dir, 'agent.lock'), `${pid}\n`);
    const claim = claimLogNames(dir, process.pid);
    expect(claim.suffix).toBe('');
    expect(readFileSync(join(dir, 'agent.lock'), 'utf8').trim()).toBe(String(process.pid));
  });
});
