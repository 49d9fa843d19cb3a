// Test support: Debian's OpenSSH sshd as a child process on a loopback port, with a throwaway config,
// host keys and authorized_keys in a temp dir. Our client is tested against the server users meet.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeLoopbackPort } from './free-port';
import { makeTestKey, type TestKey, type TestKeyType } from './keys';
import { descendantPids, signalAll } from './process-tree';
import { createTestUser, type TestUser } from './test-user';

const SSHD = '/usr/sbin/sshd'; // sshd re-executes itself, so it must be started by its absolute path
const PORT_ATTEMPTS = 5;

export interface SshdOptions {
  /** Public key lines (`ssh-ed25519 AAAA… comment`) allowed to log in. */
  authorizedKeys?: readonly string[];
  /** PasswordAuthentication (off by default). With UsePAM off, sshd checks /etc/shadow: see createTestUser. */
  passwordAuthentication?: boolean;
  /**
   * The only account allowed to log in. By default a throwaway account with /bin/sh and no dotfiles,
   * removed by stop(): logging in as the user running the tests would run that user's shell start-up
   * (root's here runs pyenv, which takes ~150 ms and hangs for good on a lock left by any session cut
   * short mid-start-up), making the tests depend on the machine.
   */
  user?: string;
  /** Host key types to generate; ed25519 alone by default. */
  hostKeyTypes?: readonly TestKeyType[];
  /** VERBOSE by default; DEBUG1 adds channel-level events such as direct-tcpip forwards. */
  logLevel?: 'VERBOSE' | 'DEBUG1';
  /**
   * The content of /etc/hosts as this sshd (and what it dials for a forward) sees it: it then runs in a
   * mount namespace of its own with that file bound over /etc/hosts, so a name can resolve on the
   * "server" and not on this machine, as on two machines.
   */
  hosts?: string;
}

export interface TestSshd {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  /** The host keys sshd currently serves (new ones after `restart({ newHostKeys: true })`). */
  readonly hostKeys: readonly TestKey[];
  /** Everything sshd has written to stderr so far (LogLevel VERBOSE), across restarts. */
  log(): string;
  /**
   * Suspends sshd and its connections (SIGSTOP): sockets stay open but nothing answers, as when a
   * network path dies silently. `thaw` resumes them.
   */
  freeze(): void;
  thaw(): void;
  /** Stops sshd (dropping its connections) and starts it again on the same port. */
  restart(options?: { newHostKeys?: boolean }): Promise<void>;
  /** Ends sshd and every connection it serves, and removes its temp dir. */
  stop(): Promise<void>;
}

export async function startSshd(options: SshdOptions = {}): Promise<TestSshd> {
  const dir = mkdtempSync(join(tmpdir(), 'lifeline-sshd-'));
  const account = options.user === undefined ? await createTestUser() : undefined;
  try {
    // A throwaway account reads authorized_keys with its own rights: the dir must be traversable.
    chmodSync(dir, 0o711);
    mkdirSync('/run/sshd', { recursive: true }); // sshd's privilege-separation chroot
    const sshd = new SshdProcess(dir, { ...options, user: options.user ?? account!.name }, account);
    await sshd.start();
    return sshd;
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    await account?.remove();
    throw error;
  }
}

class SshdProcess implements TestSshd {
  readonly host = '127.0.0.1';
  readonly user: string;
  port = 0;
  hostKeys: TestKey[] = [];
  private child: ChildProcess | undefined;
  private output = '';
  private keyGeneration = 0;

  constructor(
    private readonly dir: string,
    private readonly options: SshdOptions & { user: string },
    private readonly account: TestUser | undefined,
  ) {
    this.user = options.user;
    const authorizedKeys = join(dir, 'authorized_keys');
    writeFileSync(authorizedKeys, (options.authorizedKeys ?? []).map((line) => `${line}\n`).join(''), { mode: 0o644 });
  }

  log(): string {
    return this.output;
  }

  async start(): Promise<void> {
    await this.makeHostKeys();
    for (let attempt = 1; ; attempt++) {
      this.port = await freeLoopbackPort();
      try {
        await this.spawn();
        return;
      } catch (error) {
        // Another process took the port between our probe and sshd's bind: pick another.
        if (attempt === PORT_ATTEMPTS || !/Address already in use/.test(String(error))) throw error;
      }
    }
  }

