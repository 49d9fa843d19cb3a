// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { createStore } from 'zustand/vanilla';
import type { CommandRecordInfo, CommandRunInfo, CommandRunUpdate, Result, RunCommandInput, SavedCommand, SavedCommandInput, Server } from '../../../preload/api';
import { createCommandsSlice, RECENT_COMMANDS, type CommandsSlice } from './commands-slice';

// The slice against an in-memory stand-in for the main side's command panel methods; the real ones live
// in main/, which the renderer may not import, and e2e/ drives the page against the real web console.
class CommandsMemoryApi {
  saved: SavedCommand[] = [];
  runs: RunCommandInput[] = [];
  retries: Array<{ runId: string; serverIds: string[] }> = [];
  ledger: CommandRecordInfo[] = [];
  recentCalls: number[] = [];
  /** Answers of recentCommands held back by a test, to release out of order. */
  heldRecent: Array<() => void> | undefined;
  private next = 1;

  async listSavedCommands(): Promise<Result<SavedCommand[]>> {
    return { ok: true, value: [...this.saved] };
  }
  async saveCommand(input: SavedCommandInput): Promise<Result<SavedCommand>> {
    if (this.saved.some((command) => command.name === input.name && command.id !== input.id)) {
      return { ok: false, code: 'DUPLICATE_NAME', message: 'Taken.', fields: { name: 'This name is already used' } };
    }
    const command: SavedCommand = {
      id: input.id ?? `c${this.next++}`,
      name: input.name,
      argv: input.argv ?? null,
      script: input.script ?? null,
      target: 'serverId' in input.target ? { serverId: input.target.serverId, name: 'web-1' } : { groupId: input.target.groupId, name: 'web' },
      dangerous: input.dangerous ?? false,
      createdAt: '2025-01-01T00:00:00.000Z',
      updatedAt: '2025-01-01T00:00:00.000Z',
    };
    this.saved = [...this.saved.filter((other) => other.id !== command.id), command];
    return { ok: true, value: command };
  }
  async deleteSavedCommand(id: string): Promise<Result<{ id: string }>> {
    if (!this.saved.some((command) => command.id === id)) return { ok: false, code: 'NOT_FOUND', message: 'Gone.' };
    this.saved = this.saved.filter((command) => command.id !== id);
    return { ok: true, value: { id } };
  }
  async runCommand(input: RunCommandInput): Promise<Result<CommandRunInfo>> {
    const saved = input.savedCommandId === undefined ? undefined : this.saved.find((command) => command.id === input.savedCommandId);
    if (saved?.dangerous && !input.confirmDangerous) return { ok: false, code: 'CONFIRMATION_REQUIRED', message: `"${saved.name}" is marked dangerous.` };
    this.runs.push(input);
    return { ok: true, value: { runId: `r${this.runs.length}`, servers: SERVERS.map((server) => ({ serverId: server.id, serverName: server.name })) } };
  }
  async retryCommandRun(runId: string, serverIds: string[]): Promise<Result<CommandRunInfo>> {
    this.retries.push({ runId, serverIds });
    return { ok: true, value: { runId, servers: SERVERS.filter((server) => serverIds.includes(server.id)).map((server) => ({ serverId: server.id, serverName: server.name })) } };
  }
  async recentCommands(limit: number): Promise<Result<CommandRecordInfo[]>> {
    this.recentCalls.push(limit);
    const result: Result<CommandRecordInfo[]> = { ok: true, value: [...this.ledger] };
    if (this.heldRecent) {
      const held = this.heldRecent;
      return new Promise((resolve) => held.push(() => resolve(result)));
    }
    return result;
  }
}

const SERVERS = [
  { id: 's1', name: 'web-1' },
  { id: 's2', name: 'web-2' },
] as Server[];

function build() {
  const api = new CommandsMemoryApi();
  const store = createStore<CommandsSlice & { servers: Server[] }>()((...a) => ({ servers: SERVERS, ...createCommandsSlice(api)(...a) }));
  return { api, store, state: () => store.getState() };
}

function record(id: string, serverId: string, patch: Partial<CommandRecordInfo> = {}): CommandRecordInfo {
  return {
    id,
    serverId,
    serverName: serverId === 's1' ? 'web-1' : 'web-2',
    argv: ['uptime'],
    named: null,
    savedCommand: null,
    requestedBy: 'tester',
    startedAt: '2025-01-01T00:00:00.000Z',
    finishedAt: '2025-01-01T00:00:00.500Z',
    durationMs: 500,
    state: 'finished',
    exitCode: 0,
    signal: null,
    stdout: 'up 3 days\n',
    stderr: '',
    truncated: false,
    layer: 'bridge',
    message: null,
    attempts: [],
    ...patch,
  };
}

const started = (serverId: string, commandId: string): CommandRunUpdate => ({ kind: 'started', serverId, commandId, at: '2025-01-01T00:00:00.000Z' });
const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('saved commands', () => {
  it('shows a saved command at once, in name order, and gives a refusal back for the form', async () => {
    const { state } = build();
    expect((await state().saveCommand({ name: 'uptime', argv: ['uptime'], target: { serverId: 's1' } })).ok).toBe(true);
    expect((await state().saveCommand({ name: 'df', script: 'df -h', target: { groupId: 'g1' } })).ok).toBe(true);
    expect(state().savedCommands.map((command) => command.name)).toEqual(['df', 'uptime']);
    const duplicate = await state().saveCommand({ name: 'df', argv: ['df'], target: { serverId: 's1' } });
    expect(duplicate).toMatchObject({ ok: false, code: 'DUPLICATE_NAME', fields: { name: expect.any(String) } });
    expect(state().savedCommands).toHaveLength(2);
  });

  it('removes a deleted command, also one already deleted elsewhere', async () => {
    const { api, state } = build();
    const saved = await state().saveCommand({ name: 'uptime', argv: ['uptime'], target: { serverId: 's1' } });
    if (!saved.ok) throw new Error(saved.message);
    api.saved = [];
    expect(await state().deleteSavedCommand(saved.value.id)).toMatchObject({ ok: false, code: 'NOT_FOUND' });
    expect(state().savedCommands).toEqual([]);
  });
});

