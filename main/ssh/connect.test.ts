import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectSsh, SshError, type SshConnection, type SshTarget } from './connect';
import { fingerprintOf } from './fingerprint';
import { makeTestKey, type TestKey } from './testing/keys';
import { startSshAgent, type TestSshAgent } from './testing/ssh-agent';
import { startSshd, type TestSshd } from './testing/sshd';
import { trustKeys } from './testing/trust';

async function readAll(stream: Readable): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += String(chunk);
  return text;
}

describe('connectSsh against OpenSSH sshd', () => {
  let dir: string;
  let keys: Record<'ed25519' | 'rsa' | 'ecdsa' | 'stranger', TestKey>;
  let sshd: TestSshd;
  let agent: TestSshAgent;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lifeline-connect-'));
    // The test sshd's account (not the one running the tests) lists it over SFTP.
    chmodSync(dir, 0o755);
    const [ed25519, rsa, ecdsa, stranger] = await Promise.all([
      makeTestKey(dir, 'ed25519'),
      makeTestKey(dir, 'rsa'),
      makeTestKey(dir, 'ecdsa'),
      makeTestKey(dir, 'ed25519', 'id_stranger'),
    ]);
    keys = { ed25519, rsa, ecdsa, stranger };
    sshd = await startSshd({ authorizedKeys: [ed25519.publicKey, rsa.publicKey, ecdsa.publicKey], hostKeyTypes: ['ed25519', 'ecdsa'] });
    agent = await startSshAgent([rsa.path]);
  });
  afterAll(async () => {
    await agent?.stop();
    await sshd?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const target = (auth: SshTarget['auth']): SshTarget => ({ host: sshd.host, port: sshd.port, user: sshd.user, auth });
  const trusted = () => trustKeys(() => sshd.hostKeys);

  /** Connects, runs `body`, and always closes, checking that close() reports a deliberate close. */
  async function withConnection<T>(auth: SshTarget['auth'], body: (connection: SshConnection) => Promise<T>): Promise<T> {
    const connection = await connectSsh(target(auth), { verifyHostKey: trusted().verifyHostKey });
    const reasons: unknown[] = [];
    connection.onClose((reason) => reasons.push(reason));
    try {
      return await body(connection);
    } finally {
      await connection.close();
      expect(reasons).toEqual([{ kind: 'closed' }]);
    }
  }

  it.each(['ed25519', 'rsa', 'ecdsa'] as const)('logs in with an %s key', async (type) => {
    const output = await withConnection({ kind: 'key', privateKey: keys[type].privateKey }, async (connection) => {
      const run = await connection.exec(['id', '-un']);
      return readAll(run.stdout);
    });
    expect(output).toBe(`${sshd.user}\n`);
    expect(sshd.log()).toContain(`Accepted publickey for ${sshd.user} from 127.0.0.1`);
    expect(sshd.log()).toContain(keys[type].fingerprint);
  });

  it('logs in with a key held by ssh-agent', async () => {
    const output = await withConnection({ kind: 'agent', socket: agent.socket }, async (connection) => readAll((await connection.exec(['echo', 'agent'])).stdout));
    expect(output).toBe('agent\n');
    expect(sshd.log()).toMatch(new RegExp(`Accepted publickey for ${sshd.user} .*${escape(keys.rsa.fingerprint)}`));
  });

  it('forwards the ssh-agent only when asked to', async () => {
    const listAgentKeys = async (connection: SshConnection) => {
      const run = await connection.exec(['ssh-add', '-l']);
      run.stderr.resume();
      const [output, exit] = await Promise.all([readAll(run.stdout), run.exit]);
      return { output, code: exit.code };
    };
    const key = { kind: 'key', privateKey: keys.ed25519.privateKey } as const;
    const forwarded = await connectSsh({ ...target(key), agentForward: { socket: agent.socket } }, { verifyHostKey: trusted().verifyHostKey });
    try {
      const listing = await listAgentKeys(forwarded);
      expect(listing.code).toBe(0);
      expect(listing.output).toContain(keys.rsa.fingerprint);
    } finally {
      await forwarded.close();
    }
    // ssh-add exits with 2 when there is no agent to talk to.
    expect(await withConnection(key, listAgentKeys)).toMatchObject({ code: 2 });
  });

  it('verifies the host key before authenticating, with type and fingerprint', async () => {
    const verifier = trusted();
    const connection = await connectSsh(target({ kind: 'key', privateKey: keys.ed25519.privateKey }), { verifyHostKey: verifier.verifyHostKey });
    await connection.close();
    expect(verifier.asked).toHaveLength(1);
    const [info] = verifier.asked;
    const served = sshd.hostKeys.find((key) => key.blob.equals(info.key));
    expect(served).toBeDefined();
    expect(info).toMatchObject({ host: sshd.host, port: sshd.port, keyType: served?.algorithm, fingerprint: served?.fingerprint });
    expect(fingerprintOf(info.key)).toBe(served?.fingerprint);
  });

  it('rejects with HOST_KEY when the verifier refuses, before any authentication', async () => {
    const logBefore = sshd.log().length;
    const refusal = new Error('the key changed: expected SHA256:old');
    const attempt = connectSsh(target({ kind: 'key', privateKey: keys.ed25519.privateKey }), { verifyHostKey: async () => refusal });
    const error = await attempt.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SshError);
    expect(error).toMatchObject({ code: 'HOST_KEY', cause: refusal });
    expect((error as SshError).message).toContain('the key changed: expected SHA256:old');
    const log = sshd.log().slice(logBefore);
    expect(log).toContain('Connection from 127.0.0.1'); // the attempt did reach sshd…
    expect(log).not.toMatch(/Accepted|Failed|Postponed|authenticating user|Invalid user/); // …and never got to authentication
  });

  it('treats a verifier that throws as a refusal', async () => {
    const error = await connectSsh(target({ kind: 'key', privateKey: keys.ed25519.privateKey }), {
      verifyHostKey: async () => {
        throw new Error('trust store unavailable');
      },
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'HOST_KEY', message: expect.stringContaining('trust store unavailable') });
  });

  it('rejects a key the server does not know with AUTH_FAILED naming the methods', async () => {
    const error = await connectSsh(target({ kind: 'key', privateKey: keys.stranger.privateKey }), { verifyHostKey: trusted().verifyHostKey }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'AUTH_FAILED' });
    const message = (error as SshError).message;
    expect(message).toContain(`Tried: publickey (ssh-ed25519 ${keys.stranger.fingerprint})`);
    expect(message).toContain('The server accepts: publickey.');
    expect(message).toContain('authorized_keys');
    expect(sshd.log()).toContain(`Failed publickey for ${sshd.user} from 127.0.0.1`);
  });

  it('does not send a password to a server that does not accept passwords', async () => {
    const error = await connectSsh(target({ kind: 'password', password: 'secret' }), { verifyHostKey: trusted().verifyHostKey }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'AUTH_FAILED', message: expect.stringContaining('does not accept password logins') });
    expect(sshd.log()).not.toContain('Failed password');
  });

  it('names the agent problem when the agent socket does not exist', async () => {
    const error = await connectSsh(target({ kind: 'agent', socket: join(dir, 'no-agent.sock') }), { verifyHostKey: trusted().verifyHostKey }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'AUTH_FAILED', message: expect.stringContaining('The ssh-agent could not be used') });
  });

  it('passes stdout, stderr and the exit code of a command', async () => {
    await withConnection({ kind: 'key', privateKey: keys.ed25519.privateKey }, async (connection) => {
      const run = await connection.exec(['sh', '-c', 'echo out; echo err >&2; exit 7']);
      const [stdout, stderr, exit] = await Promise.all([readAll(run.stdout), readAll(run.stderr), run.exit]);
      expect({ stdout, stderr, exit }).toEqual({ stdout: 'out\n', stderr: 'err\n', exit: { code: 7, signal: null } });
    });
  });

  it('reports the signal that killed a command', async () => {
    await withConnection({ kind: 'key', privateKey: keys.ed25519.privateKey }, async (connection) => {
      const run = await connection.exec(['sh', '-c', 'kill -TERM $$']);
      run.stdout.resume();
      expect(await run.exit).toEqual({ code: null, signal: 'SIGTERM' });
    });
  });

  it('feeds stdin to a command', async () => {
    await withConnection({ kind: 'key', privateKey: keys.ed25519.privateKey }, async (connection) => {
      const run = await connection.exec(['tr', 'a-z', 'A-Z']);
      run.stdin.end('hello over ssh\n');
      expect(await readAll(run.stdout)).toBe('HELLO OVER SSH\n');
      expect((await run.exit).code).toBe(0);
    });
  });

  it('sets environment variables for a command, quoted', async () => {
    await withConnection({ kind: 'key', privateKey: keys.ed25519.privateKey }, async (connection) => {
      const run = await connection.exec(['sh', '-c', 'printf "%s|%s" "$LIFELINE_A" "$LIFELINE_B"'], { env: { LIFELINE_A: "it's $(id) `x`", LIFELINE_B: '' } });
      expect(await readAll(run.stdout)).toBe("it's $(id) `x`|");
    });
  });

  it('refuses an invalid environment variable name', async () => {
    await withConnection({ kind: 'key', privateKey: keys.ed25519.privateKey }, async (connection) => {
      await expect(connection.exec(['true'], { env: { 'A;rm': 'x' } })).rejects.toThrow(/not a valid environment variable name/);
    });
  });

  it('opens a PTY shell that follows window size changes', async () => {
    await withConnection({ kind: 'key', privateKey: keys.ed25519.privateKey }, async (connection) => {
      const shell = await connection.shell({ cols: 100, rows: 30, term: 'xterm-256color' });
      let screen = '';
      shell.stream.on('data', (chunk: Buffer) => {
        screen += chunk.toString('utf8');
      });
      const waitFor = (text: string) =>
        new Promise<void>((resolve) => {
          const check = (): void => {
            if (!screen.includes(text)) return;
            shell.stream.off('data', check);
            resolve();
          };
          shell.stream.on('data', check);
          check();
        });
      shell.stream.write('echo "size:$(stty size) term:$TERM"\n');
      await waitFor('size:30 100 term:xterm-256color');
      shell.setWindow(40, 120);
      shell.stream.write('echo "size:$(stty size)"\n');
      await waitFor('size:40 120');
      shell.stream.write('exit 3\n');
      expect(await shell.exit).toEqual({ code: 3, signal: null });
    });
  });

  it('runs a command on a PTY', async () => {
    await withConnection({ kind: 'key', privateKey: keys.ed25519.privateKey }, async (connection) => {
      const run = await connection.exec(['sh', '-c', 'test -t 1 && echo tty; stty size'], { pty: { cols: 90, rows: 20, term: 'vt100' } });
      expect((await readAll(run.stdout)).replaceAll('\r', '')).toBe('tty\n20 90\n');
    });
  });

  it('opens SFTP', async () => {
    await withConnection({ kind: 'key', privateKey: keys.ed25519.privateKey }, async (connection) => {
      const sftp = await connection.sftp();
      const entries = await new Promise<string[]>((resolve, reject) => sftp.readdir(dir, (error, list) => (error ? reject(error) : resolve(list.map((entry) => entry.filename)))));
      sftp.end();
      expect(entries).toContain('id_ed25519.pub');
    });
  });

  it('refuses channels once closed, saying so', async () => {
    const connection = await connectSsh(target({ kind: 'key', privateKey: keys.ed25519.privateKey }), { verifyHostKey: trusted().verifyHostKey });
    await connection.close();
    expect(connection.isClosed).toBe(true);
    await expect(connection.exec(['true'])).rejects.toMatchObject({ code: 'DISCONNECTED', message: expect.stringContaining('is closed') });
    // A listener that comes late still hears how it ended.
    const reason = await new Promise((resolve) => connection.onClose(resolve));
    expect(reason).toEqual({ kind: 'closed' });
  });

  it('is cancelled by its AbortSignal while the verifier is deciding', async () => {
    const controller = new AbortController();
    const error = await connectSsh(target({ kind: 'key', privateKey: keys.ed25519.privateKey }), {
      signal: controller.signal,
      verifyHostKey: () => {
        controller.abort();
        return new Promise(() => undefined); // a question nobody answers
      },
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CANCELLED' });
  });

  it('does not count the time a verifier takes against the login timeout', async () => {
    const verifier = trusted();
    const connection = await connectSsh(target({ kind: 'key', privateKey: keys.ed25519.privateKey }), {
      readyTimeoutMs: 200,
      verifyHostKey: async (info) => {
        await new Promise((resolve) => setTimeout(resolve, 600)); // a person reading the fingerprint
        return verifier.verifyHostKey(info);
      },
    });
    await connection.close();
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
