// The servers of the links e2e test: OpenSSH's sshd on loopback with a throwaway account, and for each
// named server the real `lifeline agent` running as that account, as a server owner would set it up:
// a socket bridge (its own process, so it can be stopped alone), a trigger watcher, a tmux session, and
// `run-command` for the tmux and exec layers, all over the server's one agent database (its ledger).
// Every server is the same sshd; each has its own agent data folder, ports, tmux server and session.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { bundleChild } from '../agent/commands/testing/bundle';
import { run } from '../main/ssh/testing/run';
import { startSshd, type TestSshd } from '../main/ssh/testing/sshd';

const ENTRY = resolve(__dirname, 'link-world-agent.ts');
const BUNDLE_HOME = resolve(__dirname, '../agent/commands/testing');
const READY_LIMIT_MS = 30_000;
const STOP_LIMIT_MS = 10_000;
const BRIDGE_LINE = /^Socket bridge on 127\.0\.0\.1:(\d+)/;
const LISTENING_LINE = /^Lifeline agent listening on /;

/** One server of the world, with everything its form in the UI needs. */
export interface WorldServer {
  readonly name: string;
  /** The agent's bridge, on 127.0.0.1. */
  readonly bridgePort: number;
  /** The content of the agent's bridge.token. */
  readonly token: string;
  readonly triggerDir: string;
  readonly tmuxSocket: string;
  readonly tmuxSession: string;
  /** How the tmux and exec layers start `lifeline agent run-command` there (the form's one-per-line list). */
  readonly agentCommand: readonly string[];
  /** Stops the agent process that serves the bridge (SIGTERM); the trigger watcher, tmux and run-command stay. */
  stopBridge(): Promise<void>;
}

export interface LinkWorld {
  readonly sshd: TestSshd;
  readonly servers: readonly WorldServer[];
  /** Ends every agent, tmux server, sshd and the account, and deletes the files. Safe to call twice. */
  stop(): Promise<void>;
}

interface Account {
  uid: number;
  gid: number;
  home: string;
}