describe('runs', () => {
  it('passes CONFIRMATION_REQUIRED back and adds no run, then runs once confirmed', async () => {
    const { api, state } = build();
    const saved = await state().saveCommand({ name: 'reboot', argv: ['reboot'], target: { groupId: 'g1' }, dangerous: true });
    if (!saved.ok) throw new Error(saved.message);
    const refused = await state().runCommand({ savedCommandId: saved.value.id, target: { groupId: 'g1' } }, 'reboot');
    expect(refused).toMatchObject({ ok: false, code: 'CONFIRMATION_REQUIRED' });
    expect(state().commandRuns).toEqual([]);
    const confirmed = await state().runCommand({ savedCommandId: saved.value.id, target: { groupId: 'g1' }, confirmDangerous: true }, 'reboot');
    expect(confirmed.ok).toBe(true);
    expect(api.runs).toHaveLength(1);
    expect(state().commandRuns[0]).toMatchObject({ runId: 'r1', label: 'reboot', dangerous: true, rows: [{ serverName: 'web-1' }, { serverName: 'web-2' }] });
  });

  it('applies each batch in one store update, and reloads the ledger when the run is done', async () => {
    const { api, store, state } = build();
    await state().runCommand({ argv: ['uptime'], target: { groupId: 'g1' } }, 'uptime');
    let updates = 0;
    const stop = store.subscribe(() => updates++);
    state().receiveCommandRun({
      runId: 'r1',
      updates: [started('s1', 'c1'), { kind: 'output', serverId: 's1', stream: 'stdout', text: 'up' }, started('s2', 'c2')],
      done: false,
    });
    expect(updates).toBe(1);
    expect(api.recentCalls).toEqual([]);
    api.ledger = [record('c1', 's1'), record('c2', 's2', { exitCode: 1 })];
    state().receiveCommandRun({
      runId: 'r1',
      updates: [
        { kind: 'result', serverId: 's1', result: api.ledger[0]! },
        { kind: 'result', serverId: 's2', result: api.ledger[1]! },
      ],
      done: true,
    });
    await flush();
    stop();
    expect(api.recentCalls).toEqual([RECENT_COMMANDS]);
    expect(state().recentCommands.map((command) => command.id)).toEqual(['c1', 'c2']);
    expect(state().commandRuns[0]!.rows.map((row) => [row.serverName, row.result?.exitCode])).toEqual([
      ['web-1', 0],
      ['web-2', 1],
    ]);
  });

  it('names the servers of a run started in another window from the servers list', () => {
    const { state } = build();
    state().receiveCommandRun({ runId: 'elsewhere', updates: [started('s2', 'c9')], done: false });
    expect(state().commandRuns[0]).toMatchObject({ runId: 'elsewhere', startedHere: false, rows: [{ serverName: 'web-2', phase: 'running' }] });
  });

  it('retries only the failed servers, and puts them back to waiting', async () => {
    const { api, state } = build();
    await state().runCommand({ argv: ['false'], target: { groupId: 'g1' } }, 'false');
    expect(await state().retryFailed('r1')).toBeNull();
    state().receiveCommandRun({
      runId: 'r1',
      updates: [
        { kind: 'result', serverId: 's1', result: record('c1', 's1') },
        { kind: 'result', serverId: 's2', result: record('c2', 's2', { state: 'undelivered', exitCode: null, layer: null }) },
      ],
      done: true,
    });
    const retried = await state().retryFailed('r1');
    expect(retried?.ok).toBe(true);
    expect(api.retries).toEqual([{ runId: 'r1', serverIds: ['s2'] }]);
    expect(state().commandRuns[0]).toMatchObject({ done: false, rows: [{ phase: 'ended' }, { phase: 'queued', result: null }] });
    state().dismissCommandRun('r1');
    expect(state().commandRuns).toEqual([]);
  });
});

describe('recent commands', () => {
  it('keeps only the newest load, and settles rows whose events were lost', async () => {
    const { api, state } = build();
    await state().runCommand({ argv: ['uptime'], target: { serverId: 's1' } }, 'uptime');
    state().receiveCommandRun({ runId: 'r1', updates: [started('s1', 'c1'), started('s2', 'c2')], done: false });
    api.heldRecent = [];
    api.ledger = [];
    const older = state().loadRecentCommands();
    api.ledger = [record('c1', 's1', { exitCode: 4 }), record('c2', 's2')];
    const newer = state().loadRecentCommands();
    const [releaseOlder, releaseNewer] = api.heldRecent;
    releaseNewer!();
    await newer;
    releaseOlder!();
    await older;
    expect(state().recentCommands.map((command) => command.id)).toEqual(['c1', 'c2']);
    expect(state().commandRuns[0]).toMatchObject({ done: true, rows: [{ phase: 'ended', result: { exitCode: 4 } }, { phase: 'ended' }] });
  });

  it('shows why the ledger could not be read', async () => {
    const { api, state } = build();
    api.recentCommands = async () => ({ ok: false, code: 'INTERNAL', message: 'The database is locked.' });
    await state().loadRecentCommands();
    expect(state()).toMatchObject({ recentCommandsStatus: 'error', recentCommandsError: 'The database is locked.' });
  });
});
