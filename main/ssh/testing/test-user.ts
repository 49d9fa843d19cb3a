// Test support: a throwaway local account with a password, for password authentication against the
// test sshd. With UsePAM off, sshd checks the password in /etc/shadow itself, so the account must be
// real; creating one keeps root's own password untouched.
import { randomBytes } from 'node:crypto';
import { run } from './run';

export interface TestUser {
  readonly name: string;
  readonly password: string;
  readonly home: string;
  /** Deletes the account and its home directory. */
  remove(): Promise<void>;
}

export async function createTestUser(): Promise<TestUser> {
  const name = `lltest${randomBytes(4).toString('hex')}`;
  const password = randomBytes(18).toString('base64url');
  const home = `/home/${name}`;
  // bash, as on most servers; its start-up files here are Debian's skeleton, which do nothing slow.
  await run('useradd', ['--create-home', '--home-dir', home, '--shell', '/bin/bash', name]);
  let removed = false;
  const remove = async (): Promise<void> => {
    if (removed) return;
    removed = true;
    // Whatever the tests left running as the account (a tmux server, a shell cut off mid-way) would
    // make userdel refuse; it is all ours to end.
    // SIGKILL is delivered asynchronously: userdel refuses while any of them has yet to exit.
    for (let attempt = 0; ; attempt++) {
      await run('pkill', ['-KILL', '-u', name]).catch(() => undefined);
      try {
        await run('userdel', ['--remove', name]);
        return;
      } catch (error) {
        if (attempt >= 20) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  };
  try {
    await run('chpasswd', [], { input: `${name}:${password}\n` });
  } catch (error) {
    await remove();
    throw error;
  }
  return { name, password, home, remove };
}
