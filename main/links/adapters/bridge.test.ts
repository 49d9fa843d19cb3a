import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureSelfSignedCert } from '../../../agent/bridge/self-signed';
import { startBridge, TEST_TOKEN, testHandlers, type TestBridge } from '../../../agent/bridge/testing';
import { CommandExecutor } from '../../../agent/commands/executor';
import { openCommandsDatabase } from '../../../agent/commands/testing/database';
import type { Database } from '../../../agent/store/sqlite';
import { BridgeAdapter } from './bridge';
import type { LinkTarget } from './layer';
import { TEST_COMMANDS_OPTIONS } from '../../../agent/commands/testing/options';

// The bridge layer against the agent's real socket bridge on 127.0.0.1, in front of the real executor
// and its ledger on a temp database.

let dir: string;
let db: Database;
let executor: CommandExecutor;
const bridges: TestBridge[] = [];
const adapters: BridgeAdapter[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lifeline-links-bridge-'));
  db = openCommandsDatabase(join(dir, 'agent.db'));
  executor = new CommandExecutor({ db, options: TEST_COMMANDS_OPTIONS });
});
afterEach(async () => {
  for (const adapter of adapters.splice(0)) adapter.dispose();
  for (const bridge of bridges.splice(0)) await bridge.server.close(0);
});
afterAll(async () => {
  await executor.close();
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const handlers = () => testHandlers({ run: (params, onOutput) => executor.run(params, 'bridge', onOutput), commandGet: (id) => executor.get(id) });

async function bridge(options: Parameters<typeof startBridge>[0] = {}): Promise<TestBridge> {
  const started = await startBridge(options, handlers());
  bridges.push(started);
  return started;
}

function adapter(): BridgeAdapter {
  const made = new BridgeAdapter({ connectTimeoutMs: 5000, client: 'links-test' });
  adapters.push(made);
  return made;
}

const target = (port: number, agent: Partial<NonNullable<LinkTarget['agent']>> = {}): LinkTarget => ({
  serverId: 'test-server',
  agent: { host: '127.0.0.1', port, token: TEST_TOKEN, ...agent },
  remoteCommand: [],
});
const signal = () => new AbortController().signal;
const runs = (name: string) => readFileSync(join(dir, name), 'utf8').split('\n').filter(Boolean).length;

describe('the bridge layer', () => {
  it('runs a command once with live output, and replays the same id without running it', async () => {
    const { port } = await bridge();
    const layer = adapter();
    await expect(layer.probe(target(port), signal())).resolves.toBeUndefined();
    const params = { commandId: 'bridge-once-001', argv: ['sh', '-c', 'echo ran >> bridge-runs; echo hello; echo oops >&2; exit 6'], cwd: dir };
    const live: string[] = [];
    const first = await layer.run(target(port), params, signal(), (stream, text) => live.push(`${stream}:${text}`));
    expect(first).toMatchObject({ commandId: 'bridge-once-001', state: 'finished', exitCode: 6, stdout: 'hello\n', stderr: 'oops\n', replayed: false });
    expect(live.sort()).toEqual(['stderr:oops\n', 'stdout:hello\n']);
    const second = await layer.run(target(port), params, signal());
    expect(second).toMatchObject({ exitCode: 6, stdout: 'hello\n', replayed: true });
    expect(runs('bridge-runs')).toBe(1);
  });

  it('connects again after the agent restarts on the same port', async () => {
    const first = await bridge();
    const layer = adapter();
    await layer.probe(target(first.port), signal());
    await first.server.close(0);
    await expect(layer.probe(target(first.port), signal())).rejects.toMatchObject({ layer: 'bridge', code: 'UNREACHABLE' });
    const second = await bridge({ port: first.port });
    await expect(layer.probe(target(second.port), signal())).resolves.toBeUndefined();
  });

  it('is AUTH for a wrong token and UNREACHABLE where nothing listens, each saying what to do', async () => {
    const { port } = await bridge();
    await expect(adapter().probe(target(port, { token: 'not-the-token-at-all' }), signal())).rejects.toMatchObject({ code: 'AUTH' });
    const closed = await bridge();
    await closed.server.close(0);
    await expect(adapter().probe(target(closed.port), signal())).rejects.toMatchObject({ code: 'UNREACHABLE', message: expect.stringContaining('Nothing listens') });
  });

  it('speaks TLS with a pinned certificate, and is AUTH when the pin does not match', async () => {
    const certificate = await ensureSelfSignedCert(dir);
    const { port, fingerprint } = await bridge({ tls: { cert: certificate.cert, key: certificate.key } });
    expect(fingerprint).toBe(certificate.fingerprint);
    await expect(adapter().probe(target(port, { tlsFingerprint: certificate.fingerprint }), signal())).resolves.toBeUndefined();
    await expect(adapter().probe(target(port, { tlsFingerprint: 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }), signal())).rejects.toMatchObject({ code: 'AUTH', message: expect.stringContaining('pinned') });
  });

  it('is REFUSED for a server without an agent', async () => {
    await expect(adapter().probe({ serverId: 'bare', remoteCommand: [] }, signal())).rejects.toMatchObject({ code: 'REFUSED', message: expect.stringContaining('no agent bridge') });
  });

  it('gives up with TIMEOUT when aborted; the retry of the same id gets the one run', async () => {
    const { port } = await bridge();
    const layer = adapter();
    const controller = new AbortController();
    const params = { commandId: 'bridge-abort-01', argv: ['sh', '-c', 'echo ran >> abort-runs; echo started; sleep 1; echo done'], cwd: dir };
    // Aborted at the first output, while the command runs on.
    const attempt = layer.run(target(port), params, controller.signal, () => controller.abort());
    await expect(attempt).rejects.toMatchObject({ layer: 'bridge', code: 'TIMEOUT' });
    const retry = await layer.run(target(port), params, signal());
    expect(retry).toMatchObject({ stdout: 'started\ndone\n', replayed: true });
    expect(runs('abort-runs')).toBe(1);
  });
});
