// Test support: a server as the layers meet it — OpenSSH's sshd on loopback with a throwaway user, and
// the agent running as that user (link-agent.ts): its socket bridge, its trigger folder, and a
// run-command script for the tmux and exec layers, all over one command ledger.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import { bundleChild } from '../../../../agent/commands/testing/bundle';
import { connectSsh, type SshConnection } from '../../../ssh/connect';
import { quoteShellArg } from '../../../ssh/shell-quote';
import { makeTestKey } from '../../../ssh/testing/keys';
import { run } from '../../../ssh/testing/run';
import { startSshd, type TestSshd } from '../../../ssh/testing/sshd';
import { trustKeys } from '../../../ssh/testing/trust';
import type { LinkTarget } from '../layer';

const ENTRY = join(__dirname, 'link-agent.ts');
export const TEST_BRIDGE_TOKEN = 'link-adapters-test-token-0123456789';

export interface RemoteAgent {
  readonly sshd: TestSshd;
  /** Logged in as the throwaway user; the test's own, closed by stop(). */
  readonly connection: SshConnection;
  /** Everything of this server the adapters use. */
  readonly target: LinkTarget;
  /** The agent's data folder (ledger, trigger folder), writable by the throwaway user. */
  readonly dataDir: string;
  /** Runs argv on the server as the throwaway user and resolves with its stdout; rejects on a non-zero exit. */
  sh(argv: readonly string[]): Promise<string>;
  /**
   * Starts a detached tmux session running the user's login shell, on a tmux server of the user's own
   * (a private socket, ended by stop()); resolves with the socket name.
   */
  startTmux(session: string): Promise<string>;
  /** Lines in a file under dataDir (0 when it does not exist): how often a command with a side effect ran. */
  linesIn(name: string): number;
  /** Closes the agent's bridge listener and its connections; the trigger watcher keeps running. */
  stopBridge(): Promise<void>;
  /** Opens the bridge again on its port after stopBridge. */
  startBridge(): Promise<void>;
  /** Stops the agent process (SIGTERM); the run-command script keeps working. */
  stopAgent(): Promise<void>;
  /** Ends the agent, the connection, sshd and the user (with every process of theirs, tmux included), and deletes the files. */
  stop(): Promise<void>;
}

