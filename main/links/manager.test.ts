import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverInputSchema } from '../api/server-rules';
import { openLifelineStore, type LifelineStore } from '../store';
import { BridgeAdapter } from './adapters/bridge';
import { ExecAdapter } from './adapters/exec';
import type { LayerName } from './adapters/layer';
import { startRemoteAgent, TEST_BRIDGE_TOKEN, type RemoteAgent } from './adapters/testing/remote-agent';
import { TmuxAdapter } from './adapters/tmux';
import { TriggerAdapter } from './adapters/trigger';
import type { LayerHealth } from './link-health';
import { LinkManager, LinkManagerError, type AttemptEvent } from './manager';
import { Redactor } from './redact';

// The link manager against a real server: OpenSSH's sshd, a real tmux and the agent's bridge, trigger
// watcher and run-command over one ledger (adapters/testing), with a real desktop store and vault.

const SAVED_PASSWORD = 'sup3r-secret-ssh-password';
const ALL: LayerName[] = ['bridge', 'tmux', 'trigger', 'exec'];

let remote: RemoteAgent;
let socketName: string;
let home: string;
let store: LifelineStore;
let manager: LinkManager;
let serverId: string;
const attempts: AttemptEvent[] = [];

beforeAll(async () => {
  remote = await startRemoteAgent({ serve: true });
  socketName = await remote.startTmux('work');
  home = mkdtempSync(join(tmpdir(), 'lifeline-manager-'));
  store = openLifelineStore(home);
  await store.vault.initialize({ passphrase: 'a long vault passphrase' });
  const created = store.servers.create(serverInputSchema.parse({ name: 'box', host: remote.sshd.host, port: remote.sshd.port, user: remote.sshd.user, tmuxSession: 'work' }));
  if (created === 'duplicate-name') throw new Error('fresh store');
  serverId = created.id;
  store.vault.setAgentToken(serverId, TEST_BRIDGE_TOKEN);
  store.vault.setServerPassword(serverId, SAVED_PASSWORD);
  store.serverLinks.update(serverId, {
    agent: { host: '127.0.0.1', port: remote.target.agent!.port, tlsFingerprint: null },
    agentCommand: remote.target.remoteCommand,
    triggerDir: remote.target.triggerDir!,
    tmuxSocket: socketName,
    layers: ALL,
  });
  manager = new LinkManager({
    links: store.serverLinks,
    samples: store.linkSamples,
    ledger: store.commands,
    adapters: [new BridgeAdapter({ connectTimeoutMs: 2000 }), new TmuxAdapter(), new TriggerAdapter(), new ExecAdapter()],
    agentToken: (id) => store.vault.getAgentToken(id),
    // The test's own connection as the throwaway user; closed by remote.stop().
    ssh: { get: () => Promise.resolve(remote.connection), dispose: () => Promise.resolve() },
    redactor: new Redactor({ secrets: () => store.vault.serverSecretValues() }),
    options: { attemptTimeoutMs: { bridge: 1500, tmux: 10_000, trigger: 3000, exec: 10_000 }, probeTimeoutMs: 3000, probeIntervalMs: 20, probeJitter: 0, resultGraceMs: 1000 },
  });
  manager.onAttempt((event) => attempts.push(event));
}, 120_000);

