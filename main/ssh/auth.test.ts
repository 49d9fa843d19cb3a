import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectSsh, type KeyboardInteractiveRequest, type SshTarget } from './connect';
import { startScriptedSshServer, type ScriptedSshServer } from './testing/scripted-server';
import { startSshd, type TestSshd } from './testing/sshd';
import { createTestUser, type TestUser } from './testing/test-user';
import { trustKeys } from './testing/trust';

describe('password login against OpenSSH sshd', () => {
  let user: TestUser;
  let sshd: TestSshd;

  beforeAll(async () => {
    user = await createTestUser();
    sshd = await startSshd({ user: user.name, passwordAuthentication: true });
  });
  afterAll(async () => {
    await sshd?.stop();
    await user?.remove();
  });

  const target = (password: string): SshTarget => ({ host: sshd.host, port: sshd.port, user: user.name, auth: { kind: 'password', password } });

  it('logs in with the right password', async () => {
    const connection = await connectSsh(target(user.password), { verifyHostKey: trustKeys(() => sshd.hostKeys).verifyHostKey });
    try {
      const run = await connection.exec(['id', '-un']);
      let output = '';
      for await (const chunk of run.stdout) output += String(chunk);
      expect(output).toBe(`${user.name}\n`);
    } finally {
      await connection.close();
    }
    expect(sshd.log()).toContain(`Accepted password for ${user.name}`);
  });

  it('rejects a wrong password with AUTH_FAILED naming the methods', async () => {
    const error = await connectSsh(target('wrong'), { verifyHostKey: trustKeys(() => sshd.hostKeys).verifyHostKey }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'AUTH_FAILED' });
    expect((error as Error).message).toMatch(/Tried: password\. The server accepts: publickey, password\. Check the user name/);
    expect(sshd.log()).toContain(`Failed password for ${user.name}`);
  });
});

describe('keyboard-interactive login (scripted server)', () => {
  let server: ScriptedSshServer;

  beforeAll(async () => {
    server = await startScriptedSshServer({
      user: 'operator',
      name: 'Two-step login',
      instructions: 'Answer both questions.',
      prompts: [
        { prompt: 'Password: ', echo: false, answer: 'hunter2' },
        { prompt: 'Verification code: ', echo: true, answer: '123456' },
      ],
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  const target: () => SshTarget = () => ({ host: server.host, port: server.port, user: 'operator', auth: { kind: 'keyboard-interactive' } });
  const verifyHostKey = () => trustKeys(() => [server.hostKey]).verifyHostKey;

  it('shows the prompts in order and sends the answers in order', async () => {
    const requests: KeyboardInteractiveRequest[] = [];
    const connection = await connectSsh(target(), {
      verifyHostKey: verifyHostKey(),
      prompt: async (request) => {
        requests.push(request);
        return ['hunter2', '123456'];
      },
    });
    try {
      const run = await connection.exec(['whoami']);
      let output = '';
      for await (const chunk of run.stdout) output += String(chunk);
      expect(output).toBe('whoami\n'); // the scripted server echoes the command it got
    } finally {
      await connection.close();
    }
    expect(requests).toEqual([
      {
        name: 'Two-step login',
        instructions: 'Answer both questions.',
        prompts: [
          { prompt: 'Password: ', echo: false },
          { prompt: 'Verification code: ', echo: true },
        ],
      },
    ]);
    expect(server.events).toContainEqual({ kind: 'answers', answers: ['hunter2', '123456'], accepted: true });
  });

  it('rejects wrong answers with AUTH_FAILED', async () => {
    const error = await connectSsh(target(), { verifyHostKey: verifyHostKey(), prompt: async () => ['123456', 'hunter2'] }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'AUTH_FAILED', message: expect.stringContaining('Tried: keyboard-interactive.') });
    expect(server.events).toContainEqual({ kind: 'answers', answers: ['123456', 'hunter2'], accepted: false });
  });

  it('stops with CANCELLED when the user cancels, sending no answers', async () => {
    const answersBefore = server.events.filter((event) => event.kind === 'answers').length;
    const error = await connectSsh(target(), { verifyHostKey: verifyHostKey(), prompt: async () => null }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CANCELLED', message: expect.stringContaining('cancelled') });
    expect(server.events.filter((event) => event.kind === 'answers').length).toBe(answersBefore);
  });

  it('is cancelled when no one can answer prompts', async () => {
    const error = await connectSsh(target(), { verifyHostKey: verifyHostKey() }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CANCELLED', message: expect.stringContaining('no one is there to answer') });
  });

  it('does not count the time a person takes to answer against the login timeout', async () => {
    const connection = await connectSsh(target(), {
      verifyHostKey: verifyHostKey(),
      readyTimeoutMs: 200,
      prompt: async () => {
        await new Promise((resolve) => setTimeout(resolve, 600));
        return ['hunter2', '123456'];
      },
    });
    await connection.close();
  });
});