/** `serve`: also start the agent process (bridge and trigger watcher); without it only run-command exists. */
export async function startRemoteAgent(options: { serve: boolean }): Promise<RemoteAgent> {
  const dir = mkdtempSync(join(tmpdir(), 'lifeline-links-'));
  const cleanups: (() => Promise<void> | void)[] = [() => rmSync(dir, { recursive: true, force: true })];
  const stop = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  };
  try {
    // The throwaway user runs the bundle and the script from here.
    chmodSync(dir, 0o755);
    const key = await makeTestKey(dir, 'ed25519');
    // bundleChild takes the entry relative to its own folder and names the output after the entry's file.
    const bundleDir = join(dir, 'bundle');
    // Standalone: the throwaway user may not be able to read this checkout's node_modules.
    const { env } = await bundleChild(relative(join(__dirname, '../../../../agent/commands/testing'), ENTRY), bundleDir, { standalone: true });
    const script = join(bundleDir, basename(ENTRY).replace(/\.ts$/, '.cjs'));

    const sshd = await startSshd({ authorizedKeys: [key.publicKey] });
    cleanups.push(() => sshd.stop());
    const [, , uid, gid, , home] = (await run('getent', ['passwd', sshd.user])).trim().split(':');
    const owner = { uid: Number(uid), gid: Number(gid) };

    const dataDir = join(dir, 'data');
    mkdirSync(dataDir, { mode: 0o700 });
    chownSync(dataDir, owner.uid, owner.gid);
    const tokenFile = join(dataDir, 'bridge.token');
    writeFileSync(tokenFile, TEST_BRIDGE_TOKEN, { mode: 0o600 });
    chownSync(tokenFile, owner.uid, owner.gid);

    const runCommand = join(dir, 'lifeline-run-command');
    writeFileSync(runCommand, `#!/bin/sh\nexec ${quoteShellArg(process.execPath)} ${quoteShellArg(script)} run-command ${quoteShellArg(dataDir)} "$@"\n`, { mode: 0o755 });

    let agent: ChildProcess | undefined;
    let bridgePort = 0;
    const stopAgent = async () => {
      const child = agent;
      agent = undefined;
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(kill);
    };
    const signalAgent = (signal: NodeJS.Signals) => {
      if (!agent) throw new Error('The test agent does not run: start it with { serve: true }.');
      agent.kill(signal);
    };
    if (options.serve) {
      agent = spawn(process.execPath, [script, 'serve', dataDir], { ...owner, cwd: dataDir, env: { ...env, HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
      cleanups.push(stopAgent);
      bridgePort = await readyPort(agent);
    }

    const connection = await connectSsh(
      { host: sshd.host, port: sshd.port, user: sshd.user, auth: { kind: 'key', privateKey: key.privateKey } },
      { verifyHostKey: trustKeys(() => sshd.hostKeys).verifyHostKey },
    );
    cleanups.push(() => connection.close());

    const socketName = `lifeline-links-${process.pid}-${basename(dir)}`;
    const sh = async (argv: readonly string[]): Promise<string> => {
      const channel = await connection.exec(argv);
      let out = '';
      let err = '';
      channel.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
      channel.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
      const exit = await channel.exit;
      if (exit.code !== 0) throw new Error(`${argv.join(' ')} on the test server failed (${exit.code ?? exit.signal}): ${err}`);
      return out;
    };
    let tmuxStarted = false;
    cleanups.push(async () => {
      if (!tmuxStarted) return;
      await sh(['tmux', '-L', socketName, 'kill-server']).catch(() => undefined);
      // tmux leaves its socket file behind, in a folder that outlives the account.
      rmSync(join('/tmp', `tmux-${owner.uid}`, socketName), { force: true });
    });

    return {
      sshd,
      connection,
      dataDir,
      target: {
        serverId: 'test-server',
        agent: { host: '127.0.0.1', port: bridgePort, token: TEST_BRIDGE_TOKEN },
        ssh: () => Promise.resolve(connection),
        triggerDir: join(dataDir, 'trigger'),
        remoteCommand: [runCommand],
      },
      sh,
      startTmux: async (session) => {
        tmuxStarted = true;
        await sh(['tmux', '-L', socketName, '-f', '/dev/null', 'new-session', '-d', '-s', session, '-x', '160', '-y', '40']);
        return socketName;
      },
      linesIn: (name) => {
        try {
          return readFileSync(join(dataDir, name), 'utf8').split('\n').filter(Boolean).length;
        } catch {
          return 0;
        }
      },
      stopBridge: async () => {
        signalAgent('SIGUSR1');
        await untilBridge(bridgePort, 'refused');
      },
      startBridge: async () => {
        signalAgent('SIGUSR2');
        await untilBridge(bridgePort, 'accepted');
      },
      stopAgent,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The bridge port from the agent's first line; its stderr in the error when it exits first. */
async function readyPort(child: ChildProcess): Promise<number> {
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-8192)));
  const lines = createInterface({ input: child.stdout! });
  try {
    const first = await Promise.race([
      once(lines, 'line').then(([line]) => line as string),
      once(child, 'exit').then(([code, signal]) => {
        throw new Error(`the test agent exited (${code ?? signal}) before it was ready:\n${stderr}`);
      }),
    ]);
    return (JSON.parse(first) as { bridgePort: number }).bridgePort;
  } finally {
    lines.close();
  }
}

/** Resolves once connections to 127.0.0.1:port are refused, or accepted (within 5 s). */
async function untilBridge(port: number, wanted: 'refused' | 'accepted'): Promise<void> {
  for (const deadline = Date.now() + 5000; Date.now() < deadline; await sleep(20)) {
    const socket = connect({ host: '127.0.0.1', port });
    const accepted = await once(socket, 'connect').then(() => true, () => false);
    socket.destroy();
    if (accepted === (wanted === 'accepted')) return;
  }
  throw new Error(`The test agent's bridge at 127.0.0.1:${port} was not ${wanted} within 5 s of the signal.`);
}