/** `authorizedKeys`: the public lines that may log in (the vault key the UI generated). */
export async function startLinkWorld(options: { authorizedKeys: readonly string[]; names: readonly string[] }): Promise<LinkWorld> {
  const dir = mkdtempSync(join(tmpdir(), 'lifeline-link-world-'));
  const cleanups: (() => Promise<void> | void)[] = [() => rmSync(dir, { recursive: true, force: true })];
  const stop = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  };
  try {
    // The account runs the bundle from here.
    chmodSync(dir, 0o755);
    const bundleDir = join(dir, 'bundle');
    // Standalone: the account may not be able to read this checkout's node_modules.
    const { env } = await bundleChild(relative(BUNDLE_HOME, ENTRY), bundleDir, { standalone: true });
    const script = join(bundleDir, basename(ENTRY).replace(/\.ts$/, '.cjs'));

    const sshd = await startSshd({ authorizedKeys: options.authorizedKeys });
    cleanups.push(() => sshd.stop());
    const [, , uid, gid, , home] = (await run('getent', ['passwd', sshd.user])).trim().split(':');
    const account: Account = { uid: Number(uid), gid: Number(gid), home: home! };
    const agentEnv: NodeJS.ProcessEnv = { ...env, HOME: account.home, USER: sshd.user, SHELL: '/bin/sh' };

    const servers: WorldServer[] = [];
    for (const name of options.names) {
      servers.push(await startServer({ dir, name, account, script, env: agentEnv, cleanups }));
    }
    return { sshd, servers, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function startServer(options: {
  dir: string;
  name: string;
  account: Account;
  script: string;
  env: NodeJS.ProcessEnv;
  cleanups: (() => Promise<void> | void)[];
}): Promise<WorldServer> {
  const { dir, name, account, script, env, cleanups } = options;
  const owned = (path: string) => chownSync(path, account.uid, account.gid);
  const dataDir = join(dir, `agent-${name}`);
  mkdirSync(dataDir, { mode: 0o700 });
  owned(dataDir);
  const token = `e2e-${name}-bridge-token-${process.pid}-0123456789`;
  const tokenFile = join(dataDir, 'bridge.token');
  writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
  owned(tokenFile);
  const triggerDir = join(dataDir, 'trigger');

  // Two agents on one data folder: one serves only the bridge, the other only the trigger folder, so
  // the bridge can go down alone. run-command uses the same folder, hence the same ledger.
  const config = (file: string, settings: object) => {
    const path = join(dataDir, file);
    writeFileSync(path, JSON.stringify({ dataDir, ...settings }), { mode: 0o600 });
    owned(path);
    return path;
  };
  const bridgeConfig = config('bridge.json', { bridge: { host: '127.0.0.1', token: `file:${tokenFile}` }, trigger: { enabled: false } });
  const triggerConfig = config('trigger.json', { trigger: { enabled: true, dir: triggerDir, rescanSeconds: 1 } });

  const spawnAgent = (configFile: string) =>
    spawn(process.execPath, [script, '--config', configFile, '--port', '0', '--bridge-port', '0'], {
      uid: account.uid,
      gid: account.gid,
      cwd: dataDir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });

  // One after the other: the first one creates the database.
  const bridgeAgent = spawnAgent(bridgeConfig);
  cleanups.push(() => stopChild(bridgeAgent));
  const bridgePort = Number((await readyLine(bridgeAgent, BRIDGE_LINE, `${name}'s bridge agent`))[1]);
  const triggerAgent = spawnAgent(triggerConfig);
  cleanups.push(() => stopChild(triggerAgent));
  await readyLine(triggerAgent, LISTENING_LINE, `${name}'s trigger agent`);

  const tmuxSocket = `lifeline-e2e-${name}-${process.pid}`;
  const tmuxSession = `ops-${name}`;
  const tmux = (args: readonly string[]) => asAccount(account, env, 'tmux', ['-L', tmuxSocket, '-f', '/dev/null', ...args]);
  cleanups.push(async () => {
    await tmux(['kill-server']).catch(() => undefined);
    // tmux leaves its socket behind, in a folder that outlives the account; the folder goes with the last socket.
    const socketDir = join('/tmp', `tmux-${account.uid}`);
    rmSync(join(socketDir, tmuxSocket), { force: true });
    if (existsSync(socketDir) && readdirSync(socketDir).length === 0) rmdirSync(socketDir);
  });
  await tmux(['new-session', '-d', '-s', tmuxSession, '-x', '160', '-y', '40']);

  return {
    name,
    bridgePort,
    token,
    triggerDir,
    tmuxSocket,
    tmuxSession,
    agentCommand: [process.execPath, script, 'run-command', '--config', bridgeConfig],
    stopBridge: () => stopChild(bridgeAgent),
  };
}

/** Runs a tool as the account, with an argv array, and resolves with its stdout. */
function asAccount(account: Account, env: NodeJS.ProcessEnv, file: string, args: readonly string[]): Promise<string> {
  return new Promise((resolveRun, reject) => {
    execFile(file, args, { uid: account.uid, gid: account.gid, cwd: account.home, env, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${file} ${args.join(' ')} as the test account failed: ${stderr.trim() || error.message}`, { cause: error }));
      else resolveRun(stdout);
    });
  });
}

/** Resolves with the first stdout line matching `line`; rejects with the agent's output when it exits or takes too long. */
async function readyLine(child: ChildProcess, line: RegExp, what: string): Promise<RegExpExecArray> {
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString('utf8')).slice(-8192));
  child.stderr?.on('data', keep);
  const lines = createInterface({ input: child.stdout! });
  const exited = once(child, 'exit');
  let timer: NodeJS.Timeout | undefined;
  try {
    return await new Promise<RegExpExecArray>((resolveLine, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} was not ready within ${READY_LIMIT_MS / 1000} s:\n${output}`)), READY_LIMIT_MS);
      lines.on('line', (text: string) => {
        keep(Buffer.from(`${text}\n`));
        const match = line.exec(text);
        if (match) resolveLine(match);
      });
      void exited.then(([code, signal]) => reject(new Error(`${what} exited (${code ?? signal}) before it was ready:\n${output}`)));
    });
  } finally {
    clearTimeout(timer);
    // The agent keeps printing (its stop line); reading on keeps its pipe from filling up.
    lines.removeAllListeners('line');
    lines.on('line', () => undefined);
  }
}

/** SIGTERM by PID and waits for the exit; SIGKILL when it has not ended in time. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const kill = setTimeout(() => child.kill('SIGKILL'), STOP_LIMIT_MS);
  try {
    await exited;
  } finally {
    clearTimeout(kill);
  }
}
