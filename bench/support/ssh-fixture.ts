// One benchmark's world: a throwaway account whose login shell is /bin/sh, a key it accepts, and a test
// sshd serving it on 127.0.0.1. Root's own shell start-up here runs pyenv (~150 ms per exec), which
// would swamp both sides' figures.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConnectOptions, ExecChannel, SshTarget } from '../../main/ssh/connect';
import { makeTestKey, type TestKey } from '../../main/ssh/testing/keys';
import { startSshd, type SshdOptions, type TestSshd } from '../../main/ssh/testing/sshd';
import { createTestUser, type TestUser } from '../../main/ssh/testing/test-user';
import { trustKeys } from '../../main/ssh/testing/trust';
import type { OpenSshTarget } from './openssh';

export interface SshBench {
  /** A temp dir for the benchmark's own files (control sockets, logs), removed by dispose(). */
  readonly dir: string;
  readonly sshd: TestSshd;
  /** For connectSsh: the key read into memory, as the vault hands it over. */
  readonly target: SshTarget;
  readonly connectOptions: ConnectOptions;
  /** For OpenSSH's client: the same account and key, from its file. */
  readonly openssh: OpenSshTarget;
  /** How many logins sshd has accepted so far: proves which runs reused a connection. */
  logins(): number;
  dispose(): Promise<void>;
}

export async function startSshBench(options: Pick<SshdOptions, 'logLevel'> = {}): Promise<SshBench> {
  const dir = mkdtempSync(join(tmpdir(), 'lifeline-bench-'));
  let user: TestUser | undefined;
  let sshd: TestSshd | undefined;
  const dispose = async (): Promise<void> => {
    await sshd?.stop();
    await user?.remove();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const key: TestKey = await makeTestKey(dir, 'ed25519');
    user = await createTestUser();
    const started = await startSshd({ user: user.name, authorizedKeys: [key.publicKey], logLevel: options.logLevel });
    sshd = started;
    const accepted = `Accepted publickey for ${user.name} `;
    return {
      dir,
      sshd: started,
      target: { host: started.host, port: started.port, user: user.name, auth: { kind: 'key', privateKey: key.privateKey } },
      connectOptions: { verifyHostKey: trustKeys(() => started.hostKeys).verifyHostKey },
      openssh: { host: started.host, port: started.port, user: user.name, keyPath: key.path },
      logins: () => started.log().split(accepted).length - 1,
      dispose,
    };
  } catch (error) {
    await dispose();
    throw error;
  }
}

/**
 * Drains a command's output and waits for its channel to close. A status other than 0 fails the
 * benchmark. Returns whether a status reached the caller at all: a channel that closes without one is
 * a defect the benchmark reports (see statusNote) rather than a failed measurement.
 */
export async function finish(channel: ExecChannel): Promise<boolean> {
  channel.stdout.resume();
  channel.stderr.resume();
  const exit = await channel.exit;
  if (exit.signal !== null || (exit.code !== null && exit.code !== 0)) throw new Error(`The remote command ended with ${exit.signal ?? exit.code} instead of 0.`);
  return exit.code === 0;
}

/** The note on commands whose exit status never reached the caller, empty when every one did. */
export function statusNote(lost: number, total: number): string {
  if (lost === 0) return '';
  return ` **${lost} of ${total} of Lifeline's commands closed without their exit status reaching the caller** (ssh2 emits it before SshConnection.exec has attached its listener when the whole reply arrives in one read).`;
}
