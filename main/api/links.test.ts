import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandRunEvent, CommandRunInfo, CommandRunUpdate, KeyInfo, LinkStatus, Result, SavedCommand, Server } from '../../preload/api';
import { startRemoteAgent, TEST_BRIDGE_TOKEN, type RemoteAgent } from '../links/adapters/testing/remote-agent';
import { openServices, type MainServices } from '../services';
import { makeTestKey, type TestKey } from '../ssh/testing/keys';
import { dispatch } from './requests';
import { forwardEvents } from './service';
import { answerHostKeys } from './test-ssh-server';

// The links and command panel part of the contract, through dispatch as the transports call it, over the
// services the desktop and the web console open: a real store and vault, the link manager on the same SSH
// connector as the terminals, and a real server (OpenSSH's sshd, tmux, the agent's bridge, trigger
// folder and run-command, from main/links/adapters/testing).

const VAULT_PASSPHRASE = 'links api vault passphrase';
const SERVER_PASSWORD = 'the-saved-ssh-password-42';
const ALL = ['bridge', 'tmux', 'trigger', 'exec'] as const;

let remote: RemoteAgent;
let key: TestKey;
let keyDir: string;
let dataDir: string;
let services: MainServices;
let box: Server;
let box2: Server;
/** Every result and event, as a transport would send them. */
const transcript: string[] = [];
const runEvents: CommandRunEvent[] = [];
let stopForwarding: () => void;
let stopAnswering: () => void;

async function call<T>(method: string, ...args: unknown[]): Promise<Result<T>> {
  const result = (await dispatch(services.service, method, args)) as Result<T>;
  transcript.push(JSON.stringify(result));
  return result;
}

async function value<T>(method: string, ...args: unknown[]): Promise<T> {
  const result = await call<T>(method, ...args);
  if (!result.ok) throw new Error(`${method} failed: ${result.code} ${result.message}`);
  return result.value;
}

/** Resolves with every update of the run once it has been done `times` times (a retry ends it again). */
function runUpdates(runId: string, times = 1): Promise<CommandRunUpdate[]> {
  const collect = () => runEvents.filter((event) => event.runId === runId);
  return new Promise((resolve) => {
    const check = () => {
      const events = collect();
      if (events.filter((event) => event.done).length < times) return false;
      resolve(events.flatMap((event) => event.updates));
      return true;
    };
    if (check()) return;
    const off = services.service.events.commandRun(() => {
      if (check()) off();
    });
  });
}

const results = (updates: CommandRunUpdate[]) => updates.flatMap((update) => (update.kind === 'result' ? [update.result] : []));

beforeAll(async () => {
  remote = await startRemoteAgent({ serve: true });
  const socketName = await remote.startTmux('work');
  keyDir = mkdtempSync(join(tmpdir(), 'lifeline-links-api-key-'));
  key = await makeTestKey(keyDir, 'ed25519');
  // The test sshd also reads the user's own authorized_keys: let this installation's vault key in.
  await remote.sh(['sh', '-c', 'mkdir -p ~/.ssh && printf "%s\\n" "$1" >> ~/.ssh/authorized_keys', 'sh', key.publicKey]);

  dataDir = mkdtempSync(join(tmpdir(), 'lifeline-links-api-'));
  services = openServices({ dataDir, mode: 'web', probeLinks: false });
  stopForwarding = forwardEvents(services.service, (name, event) => {
    transcript.push(JSON.stringify({ name, event }));
    if (name === 'commandRun') runEvents.push(event as CommandRunEvent);
  });
  stopAnswering = answerHostKeys(services.service, 'remember');
  await value('initializeVault', { passphrase: VAULT_PASSPHRASE });
  const imported = await value<KeyInfo>('importKey', { name: 'links', text: key.privateKey.toString('utf8') });
  const link = {
    agent: { host: '127.0.0.1', port: remote.target.agent!.port },
    agentCommand: [...remote.target.remoteCommand],
    triggerDir: remote.target.triggerDir,
    tmuxSocket: socketName,
    layers: [...ALL],
  };
  const ssh = { host: remote.sshd.host, port: remote.sshd.port, user: remote.sshd.user, auth: 'key', keyId: imported.id, tmuxSession: 'work', group: 'pair' };
  box = await value<Server>('createServer', { name: 'box', ...ssh, link });
  box2 = await value<Server>('createServer', { name: 'box-2', ...ssh, link });
  for (const server of [box, box2]) {
    await value('setAgentToken', server.id, TEST_BRIDGE_TOKEN);
    await value('setServerPassword', server.id, SERVER_PASSWORD);
  }
}, 120_000);

