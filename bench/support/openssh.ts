// OpenSSH's own client, the peer users already have, run with argv arrays and its output to /dev/null.
import { spawn, type StdioOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface OpenSshTarget {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly keyPath: string;
}

/**
 * The client's arguments for `target`, then `options`, the destination and the remote command. No user
 * config (`-F /dev/null`), no host key prompts, one key offered: IdentitiesOnly keeps an ssh-agent in
 * the environment from offering other keys first, as Lifeline offers only the one key too.
 */
export function sshArgs(target: OpenSshTarget, options: readonly string[], command: readonly string[] = []): string[] {
  return [
    '-F', '/dev/null',
    '-o', 'BatchMode=yes',
    '-o', 'StrictHostKeyChecking=no',
    '-o', 'UserKnownHostsFile=/dev/null',
    '-o', 'LogLevel=ERROR',
    '-o', 'IdentitiesOnly=yes',
    '-i', target.keyPath,
    '-p', String(target.port),
    ...options,
    `${target.user}@${target.host}`,
    ...command,
  ];
}

export interface SshRun {
  /** What the client wrote on stderr (the remote command's stderr and ssh's own errors). */
  readonly stderr: string;
  /** performance.now() when the first stderr bytes arrived, if any did. */
  readonly firstStderrAt: number | undefined;
}

/** Runs `ssh args` with its stdout on /dev/null; rejects, with what it said, unless it exits 0. */
export async function runSsh(args: readonly string[]): Promise<SshRun> {
  let stderr = '';
  let firstStderrAt: number | undefined;
  await spawnSsh(args, ['ignore', 'ignore', 'pipe'], (child) => {
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (text: string) => {
      firstStderrAt ??= performance.now();
      stderr += text;
    });
  }).catch((error: Error) => {
    throw new Error(`${error.message}: ${stderr.trim()}`);
  });
  return { stderr, firstStderrAt };
}

export interface ControlMaster {
  /** Ends the master process and with it the shared connection. */
  stop(): void;
}

/**
 * `ssh -M -N -f`: logs in once, then goes to the background holding the connection that later
 * `ssh -o ControlPath=…` runs share. The backgrounded master would hold a stderr pipe open, so its
 * messages go to `logPath` (-E) instead; its pid comes from `-O check`, so that it is stopped by pid.
 */
export async function startControlMaster(target: OpenSshTarget, controlPath: string, logPath: string): Promise<ControlMaster> {
  const control = ['-o', `ControlPath=${controlPath}`];
  await spawnSsh(sshArgs(target, [...control, '-o', 'ControlMaster=yes', '-E', logPath, '-N', '-f']), 'ignore').catch((error: Error) => {
    throw new Error(`The ControlMaster did not start (${error.message}): ${readFileSync(logPath, 'utf8').trim()}`);
  });
  const check = await runSsh(sshArgs(target, [...control, '-O', 'check']));
  const pid = Number(/pid=(\d+)/.exec(check.stderr)?.[1]);
  if (!Number.isInteger(pid)) throw new Error(`ssh -O check did not report the master's pid: ${check.stderr.trim()}`);
  return {
    stop: () => {
      try {
        process.kill(pid, 'SIGTERM');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
      }
    },
  };
}

function spawnSsh(args: readonly string[], stdio: StdioOptions, attach: (child: ReturnType<typeof spawn>) => void = () => undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('ssh', args, { stdio });
    attach(child);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`ssh ${args.join(' ')} exited with ${signal ?? code}`));
    });
  });
}
