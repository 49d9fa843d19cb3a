import { chmodSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LinkError } from './link-error';
import { startRemoteAgent, type RemoteAgent } from './testing/remote-agent';
import { TriggerAdapter } from './trigger';

// The trigger layer against OpenSSH's sshd (SFTP) and the agent's watcher, both as the server's user.

let server: RemoteAgent;
const adapter = new TriggerAdapter();

beforeAll(async () => {
  server = await startRemoteAgent({ serve: true });
}, 120_000);
afterAll(async () => {
  adapter.dispose();
  await server?.stop();
});

const signal = () => new AbortController().signal;

describe('the trigger layer', () => {
  it('answers a probe when the folder is there and writable', async () => {
    await expect(adapter.probe(server.target, signal())).resolves.toBeUndefined();
  });

  it('runs a command once: output and exit code come back, the answer is removed, and the same id is replayed', async () => {
    const params = { commandId: 'trigger-once-01', argv: ['sh', '-c', 'echo ran >> trigger-runs; echo hello; echo oops >&2; exit 4'], cwd: server.dataDir };
    const first = await adapter.run(server.target, params, signal());
    expect(first).toMatchObject({ commandId: 'trigger-once-01', state: 'finished', exitCode: 4, stdout: 'hello\n', stderr: 'oops\n', replayed: false });
    const second = await adapter.run(server.target, params, signal());
    expect(second).toMatchObject({ exitCode: 4, stdout: 'hello\n', replayed: true });
    expect(server.linesIn('trigger-runs')).toBe(1);
    expect(readdirSync(server.target.triggerDir as string)).toEqual([]);
  });

  it('refuses an id with a dot, which no trigger file name can carry', async () => {
    await expect(adapter.run(server.target, { commandId: 'has.a.dot.01', argv: ['true'] }, signal())).rejects.toMatchObject({ layer: 'trigger', code: 'REFUSED' });
  });

  it('is UNREACHABLE when the folder is missing', async () => {
    const target = { ...server.target, triggerDir: join(server.dataDir, 'no-such-folder') };
    const failure = adapter.probe(target, signal());
    await expect(failure).rejects.toBeInstanceOf(LinkError);
    await expect(failure).rejects.toMatchObject({ code: 'UNREACHABLE', message: expect.stringContaining('There is no trigger folder') });
    await expect(adapter.run(target, { commandId: 'trigger-nofolder', argv: ['true'] }, signal())).rejects.toMatchObject({ code: 'UNREACHABLE' });
  });

  it('is REFUSED when the folder cannot be written, by probe and by run', async () => {
    const dir = server.target.triggerDir as string;
    chmodSync(dir, 0o500);
    try {
      await expect(adapter.probe(server.target, signal())).rejects.toMatchObject({ code: 'REFUSED', message: expect.stringContaining('mode 500') });
      await expect(adapter.run(server.target, { commandId: 'trigger-readonly', argv: ['true'] }, signal())).rejects.toMatchObject({ code: 'REFUSED', message: expect.stringContaining('permission denied') });
    } finally {
      chmodSync(dir, 0o700);
    }
  });

  it('takes back a request nobody picks up when aborted, so it cannot run later', async () => {
    await server.stopAgent();
    const controller = new AbortController();
    const params = { commandId: 'trigger-late-001', argv: ['sh', '-c', 'echo ran >> late-runs'], cwd: server.dataDir };
    const request = join(server.target.triggerDir as string, 'trigger-late-001.json');
    const attempt = adapter.run(server.target, params, controller.signal);
    for (let tries = 0; !existsSync(request) && tries < 500; tries++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(existsSync(request)).toBe(true);
    controller.abort();
    await expect(attempt).rejects.toMatchObject({ layer: 'trigger', code: 'TIMEOUT' });
    for (let tries = 0; existsSync(request) && tries < 500; tries++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(readdirSync(server.target.triggerDir as string).filter((name) => name.startsWith('trigger-late-001'))).toEqual([]);
  });
});
