// Test support: OpenSSH's ssh-agent in the foreground on a socket in a temp dir, loaded with ssh-add.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './run';

export interface TestSshAgent {
  /** What SSH_AUTH_SOCK would hold. */
  readonly socket: string;
  add(keyPath: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startSshAgent(keyPaths: readonly string[] = []): Promise<TestSshAgent> {
  const dir = mkdtempSync(join(tmpdir(), 'lifeline-agent-'));
  const socket = join(dir, 'agent.sock');
  const child = spawn('ssh-agent', ['-D', '-a', socket], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer): void => {
    output += chunk.toString('utf8');
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);

  const stop = async (): Promise<void> => {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    // ssh-agent prints the SSH_AUTH_SOCK line once its socket is bound.
    await new Promise<void>((resolve, reject) => {
      const onData = (): void => {
        if (!output.includes('SSH_AUTH_SOCK=')) return;
        cleanup();
        resolve();
      };
      const onExit = (): void => {
        cleanup();
        reject(new Error(`ssh-agent exited before listening: ${output}`));
      };
      const onError = (error: Error): void => {
        cleanup();
        reject(error);
      };
      const cleanup = (): void => {
        child.stdout.off('data', onData);
        child.off('exit', onExit);
        child.off('error', onError);
      };
      child.stdout.on('data', onData);
      child.once('exit', onExit);
      child.once('error', onError);
    });
    const add = async (keyPath: string): Promise<void> => {
      await run('ssh-add', ['-q', keyPath], { env: { ...process.env, SSH_AUTH_SOCK: socket } });
    };
    for (const keyPath of keyPaths) await add(keyPath);
    return { socket, add, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
