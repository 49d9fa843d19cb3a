import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExecAdapter } from './exec';
import { LinkError } from './link-error';
import { startRemoteAgent, type RemoteAgent } from './testing/remote-agent';

// The exec layer against OpenSSH's sshd, running the agent's run-command as the server's user.

let server: RemoteAgent;
const adapter = new ExecAdapter();

beforeAll(async () => {
  server = await startRemoteAgent({ serve: false });
}, 120_000);
afterAll(async () => {
  adapter.dispose();
  await server?.stop();
});

const signal = () => new AbortController().signal;

describe('the exec layer', () => {
  it('answers a probe when run-command is there', async () => {
    await expect(adapter.probe(server.target, signal())).resolves.toBeUndefined();
  });

  it('runs a command once: output and exit code come back, and the same id is replayed, not run again', async () => {
    const argv = ['sh', '-c', 'echo ran >> exec-runs; echo "hello $1"; echo oops >&2; exit 3', 'sh', "it's me"];
    const params = { commandId: 'exec-once-0001', argv, cwd: server.dataDir };
    const first = await adapter.run(server.target, params, signal());
    expect(first).toMatchObject({ commandId: 'exec-once-0001', state: 'finished', exitCode: 3, stdout: "hello it's me\n", stderr: 'oops\n', replayed: false });
    const second = await adapter.run(server.target, params, signal());
    expect(second).toMatchObject({ state: 'finished', exitCode: 3, stdout: "hello it's me\n", replayed: true });
    expect(server.linesIn('exec-runs')).toBe(1);
  });

  it('passes env, a time limit and who asked as run-command options', async () => {
    const result = await adapter.run(server.target, { commandId: 'exec-env-0001', argv: ['sh', '-c', 'printf %s "$GREETING"'], env: { GREETING: 'a b;$c' }, timeoutSeconds: 30, requestedBy: 'tester' }, signal());
    expect(result).toMatchObject({ exitCode: 0, stdout: 'a b;$c' });
  });

  it('refuses with what to do when run-command is not installed', async () => {
    const target = { ...server.target, remoteCommand: ['lifeline-not-installed-here', 'agent', 'run-command'] };
    const failure = adapter.run(target, { commandId: 'exec-missing-01', argv: ['true'] }, signal());
    await expect(failure).rejects.toBeInstanceOf(LinkError);
    await expect(failure).rejects.toMatchObject({ layer: 'exec', code: 'REFUSED', message: expect.stringContaining('was not found on') });
    await expect(adapter.probe(target, signal())).rejects.toMatchObject({ code: 'REFUSED' });
  });

  it('is REFUSED for a server without an SSH login', async () => {
    const { ssh: _ssh, ...target } = server.target;
    await expect(adapter.probe(target, signal())).rejects.toMatchObject({ code: 'REFUSED', message: expect.stringContaining('has no SSH login') });
  });

  it('gives up with TIMEOUT when aborted, and a retry of the same id waits for the one run', async () => {
    const params = { commandId: 'exec-abort-0001', argv: ['sh', '-c', 'echo ran >> abort-runs; sleep 1; echo done'], cwd: server.dataDir };
    const controller = new AbortController();
    const attempt = adapter.run(server.target, params, controller.signal);
    // Aborted once the command has started: its side effect is there.
    for (let tries = 0; server.linesIn('abort-runs') === 0 && tries < 500; tries++) await new Promise((resolve) => setTimeout(resolve, 10));
    controller.abort();
    await expect(attempt).rejects.toMatchObject({ layer: 'exec', code: 'TIMEOUT' });
    const retry = await adapter.run(server.target, params, signal());
    expect(retry).toMatchObject({ stdout: 'done\n', replayed: true });
    expect(server.linesIn('abort-runs')).toBe(1);
  });
});
