import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { prepareTriggerFolder, TriggerError } from './folder';

let base: string;

beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), 'lifeline-trigger-folder-'));
});

afterEach(() => {
  rmSync(base, { recursive: true, force: true });
});

describe('prepareTriggerFolder', () => {
  it('creates a missing folder, its parents too, readable by its owner only', async () => {
    const dir = join(base, 'agent', 'trigger');
    await prepareTriggerFolder(dir);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(base, 'agent')).mode & 0o777).toBe(0o700);
    await prepareTriggerFolder(dir); // an existing, safe folder is fine
  });

  it('refuses a folder other users can reach, and says how to fix it', async () => {
    const dir = join(base, 'open');
    mkdirSync(dir);
    chmodSync(dir, 0o750);
    await expect(prepareTriggerFolder(dir)).rejects.toThrow(TriggerError);
    await expect(prepareTriggerFolder(dir)).rejects.toThrow(`has mode 750, so other users can reach it; run chmod 700 ${dir}`);
  });

  it('refuses a folder owned by another user', async () => {
    // We run as root here (see FACTS.md), so the folder can be given away.
    const dir = join(base, 'foreign');
    mkdirSync(dir, { mode: 0o700 });
    chownSync(dir, 65534, 65534);
    await expect(prepareTriggerFolder(dir)).rejects.toThrow(/belongs to uid 65534, not to the agent's user \(uid \d+\); run chown/);
  });

  it('refuses a symbolic link and a file in the folder\'s place', async () => {
    const real = join(base, 'real');
    mkdirSync(real, { mode: 0o700 });
    symlinkSync(real, join(base, 'link'));
    await expect(prepareTriggerFolder(join(base, 'link'))).rejects.toThrow(/is a symbolic link; point the agent's trigger.dir at the real folder/);
    writeFileSync(join(base, 'file'), 'x');
    await expect(prepareTriggerFolder(join(base, 'file'))).rejects.toThrow(/exists but is not a folder/);
  });
});
