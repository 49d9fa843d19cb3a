import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const IDENTITY = {
  GIT_AUTHOR_NAME: 'Lifeline Test',
  GIT_AUTHOR_EMAIL: 'test@lifeline.invalid',
  GIT_COMMITTER_NAME: 'Lifeline Test',
  GIT_COMMITTER_EMAIL: 'test@lifeline.invalid',
};

/** A real git repository on disk with commits on `main`, standing in for a site's upstream. */
export class TestRepository {
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    this.git('init', '--quiet', '--initial-branch=main');
  }

  /** Writes the files (mode 0755 for names ending in .sh), commits them on main, returns the commit id. */
  commit(files: Record<string, string>, message = 'change'): string {
    for (const [name, text] of Object.entries(files)) {
      const file = join(this.dir, name);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, text, { mode: name.endsWith('.sh') ? 0o755 : 0o644 });
    }
    this.git('add', '--all');
    this.git('commit', '--quiet', '--allow-empty', '-m', message);
    return this.git('rev-parse', 'HEAD').trim();
  }

  private git(...args: string[]): string {
    return execFileSync('git', args, { cwd: this.dir, env: { ...process.env, ...IDENTITY }, encoding: 'utf8' });
  }
}