afterAll(async () => {
  stopAnswering?.();
  stopForwarding?.();
  await services?.close();
  await remote?.stop();
  for (const dir of [dataDir, keyDir]) if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('server link settings', () => {
  it('shows the link and whether a token is saved, never the token', async () => {
    const [listed] = (await value<Server[]>('listServers')).filter((server) => server.id === box.id);
    expect(listed!.link).toEqual({
      agent: { host: '127.0.0.1', port: remote.target.agent!.port, tlsFingerprint: null },
      agentTokenSaved: true,
      agentCommand: [...remote.target.remoteCommand],
      triggerDir: remote.target.triggerDir,
      tmuxSocket: expect.any(String),
      layers: [...ALL],
    });
    expect(listed!.groupId).toBe(box2.groupId);
  });

  it('refuses a bad token or link as field errors, and an unknown server', async () => {
    expect(await call('setAgentToken', box.id, 'short')).toMatchObject({ ok: false, code: 'VALIDATION', fields: { token: expect.stringMatching(/shorter than 16/) } });
    expect(await call('setAgentToken', 'no-such-server', TEST_BRIDGE_TOKEN)).toMatchObject({ ok: false, code: 'NOT_FOUND' });
    const badLayers = await call('updateServer', box.id, { name: 'box', host: box.host, user: box.user, link: { layers: ['bridge', 'bridge'] } });
    expect(badLayers).toMatchObject({ ok: false, code: 'VALIDATION', fields: { link: 'Name each layer once, in the order to try them' } });
  });
});

describe('links', () => {
  it('lists every layer of every server as unknown before any probe', async () => {
    const links = await value<LinkStatus[]>('listLinks');
    expect(links.map((link) => [link.serverName, link.layer, link.state])).toEqual([...ALL.map((layer) => ['box', layer, 'unknown']), ...ALL.map((layer) => ['box-2', layer, 'unknown'])]);
  });

  it('probes a server on request, announces the new states and keeps the samples for the chart', async () => {
    const since = new Date(Date.now() - 60_000).toISOString();
    // Announcements are coalesced over a short window, so a slow layer's result may come in a later one.
    const upAnnounced = (links: LinkStatus[]) => links.filter((link) => link.serverId === box.id && link.state === 'up').length;
    const announced = new Promise<LinkStatus[]>((resolve) => {
      const off = services.service.events.linksChanged((links) => {
        if (upAnnounced(links) < ALL.length) return;
        off();
        resolve(links);
      });
    });
    const links = await value<LinkStatus[]>('probeLinks', box.id);
    expect(links.filter((link) => link.serverId === box.id).map((link) => [link.layer, link.state])).toEqual(ALL.map((layer) => [layer, 'up']));
    expect(links.find((link) => link.serverId === box.id)).toMatchObject({ lastError: null, lastLatencyMs: expect.any(Number), lastProbeAt: expect.any(String) });
    expect(upAnnounced(await announced)).toBe(ALL.length);

    const points = await value<{ layer: string; probes: number; failures: number; latencyMs: number | null }[]>('linkSamples', box.id, since);
    expect(points.map((point) => point.layer).sort()).toEqual([...ALL].sort());
    for (const point of points) expect(point).toMatchObject({ probes: 1, failures: 0, latencyMs: expect.any(Number) });
    expect(await call('linkSamples', box.id, 'yesterday')).toMatchObject({ ok: false, code: 'BAD_REQUEST' });
    expect(await call('probeLinks', 'no-such-server')).toMatchObject({ ok: false, code: 'NOT_FOUND' });
  });
});

describe('saved commands', () => {
  it('saves, replaces, lists and deletes them, announcing each change', async () => {
    const announced: SavedCommand[][] = [];
    const off = services.service.events.savedCommandsChanged((commands) => announced.push(commands));
    const saved = await value<SavedCommand>('saveCommand', { name: 'hello', argv: ['echo', 'hello'], target: { groupId: box.groupId } });
    expect(saved).toMatchObject({ name: 'hello', argv: ['echo', 'hello'], script: null, target: { groupId: box.groupId, name: 'pair' }, dangerous: false });
    const replaced = await value<SavedCommand>('saveCommand', { id: saved.id, name: 'hello', script: 'echo "hello from $(hostname)"', target: { serverId: box.id } });
    expect(replaced).toMatchObject({ id: saved.id, argv: null, script: 'echo "hello from $(hostname)"', target: { serverId: box.id, name: 'box' } });
    expect(await value<SavedCommand[]>('listSavedCommands')).toEqual([replaced]);
    expect(await value('deleteSavedCommand', saved.id)).toEqual({ id: saved.id });
    off();
    expect(announced.map((commands) => commands.length)).toEqual([1, 1, 0]);
  });

  it('refuses a taken name, both argv and script, a missing target, and an unknown id', async () => {
    await value('saveCommand', { name: 'taken', argv: ['true'], target: { serverId: box.id } });
    expect(await call('saveCommand', { name: 'TAKEN', argv: ['true'], target: { serverId: box.id } })).toMatchObject({ ok: false, code: 'DUPLICATE_NAME', fields: { name: expect.any(String) } });
    expect(await call('saveCommand', { name: 'both', argv: ['true'], script: 'true', target: { serverId: box.id } })).toMatchObject({ ok: false, code: 'VALIDATION', fields: { argv: expect.stringMatching(/one of them/) } });
    expect(await call('saveCommand', { name: 'nowhere', argv: ['true'], target: { serverId: 'gone' } })).toMatchObject({ ok: false, code: 'VALIDATION', fields: { target: expect.any(String) } });
    expect(await call('deleteSavedCommand', 'gone')).toMatchObject({ ok: false, code: 'NOT_FOUND' });
  });
});

describe('running commands', () => {
  it('runs a saved command on a group, streaming attempts, output and both results', async () => {
    const saved = await value<SavedCommand>('saveCommand', { name: 'greet', argv: ['sh', '-c', 'echo greetings; echo warn >&2'], target: { groupId: box.groupId } });
    const run = await value<CommandRunInfo>('runCommand', { target: { groupId: box.groupId }, savedCommandId: saved.id, concurrency: 2 });
    expect(run.servers.map((server) => server.serverName).sort()).toEqual(['box', 'box-2']);
    const updates = await runUpdates(run.runId);
    for (const server of [box, box2]) {
      const mine = updates.filter((update) => update.serverId === server.id);
      expect(mine.map((update) => update.kind)).toEqual(expect.arrayContaining(['started', 'attempt', 'output', 'result']));
      expect(mine.filter((update) => update.kind === 'output' && update.stream === 'stdout').map((update) => (update as { text: string }).text).join('')).toBe('greetings\n');
      expect(mine.find((update) => update.kind === 'attempt' && update.phase === 'ok')).toMatchObject({ layer: 'bridge', latencyMs: expect.any(Number) });
    }
    expect(results(updates).map((result) => [result.serverName, result.state, result.exitCode, result.layer, result.stdout, result.stderr]).sort()).toEqual([
      ['box', 'finished', 0, 'bridge', 'greetings\n', 'warn\n'],
      ['box-2', 'finished', 0, 'bridge', 'greetings\n', 'warn\n'],
    ]);
    expect(results(updates)[0]!.durationMs).toEqual(expect.any(Number));
    // The ledger keeps which saved command ran, by its name then; a typed command has none.
    expect(results(updates).map((result) => result.savedCommand)).toEqual(['greet', 'greet']);
    const typed = await value<CommandRunInfo>('runCommand', { target: { serverId: box.id }, argv: ['true'] });
    expect(results(await runUpdates(typed.runId))).toMatchObject([{ savedCommand: null }]);
  });

  it('refuses a dangerous saved command without the confirmation, and runs it with it', async () => {
    const saved = await value<SavedCommand>('saveCommand', {
      name: 'touch',
      script: `echo ran >> ${remote.dataDir}/dangerous`,
      target: { serverId: box.id },
      dangerous: true,
    });
    const refused = await call('runCommand', { target: { serverId: box.id }, savedCommandId: saved.id });
    expect(refused).toMatchObject({ ok: false, code: 'CONFIRMATION_REQUIRED', message: expect.stringMatching(/"touch" is marked dangerous.*nothing ran/) });
    expect(remote.linesIn('dangerous')).toBe(0);

    const run = await value<CommandRunInfo>('runCommand', { target: { serverId: box.id }, savedCommandId: saved.id, confirmDangerous: true });
    expect(results(await runUpdates(run.runId))).toMatchObject([{ state: 'finished', exitCode: 0 }]);
    expect(remote.linesIn('dangerous')).toBe(1);
  });

  it('refuses targets that do not exist and malformed runs before anything runs', async () => {
    expect(await call('runCommand', { target: { serverIds: [box.id, 'gone'] }, argv: ['true'] })).toMatchObject({ ok: false, code: 'NOT_FOUND' });
    expect(await call('runCommand', { target: { groupId: 'no-group' }, argv: ['true'] })).toMatchObject({ ok: false, code: 'NOT_FOUND' });
    expect(await call('runCommand', { target: { serverId: box.id }, savedCommandId: 'gone' })).toMatchObject({ ok: false, code: 'NOT_FOUND' });
    expect(await call('runCommand', { target: { serverId: box.id }, argv: [] })).toMatchObject({ ok: false, code: 'VALIDATION', fields: { argv: 'Give the program to run' } });
    expect(await call('runCommand', { target: { serverId: box.id }, argv: ['true'], concurrency: 0 })).toMatchObject({ ok: false, code: 'VALIDATION', fields: { concurrency: expect.any(String) } });
  });

  it('keeps the agent token, vault secrets and secret-looking values out of everything the windows get', async () => {
    const run = await value<CommandRunInfo>('runCommand', { target: { serverId: box.id }, argv: ['echo', TEST_BRIDGE_TOKEN, SERVER_PASSWORD, 'password=hunter22'] });
    const updates = await runUpdates(run.runId);
    const live = updates.flatMap((update) => (update.kind === 'output' ? [update.text] : [])).join('');
    expect(live).toBe('[redacted] [redacted] password=[redacted]\n');
    expect(results(updates)[0]!.stdout).toBe(live);
    expect(results(updates)[0]!.argv).toEqual(['echo', '[redacted]', '[redacted]', 'password=[redacted]']);
  });

  it('passes on live output up to its limit per stream, merged into few updates, and the result keeps the ledger copy', async () => {
    const run = await value<CommandRunInfo>('runCommand', { target: { serverId: box.id }, argv: ['seq', '1', '200000'] });
    const updates = await runUpdates(run.runId);
    const output = updates.filter((update) => update.kind === 'output');
    expect(output.map((update) => update.text).join('')).toHaveLength(256 * 1024);
    expect(output.filter((update) => update.cut)).toHaveLength(1);
    // Within an event, pieces of one server's stream in a row are one update, however many frames brought them.
    for (const event of runEvents.filter((candidate) => candidate.runId === run.runId)) {
      const streams = event.updates.flatMap((update) => (update.kind === 'output' ? [`${update.serverId} ${update.stream}`] : ['-']));
      expect(streams.every((stream, index) => stream === '-' || stream !== streams[index - 1])).toBe(true);
    }
    expect(results(updates)).toMatchObject([{ state: 'finished', exitCode: 0, truncated: true }]);
  });

  it('fails over when the bridge is gone, and retries failed servers of a run as new commands', async () => {
    await remote.stopAgent();
    const run = await value<CommandRunInfo>('runCommand', { target: { serverIds: [box.id, box2.id] }, argv: ['sh', '-c', `echo try >> ${remote.dataDir}/retry-$0; exit 3`, 'x'], concurrency: 1 });
    const first = await runUpdates(run.runId);
    expect(results(first).map((result) => [result.state, result.exitCode, result.layer, result.attempts.map((attempt) => `${attempt.layer}:${attempt.outcome}`)])).toEqual([
      ['finished', 3, 'tmux', ['bridge:failed', 'tmux:ok']],
      ['finished', 3, 'tmux', ['bridge:failed', 'tmux:ok']],
    ]);
    expect(first.find((update) => update.kind === 'attempt' && update.phase === 'failed')).toMatchObject({ layer: 'bridge', errorCode: 'UNREACHABLE', error: expect.any(String) });
    expect(remote.linesIn('retry-x')).toBe(2);

    expect(await call('retryCommandRun', run.runId, ['not-in-run'])).toMatchObject({ ok: false, code: 'VALIDATION' });
    expect(await call('retryCommandRun', 'no-such-run', [box.id])).toMatchObject({ ok: false, code: 'NOT_FOUND' });
    const retried = await value<CommandRunInfo>('retryCommandRun', run.runId, [box2.id]);
    expect(retried).toEqual({ runId: run.runId, servers: [{ serverId: box2.id, serverName: 'box-2' }] });
    const afterRetry = await runUpdates(run.runId, 2);
    const again = results(afterRetry).filter((result) => !results(first).some((earlier) => earlier.id === result.id));
    expect(again).toMatchObject([{ serverName: 'box-2', state: 'finished', exitCode: 3 }]);
    expect(remote.linesIn('retry-x')).toBe(3);
  });

  it('lists the newest commands of the ledger first, redacted', async () => {
    const recent = await value<{ serverName: string; argv: string[] | null; state: string }[]>('recentCommands', 3);
    expect(recent).toHaveLength(3);
    expect(recent[0]).toMatchObject({ serverName: 'box-2', state: 'finished' });
    expect(await call('recentCommands', 0)).toMatchObject({ ok: false, code: 'BAD_REQUEST' });
  });

  it('never sent the agent token, a saved password, the vault passphrase or the vault key to a window', () => {
    const all = transcript.join('\n');
    expect(transcript.length).toBeGreaterThan(40);
    for (const [label, secret] of Object.entries({ TEST_BRIDGE_TOKEN, SERVER_PASSWORD, VAULT_PASSPHRASE, hunter22: 'hunter22' })) expect(all.includes(secret), label).toBe(false);
    const body = key.privateKey.toString('utf8').trim().split('\n').slice(1, -1);
    for (const line of body.slice(-2)) expect(all.includes(line), 'private key line').toBe(false);
  });
});

describe('probing started by the services', () => {
  it('probes servers attached to an agent on its own once the services open', async () => {
    await services.close();
    const opened = new Date().toISOString();
    services = openServices({ dataDir, mode: 'web' });
    const bridgeOf = (links: LinkStatus[]) => links.find((link) => link.serverId === box.id && link.layer === 'bridge');
    // Subscribed before the first round can start (it is a timer): its announcement cannot be missed.
    const probed = await new Promise<LinkStatus[]>((resolve) => {
      const off = services.service.events.linksChanged((links) => {
        const probedAt = bridgeOf(links)?.lastProbeAt;
        if (probedAt && probedAt >= opened) {
          off();
          resolve(links);
        }
      });
    });
    // The failover test stopped the agent (and the vault of these new services is locked): the probe fails.
    expect(bridgeOf(probed)).toMatchObject({ state: expect.stringMatching(/^(degraded|down)$/), lastError: expect.any(String) });
  });
});
