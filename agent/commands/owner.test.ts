import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { currentOwner, ownerAlive, startTimeOf } from './owner';

describe('owner', () => {
  it('tells a running owner from an ended one and from a stranger under the same pid', async () => {
    const owner = currentOwner();
    expect(owner.pid).toBe(process.pid);
    expect(owner.start).toMatch(/^\d+$/);
    expect(ownerAlive(owner)).toBe(true);
    expect(ownerAlive({ pid: process.pid, start: String(Number(owner.start) + 1) })).toBe(false);

    const child = spawn('sleep', ['30']);
    await once(child, 'spawn');
    const pid = child.pid ?? 0;
    const start = startTimeOf(pid);
    expect(start).toMatch(/^\d+$/);
    child.kill('SIGKILL');
    await once(child, 'exit');
    expect(startTimeOf(pid)).toBeUndefined();
    expect(ownerAlive({ pid, start: start ?? '' })).toBe(false);
  });

  it('reads the start time past a command name holding ") "', async () => {
    // The kernel names a process after the file it executed, so a link called "a) b c" gives that name.
    const dir = mkdtempSync(join(tmpdir(), 'lifeline-owner-'));
    symlinkSync('/bin/sleep', join(dir, 'a) b c'));
    const child = spawn(join(dir, 'a) b c'), ['30'], { stdio: 'ignore' });
    await once(child, 'spawn');
    try {
      const pid = child.pid ?? 0;
      expect(readFileSync(`/proc/${pid}/comm`, 'utf8')).toBe('a) b c\n');
      // Field 22, counted by hand: the name's two spaces add two words before it.
      expect(startTimeOf(pid)).toBe(readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ')[21 + 2]);
    } finally {
      child.kill('SIGKILL');
      await once(child, 'exit');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
