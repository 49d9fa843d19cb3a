import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { locateProgram } from './program-path';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lifeline-program-path-'));
  mkdirSync(join(dir, 'bin'));
  mkdirSync(join(dir, 'plain'));
  mkdirSync(join(dir, 'app'));
  writeFileSync(join(dir, 'bin', 'tool'), '#!/bin/sh\n', { mode: 0o755 });
  writeFileSync(join(dir, 'plain', 'tool'), 'not a program\n', { mode: 0o644 });
  writeFileSync(join(dir, 'app', 'deploy.sh'), '#!/bin/sh\n', { mode: 0o755 });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('locateProgram', () => {
  it('looks a bare name up in PATH, in order, passing over files that cannot run', () => {
    expect(locateProgram('tool', dir, `${join(dir, 'plain')}:${join(dir, 'bin')}`)).toEqual({ path: join(dir, 'bin', 'tool') });
  });

  it('takes a name with a slash relative to the working directory, never from PATH', () => {
    expect(locateProgram('./deploy.sh', join(dir, 'app'), join(dir, 'bin'))).toEqual({ path: join(dir, 'app', 'deploy.sh') });
    expect(locateProgram('app/tool', dir, join(dir, 'bin'))).toEqual({ error: 'app/tool was not found (check the path, or PATH)' });
  });

  it('takes an empty PATH entry as the working directory', () => {
    expect(locateProgram('deploy.sh', join(dir, 'app'), `${join(dir, 'bin')}:`)).toEqual({ path: join(dir, 'app', 'deploy.sh') });
  });

  it('says whether a program is missing or cannot run', () => {
    expect(locateProgram('missing', dir, join(dir, 'bin'))).toEqual({ error: 'missing was not found (check the path, or PATH)' });
    expect(locateProgram('tool', dir, join(dir, 'plain'))).toEqual({ error: 'tool is not executable (check its permissions)' });
    expect(locateProgram('bin', dir, dir)).toEqual({ error: 'bin was not found (check the path, or PATH)' });
  });
});
