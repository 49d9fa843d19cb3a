import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CommandExecutor } from '../commands/executor';
import { openCommandsDatabase } from '../commands/testing/database';
import { BridgeClient } from '../protocol/client';
import type { Database } from '../store/sqlite';
import { tmuxCapture, tmuxSend } from '../tmux/send-capture';
import { startTmuxServer, type TestTmuxServer } from '../tmux/testing';
import type { BridgeServer } from './server';
import { startBridge, testHandlers, TEST_TOKEN } from './testing';
import { TEST_COMMANDS_OPTIONS } from '../commands/testing/options';

// The bridge in front of the agent's real executor (SQLite file, spawned processes) and a real tmux
// server on a private socket: what the desktop's bridge layer will talk to.

let dir: string;
let db: Database;
let executor: CommandExecutor;
let tmux: TestTmuxServer;
let server: BridgeServer;
let port: number;
const clients: BridgeClient[] = [];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lifeline-bridge-real-'));
  db = openCommandsDatabase(join(dir, 'agent.db'));
  executor = new CommandExecutor({ db, options: TEST_COMMANDS_OPTIONS });
  tmux = await startTmuxServer(['cat']);
  const handlers = testHandlers({
    run: (params, onOutput) => executor.run(params, 'bridge', onOutput),
    commandGet: (commandId) => executor.get(commandId),
    tmuxSend: (params) => tmuxSend({ socketName: tmux.socketName, ...params }),
    tmuxCapture: (params) => tmuxCapture({ socketName: tmux.socketName, ...params }),
  });
  ({ server, port } = await startBridge({}, handlers));
});

afterEach(async () => {
  clients.splice(0).forEach((client) => client.close());
  await server.close(0);
  await executor.close();
  db.close();
  await tmux.kill();
  rmSync(dir, { recursive: true, force: true });
});

async function connect(): Promise<BridgeClient> {
  const client = await BridgeClient.connect({ host: '127.0.0.1', port, token: TEST_TOKEN, timeoutMs: 5_000 });
  clients.push(client);
  return client;
}

describe('the bridge with the real executor and tmux', () => {
  it('runs echo, streaming its output, and answers the same id again from the record without running it', async () => {
    const client = await connect();
    const live: string[] = [];
    const first = await client.call('run', { commandId: 'cmd-bridge-echo-1', argv: ['echo', 'over the bridge'] }, { onOutput: (_stream, data) => live.push(data) });
    expect(first).toMatchObject({ state: 'finished', exitCode: 0, stdout: 'over the bridge\n', replayed: false });
    expect(live.join('')).toBe('over the bridge\n');

    const again = await client.call('run', { commandId: 'cmd-bridge-echo-1', argv: ['echo', 'over the bridge'] }, { onOutput: (_stream, data) => live.push(data) });
    expect(again).toMatchObject({ state: 'finished', exitCode: 0, stdout: 'over the bridge\n', replayed: true });
    expect(live).toHaveLength(1);
    expect(await client.call('command.get', { commandId: 'cmd-bridge-echo-1' })).toMatchObject({ stdout: 'over the bridge\n', replayed: true });
  });

  it('runs a command once when its first caller gave up mid-run and a second connection sends the same id', async () => {
    const marker = join(dir, 'ran');
    const params = { commandId: 'cmd-bridge-once-1', argv: ['sh', '-c', `echo ran >> "$1"; sleep 0.3; echo finished`, 'sh', marker] };
    const first = await connect();
    const gaveUp = first.call('run', params, { timeoutMs: 50 }).catch((error: unknown) => error);
    expect(await gaveUp).toMatchObject({ code: 'TIMEOUT' });
    first.close();

    const second = await connect();
    const result = await second.call('run', params);
    expect(result).toMatchObject({ state: 'finished', exitCode: 0, stdout: 'finished\n', replayed: true });
    expect(readFileSync(marker, 'utf8')).toBe('ran\n');
  });

  it('types into a tmux session and reads its screen back', async () => {
    const client = await connect();
    await client.call('tmux.send', { session: tmux.session, keys: 'typed over the bridge; no shell' });
    // The terminal echoes the line as typed, then cat prints it back: twice on the screen.
    const typed = (text: string) => text.split('\n').filter((line) => line === 'typed over the bridge; no shell').length;
    let screen = '';
    for (let tries = 0; typed(screen) < 2 && tries < 200; tries += 1) {
      screen = (await client.call('tmux.capture', { session: tmux.session, lines: 10 })).text;
      if (typed(screen) < 2) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(typed(screen)).toBe(2);
  });
});