afterAll(async () => {
  await manager?.dispose();
  store?.close();
  await remote?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

const by = { requestedBy: 'tester@desk' };
const states = () => Object.fromEntries(manager.linkStates(serverId).map((health) => [health.layer, health.state]));

describe('LinkManager', () => {
  it('probes every layer up and records the samples', async () => {
    expect(manager.hasSamples(serverId)).toBe(false);
    await manager.probeAll();
    expect(states()).toEqual({ bridge: 'up', tmux: 'up', trigger: 'up', exec: 'up' });
    expect(store.linkSamples.latest(serverId).map((sample) => [sample.layer, sample.ok]).sort()).toEqual(ALL.map((layer) => [layer, true]).sort());
  });

  it('runs over the first layer, streams its output and records the command with its attempt', async () => {
    const output: string[] = [];
    let startedId = '';
    const record = await manager.run(serverId, { argv: ['sh', '-c', 'echo hello; echo warn >&2; exit 4'] }, { ...by, onOutput: (stream, text) => output.push(`${stream}:${text}`), onStart: (id) => (startedId = id) });
    expect(record).toMatchObject({ id: startedId, state: 'finished', exitCode: 4, stdout: 'hello\n', stderr: 'warn\n', layer: 'bridge', requestedBy: 'tester@desk', serverName: 'box' });
    expect(record.id).not.toContain('.');
    expect(record.attempts).toMatchObject([{ seq: 1, layer: 'bridge', outcome: 'ok' }]);
    expect(output.join('')).toContain('stdout:hello\n');
    expect(store.commands.get(record.id)).toEqual(record);
  });

  it('runs over only the layer asked for, passing on output that layer brings at the end', async () => {
    const output: string[] = [];
    const record = await manager.run(serverId, { argv: ['echo', 'over exec'] }, { ...by, layer: 'exec', onOutput: (_stream, text) => output.push(text) });
    expect(record).toMatchObject({ state: 'finished', exitCode: 0, layer: 'exec', attempts: [{ layer: 'exec', outcome: 'ok' }] });
    expect(output).toEqual(['over exec\n']);
  });

  it('does not run a command twice when its first attempt timed out after the agent had started it', async () => {
    const record = await manager.run(serverId, { argv: ['sh', '-c', 'echo ran >> side-effect; sleep 3; echo done'], cwd: remote.dataDir }, by);
    expect(record).toMatchObject({ state: 'finished', exitCode: 0, stdout: 'done\n', layer: 'tmux' });
    expect(record.attempts).toMatchObject([
      { layer: 'bridge', outcome: 'failed', errorCode: 'TIMEOUT' },
      { layer: 'tmux', outcome: 'ok' },
    ]);
    expect(remote.linesIn('side-effect')).toBe(1);
  });

  it('keeps the agent token, saved passwords and secret-looking values out of the ledger', async () => {
    const output: string[] = [];
    const argv = ['echo', TEST_BRIDGE_TOKEN, SAVED_PASSWORD, 'password=hunter22', '--token', 'plain-value'];
    const record = await manager.run(serverId, { argv }, { ...by, onOutput: (_stream, text) => output.push(text) });
    expect(output.join('')).toContain(SAVED_PASSWORD);
    expect(record.argv).toEqual(['echo', '[redacted]', '[redacted]', 'password=[redacted]', '--token', '[redacted]']);
    expect(record.stdout).toBe('[redacted] [redacted] password=[redacted] --token [redacted]\n');
    // The database file and its write-ahead log: whatever was written is in one of them.
    const bytes = Buffer.concat(readdirSync(home).filter((name) => name.startsWith('lifeline.db')).map((name) => readFileSync(join(home, name))));
    for (const secret of [TEST_BRIDGE_TOKEN, SAVED_PASSWORD, 'hunter22']) expect(bytes.includes(Buffer.from(secret)), secret).toBe(false);
  });

  it('marks a layer down after 3 failed probes, skips it, and uses it again once a probe succeeds', async () => {
    store.serverLinks.update(serverId, { layers: ['tmux', 'exec'] });
    await remote.sh(['tmux', '-L', socketName, 'kill-session', '-t', 'work']);
    const changes: LayerHealth[] = [];
    const off = manager.onLinkChange((health) => health.layer === 'tmux' && changes.push(health));
    for (let round = 0; round < 3; round++) await manager.probeAll([serverId]);
    expect(changes.map((health) => health.state)).toEqual(['degraded', 'degraded', 'down']);
    expect(changes[2]!.lastError).toMatch(/tmux/);

    attempts.length = 0;
    const skipped = await manager.run(serverId, { argv: ['true'] }, by);
    expect(skipped).toMatchObject({ state: 'finished', layer: 'exec', attempts: [{ layer: 'exec', outcome: 'ok' }] });
    expect(attempts[0]).toMatchObject({ kind: 'skip', layer: 'tmux', reason: 'down' });

    await remote.startTmux('work');
    await manager.probeAll([serverId]);
    off();
    expect(states()).toMatchObject({ tmux: 'up', exec: 'up' });
    expect((await manager.run(serverId, { argv: ['true'] }, by)).layer).toBe('tmux');
  });

  it('probes on its interval until stopped', async () => {
    const before = store.linkSamples.since(serverId, '0').length;
    let seen = 0;
    await new Promise<void>((resolve) => {
      const off = manager.onLinkChange(() => {
        if (++seen === 6) {
          off();
          manager.stopProbing();
          resolve();
        }
      });
      manager.startProbing();
    });
    expect(store.linkSamples.since(serverId, '0').length).toBeGreaterThanOrEqual(before + 6);
  });

  it('falls over hop by hop as layers break, each hop in the ledger, and goes back to the bridge once a probe finds it', async () => {
    store.serverLinks.update(serverId, { layers: ALL });
    const hops = async (): Promise<string[]> => {
      const record = await manager.run(serverId, { argv: ['echo', 'hop'] }, by);
      expect(record).toMatchObject({ state: 'finished', exitCode: 0, stdout: 'hop\n' });
      const ledger = store.commands.get(record.id)?.attempts.map((attempt) => `${attempt.layer} ${attempt.outcome}`);
      expect(ledger).toEqual(record.attempts.map((attempt) => `${attempt.layer} ${attempt.outcome}`));
      return ledger ?? [];
    };
    await remote.stopBridge();
    expect(await hops()).toEqual(['bridge failed', 'tmux ok']);
    await remote.sh(['tmux', '-L', socketName, 'kill-server']);
    expect(await hops()).toEqual(['bridge failed', 'tmux failed', 'trigger ok']);
    const triggerDir = remote.target.triggerDir!;
    chmodSync(triggerDir, 0o500);
    try {
      expect(await hops()).toEqual(['bridge failed', 'tmux failed', 'trigger failed', 'exec ok']);
    } finally {
      chmodSync(triggerDir, 0o700);
    }

    await remote.startBridge();
    await remote.startTmux('work');
    await manager.probeAll([serverId]);
    expect(states()).toMatchObject({ bridge: 'up', tmux: 'up', trigger: 'up', exec: 'up' });
    expect(await hops()).toEqual(['bridge ok']);
  });

  it('fails over to the next layer when the bridge is gone, with both attempts in the ledger', async () => {
    store.serverLinks.update(serverId, { layers: ALL });
    await remote.stopAgent();
    const record = await manager.run(serverId, { argv: ['echo', 'still here'] }, by);
    expect(record).toMatchObject({ state: 'finished', stdout: 'still here\n', layer: 'tmux' });
    expect(record.attempts).toMatchObject([
      { layer: 'bridge', outcome: 'failed', errorCode: 'UNREACHABLE' },
      { layer: 'tmux', outcome: 'ok' },
    ]);
    expect(store.commands.get(record.id)?.attempts).toHaveLength(2);
  });

  it('records a command no layer could deliver as undelivered, and refuses invalid ones before recording', async () => {
    const record = await manager.run(serverId, { argv: ['true'], timeoutSeconds: 1 }, { ...by, layer: 'trigger' });
    expect(record).toMatchObject({ state: 'undelivered', layer: null, attempts: [{ layer: 'trigger', outcome: 'failed', errorCode: 'TIMEOUT' }] });
    expect(record.message).toMatch(/may have run/);
    await expect(manager.run(serverId, { argv: [] }, by)).rejects.toThrow(LinkManagerError);
    await expect(manager.run('no-such-server', { argv: ['true'] }, by)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