  freeze(): void {
    this.signalTree('SIGSTOP');
  }

  thaw(): void {
    this.signalTree('SIGCONT');
  }

  private signalTree(signal: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (pid !== undefined) signalAll([pid, ...descendantPids(pid)], signal);
  }

  async restart(options: { newHostKeys?: boolean } = {}): Promise<void> {
    await this.end();
    if (options.newHostKeys) await this.makeHostKeys();
    await this.spawn();
  }

  async stop(): Promise<void> {
    await this.end();
    rmSync(this.dir, { recursive: true, force: true });
    await this.account?.remove();
  }

  private async makeHostKeys(): Promise<void> {
    const keyDir = join(this.dir, `host-keys-${++this.keyGeneration}`);
    mkdirSync(keyDir, { mode: 0o700 });
    const types = this.options.hostKeyTypes ?? ['ed25519'];
    this.hostKeys = await Promise.all(types.map((type) => makeTestKey(keyDir, type, `ssh_host_${type}_key`)));
  }

  private writeConfig(): string {
    const path = join(this.dir, 'sshd_config');
    const lines = [
      `ListenAddress 127.0.0.1:${this.port}`,
      ...this.hostKeys.map((key) => `HostKey ${key.path}`),
      `PidFile ${join(this.dir, 'sshd.pid')}`,
      // The account's own file too, as a real server reads it: a key installed there (installKey) logs in.
      `AuthorizedKeysFile ${join(this.dir, 'authorized_keys')} .ssh/authorized_keys`,
      `AllowUsers ${this.user}`,
      'UsePAM no',
      'StrictModes no',
      'PubkeyAuthentication yes',
      `PasswordAuthentication ${this.options.passwordAuthentication ? 'yes' : 'no'}`,
      'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password',
      'AllowTcpForwarding yes',
      'AllowAgentForwarding yes',
      'X11Forwarding no',
      'UseDNS no',
      'PrintMotd no',
      'PrintLastLog no',
      'Subsystem sftp internal-sftp',
      `LogLevel ${this.options.logLevel ?? 'VERBOSE'}`,
    ];
    writeFileSync(path, `${lines.join('\n')}\n`);
    return path;
  }

  private hostsFile(content: string): string {
    const path = join(this.dir, 'hosts');
    writeFileSync(path, content, { mode: 0o644 });
    return path;
  }

  /** Starts sshd on `this.port` and resolves once it listens; rejects with its log if it exits first. */
  private async spawn(): Promise<void> {
    const sshd = [SSHD, '-D', '-e', '-f', this.writeConfig()];
    // unshare makes the new namespace's mounts private, so the bind mount never shows outside it.
    const [command, ...args] = this.options.hosts === undefined ? sshd : ['unshare', '--mount', 'sh', '-c', 'mount --bind "$0" /etc/hosts && exec "$@"', this.hostsFile(this.options.hosts), ...sshd];
    const child = spawn(command!, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (text: string) => {
      this.output += text;
    });
    const listening = `Server listening on 127.0.0.1 port ${this.port}.`;
    const from = this.output.length; // after a restart the old run's line is still in the log
    await new Promise<void>((resolve, reject) => {
      const onData = (): void => {
        if (!this.output.includes(listening, from)) return;
        cleanup();
        resolve();
      };
      const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
        cleanup();
        this.child = undefined;
        reject(new Error(`sshd exited (${signal ?? code}) before listening:\n${this.output}`));
      };
      const onError = (error: Error): void => {
        cleanup();
        this.child = undefined;
        reject(error);
      };
      const cleanup = (): void => {
        child.stderr?.off('data', onData);
        child.off('exit', onExit);
        child.off('error', onError);
      };
      child.stderr?.on('data', onData);
      child.once('exit', onExit);
      child.once('error', onError);
    });
  }

  /** Kills the per-connection processes, then the listener, and waits for the listener to exit. */
  private async end(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    signalAll(descendantPids(child.pid), 'SIGKILL');
    child.kill('SIGTERM');
    child.kill('SIGCONT'); // a frozen sshd acts on SIGTERM only once resumed
    await exited;
  }
}
