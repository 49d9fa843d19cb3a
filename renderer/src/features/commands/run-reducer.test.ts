import { describe, expect, it } from 'vitest';
import type { CommandRecordInfo, CommandRunEvent, CommandRunUpdate, LinkLayer } from '../../../../preload/api';
import {
  applyRunEvent,
  dismissRun,
  KEPT_RUNS,
  labelOfRecord,
  markRetried,
  registerRun,
  retryableServerIds,
  retryNeedsConfirming,
  ROW_OUTPUT_CAP,
  rowOutcome,
  settleFromLedger,
  type RunView,
} from './run-reducer';

const names: Record<string, string> = { s1: 'web-1', s2: 'web-2', s3: 'db-1' };
const nameOf = (id: string) => names[id];
const info = (runId: string, ...ids: string[]) => ({ runId, servers: ids.map((serverId) => ({ serverId, serverName: names[serverId]! })) });
const event = (runId: string, updates: CommandRunUpdate[], done = false): CommandRunEvent => ({ runId, updates, done });
const started = (serverId: string, commandId: string): CommandRunUpdate => ({ kind: 'started', serverId, commandId, at: '2025-01-01T00:00:00.000Z' });
const attempt = (serverId: string, commandId: string, layer: LinkLayer, phase: 'started' | 'ok' | 'failed' | 'skipped', error: string | null = null): CommandRunUpdate => ({
  kind: 'attempt',
  serverId,
  commandId,
  layer,
  phase,
  at: '2025-01-01T00:00:00.000Z',
  latencyMs: phase === 'started' || phase === 'skipped' ? null : 3,
  errorCode: error ? 'UNREACHABLE' : null,
  error,
});

function record(id: string, serverId: string, patch: Partial<CommandRecordInfo> = {}): CommandRecordInfo {
  return {
    id,
    serverId,
    serverName: names[serverId]!,
    argv: ['echo', 'hi'],
    named: null,
    savedCommand: null,
    requestedBy: 'tester',
    startedAt: '2025-01-01T00:00:00.000Z',
    finishedAt: '2025-01-01T00:00:01.000Z',
    durationMs: 1000,
    state: 'finished',
    exitCode: 0,
    signal: null,
    stdout: 'hi\n',
    stderr: '',
    truncated: false,
    layer: 'bridge',
    message: null,
    attempts: [{ seq: 1, layer: 'bridge', startedAt: '2025-01-01T00:00:00.000Z', latencyMs: 4, outcome: 'ok', errorCode: null, error: null }],
    ...patch,
  };
}

const rowOf = (runs: readonly RunView[], serverId: string, runId = 'r1') => {
  const row = runs.find((run) => run.runId === runId)?.rows.find((candidate) => candidate.serverId === serverId);
  if (!row) throw new Error(`no row for ${serverId} in ${runId}`);
  return row;
};

describe('a run this window starts', () => {
  it('lists every server as queued in start order, then follows its progress to the result', () => {
    let runs = registerRun([], info('r1', 's1', 's2'), 'echo hi', false);
    expect(runs[0]!.rows.map((row) => [row.serverName, row.phase, rowOutcome(row)])).toEqual([
      ['web-1', 'queued', 'running'],
      ['web-2', 'queued', 'running'],
    ]);
    runs = applyRunEvent(runs, event('r1', [started('s1', 'c1'), attempt('s1', 'c1', 'bridge', 'started'), { kind: 'output', serverId: 's1', stream: 'stdout', text: 'h' }]), nameOf);
    runs = applyRunEvent(runs, event('r1', [{ kind: 'output', serverId: 's1', stream: 'stdout', text: 'i\n' }, attempt('s1', 'c1', 'bridge', 'ok')]), nameOf);
    expect(rowOf(runs, 's1')).toMatchObject({ phase: 'running', commandId: 'c1', stdout: 'hi\n', attempts: [{ layer: 'bridge', phase: 'ok', latencyMs: 3 }] });
    runs = applyRunEvent(runs, event('r1', [{ kind: 'result', serverId: 's1', result: record('c1', 's1') }]), nameOf);
    expect(rowOutcome(rowOf(runs, 's1'))).toBe('ok');
    expect(rowOf(runs, 's1').result).toEqual({ state: 'finished', exitCode: 0, signal: null, layer: 'bridge', durationMs: 1000, message: null });
    expect(runs[0]!.done).toBe(false);
    runs = applyRunEvent(runs, event('r1', [started('s2', 'c2'), { kind: 'result', serverId: 's2', result: record('c2', 's2', { exitCode: 3, stdout: '' }) }], true), nameOf);
    expect(rowOutcome(rowOf(runs, 's2'))).toBe('failed');
    expect(runs[0]!.done).toBe(true);
  });

  it('leaves the rows a batch does not mention as the same values, so their table rows are not rendered again', () => {
    let runs = registerRun([], info('r1', 's1', 's2'), 'echo hi', false);
    const untouched = runs[0]!.rows[1];
    runs = applyRunEvent(runs, event('r1', [started('s1', 'c1')]), nameOf);
    expect(runs[0]!.rows[1]).toBe(untouched);
  });

  it('keeps what its events brought before runCommand answered, and gives it the label and names then', () => {
    let runs = applyRunEvent([], event('r1', [started('s2', 'c2'), { kind: 'notRun', serverId: 's3', message: 'Not run on db-1: deleted' }]), () => undefined);
    expect(runs[0]).toMatchObject({ label: null, startedHere: false });
    expect(rowOf(runs, 's2').serverName).toBe('s2');
    runs = registerRun(runs, info('r1', 's1', 's2'), 'uptime', false);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ label: 'uptime', startedHere: true });
    expect(retryNeedsConfirming(runs[0]!)).toBe(false);
    expect(retryNeedsConfirming(registerRun(runs, info('r1', 's1'), 'reboot', true)[0]!)).toBe(true);
    expect(runs[0]!.rows.map((row) => [row.serverName, row.phase])).toEqual([
      ['web-1', 'queued'],
      ['web-2', 'running'],
      ['s3', 'notRun'],
    ]);
    expect(rowOutcome(rowOf(runs, 's3'))).toBe('failed');
  });
});

describe('a run started in another window', () => {
  it('is shown from its events, named by the servers list and labelled by its first result', () => {
    const runs = applyRunEvent([], event('r9', [started('s1', 'c1'), { kind: 'result', serverId: 's1', result: record('c1', 's1', { named: 'restart nginx' }) }], true), nameOf);
    expect(runs[0]).toMatchObject({ runId: 'r9', label: 'restart nginx', startedHere: false, done: true });
    // Whether it was a dangerous command is not known here: a retry asks.
    expect(retryNeedsConfirming(runs[0]!)).toBe(true);
    expect(rowOf(runs, 's1', 'r9').serverName).toBe('web-1');
  });

  it('is labelled by the saved command it ran before the agent\'s name or the argv', () => {
    const result = record('c1', 's1', { savedCommand: 'Restart the app', named: 'restart', argv: ['systemctl', 'restart', 'app'] });
    const runs = applyRunEvent([], event('r8', [started('s1', 'c1'), { kind: 'result', serverId: 's1', result }], true), nameOf);
    expect(runs[0]).toMatchObject({ label: 'Restart the app' });
    expect(labelOfRecord({ savedCommand: null, named: null, argv: ['uptime'] })).toBe('uptime');
  });
});

describe('attempts', () => {
  it('records each layer tried, its failure, and the layers skipped as down, in order', () => {
    let runs = registerRun([], info('r1', 's1'), 'x', false);
    runs = applyRunEvent(
      runs,
      event('r1', [
        started('s1', 'c1'),
        attempt('s1', 'c1', 'bridge', 'skipped'),
        attempt('s1', 'c1', 'tmux', 'started'),
        attempt('s1', 'c1', 'tmux', 'failed', 'tmux: no server running'),
        attempt('s1', 'c1', 'trigger', 'started'),
        attempt('s1', 'c1', 'trigger', 'ok'),
      ]),
      nameOf,
    );
    expect(rowOf(runs, 's1').attempts.map((a) => [a.layer, a.phase, a.error])).toEqual([
      ['bridge', 'skipped', null],
      ['tmux', 'failed', 'tmux: no server running'],
      ['trigger', 'ok', null],
    ]);
    const attempts = [
      { seq: 1, layer: 'tmux' as const, startedAt: '', latencyMs: 1000, outcome: 'failed' as const, errorCode: 'TIMEOUT', error: 'tmux: timed out' },
      { seq: 2, layer: 'trigger' as const, startedAt: '', latencyMs: 20, outcome: 'ok' as const, errorCode: null, error: null },
    ];
    runs = applyRunEvent(runs, event('r1', [{ kind: 'result', serverId: 's1', result: record('c1', 's1', { layer: 'trigger', attempts }) }], true), nameOf);
    // The ledger's attempts win; the skipped layer keeps its place.
    expect(rowOf(runs, 's1').attempts.map((a) => [a.layer, a.phase, a.latencyMs, a.errorCode])).toEqual([
      ['bridge', 'skipped', null, null],
      ['tmux', 'failed', 1000, 'TIMEOUT'],
      ['trigger', 'ok', 20, null],
    ]);
  });

  it('takes the ledger\'s attempts alone when the events it saw do not match them (some were missed)', () => {
    let runs = registerRun([], info('r1', 's1'), 'x', false);
    runs = applyRunEvent(runs, event('r1', [attempt('s1', 'c1', 'bridge', 'skipped'), { kind: 'result', serverId: 's1', result: record('c1', 's1') }]), nameOf);
    expect(rowOf(runs, 's1').attempts.map((a) => [a.layer, a.phase])).toEqual([['bridge', 'ok']]);
  });

  it('ignores attempts of a command the row no longer shows', () => {
    let runs = registerRun([], info('r1', 's1'), 'x', false);
    runs = applyRunEvent(runs, event('r1', [started('s1', 'c2'), attempt('s1', 'c1', 'bridge', 'started')]), nameOf);
    expect(rowOf(runs, 's1').attempts).toEqual([]);
  });
});

describe('output', () => {
  it('keeps at most ROW_OUTPUT_CAP characters per stream and says it cut them', () => {
    let runs = registerRun([], info('r1', 's1'), 'yes', false);
    const chunk = 'y\n'.repeat(ROW_OUTPUT_CAP / 4);
    for (let i = 0; i < 5; i++) runs = applyRunEvent(runs, event('r1', [{ kind: 'output', serverId: 's1', stream: 'stdout', text: chunk }]), nameOf);
    runs = applyRunEvent(runs, event('r1', [{ kind: 'output', serverId: 's1', stream: 'stderr', text: 'warn\n' }]), nameOf);
    const row = rowOf(runs, 's1');
    expect(row.stdout).toHaveLength(ROW_OUTPUT_CAP);
    expect(row.stdout.startsWith('y\ny\n')).toBe(true);
    expect(row.stderr).toBe('warn\n');
    expect(row).toMatchObject({ cutHere: true, cutAtSource: false });
  });

  it('notes the main side\'s own cut, and replaces live output with the result\'s copy, capped the same way', () => {
    let runs = registerRun([], info('r1', 's1'), 'cat big', false);
    runs = applyRunEvent(runs, event('r1', [{ kind: 'output', serverId: 's1', stream: 'stdout', text: 'partial', cut: true }]), nameOf);
    expect(rowOf(runs, 's1')).toMatchObject({ cutAtSource: true, cutHere: false });
    const big = 'z'.repeat(ROW_OUTPUT_CAP + 10);
    runs = applyRunEvent(runs, event('r1', [{ kind: 'result', serverId: 's1', result: record('c1', 's1', { stdout: big, stderr: 'e', truncated: true }) }], true), nameOf);
    expect(rowOf(runs, 's1')).toMatchObject({ stdout: big.slice(0, ROW_OUTPUT_CAP), stderr: 'e', cutHere: true, cutAtSource: true });
  });

  it('applies a batch from fifty servers in one pass, each row with its own output', () => {
    const ids = Array.from({ length: 50 }, (_, i) => `n${i}`);
    let runs = registerRun([], { runId: 'bulk', servers: ids.map((serverId) => ({ serverId, serverName: serverId })) }, 'seq 1000', false);
    const updates: CommandRunUpdate[] = ids.flatMap((serverId) => [started(serverId, `c-${serverId}`), { kind: 'output' as const, serverId, stream: 'stdout' as const, text: `${serverId}\n` }]);
    runs = applyRunEvent(runs, event('bulk', updates), nameOf);
    expect(runs[0]!.rows.every((row) => row.phase === 'running' && row.stdout === `${row.serverId}\n`)).toBe(true);
  });
});

describe('retries', () => {
  it('offers the rows that failed in a way worth retrying, not refusals, successes or rows still running', () => {
    let runs = registerRun([], info('r1', 's1', 's2', 's3'), 'x', false);
    runs = applyRunEvent(
      runs,
      event('r1', [
        { kind: 'result', serverId: 's1', result: record('c1', 's1', { exitCode: 1 }) },
        { kind: 'result', serverId: 's2', result: record('c2', 's2', { state: 'refused', exitCode: null }) },
      ]),
      nameOf,
    );
    expect(retryableServerIds(runs[0]!)).toEqual(['s1']);
    for (const state of ['timeout', 'lost', 'undelivered'] as const) {
      const next = applyRunEvent(runs, event('r1', [{ kind: 'result', serverId: 's3', result: record('c3', 's3', { state, exitCode: null }) }]), nameOf);
      expect(retryableServerIds(next[0]!)).toEqual(['s1', 's3']);
    }
    const ok = applyRunEvent(runs, event('r1', [{ kind: 'result', serverId: 's3', result: record('c3', 's3') }]), nameOf);
    expect(retryableServerIds(ok[0]!)).toEqual(['s1']);
  });

  it('puts retried rows back to waiting, unless their new command already reported', () => {
    let runs = registerRun([], info('r1', 's1', 's2'), 'x', false);
    runs = applyRunEvent(
      runs,
      event('r1', [{ kind: 'result', serverId: 's1', result: record('c1', 's1', { exitCode: 1 }) }, { kind: 'result', serverId: 's2', result: record('c2', 's2', { exitCode: 1 }) }], true),
      nameOf,
    );
    const before = new Map([
      ['s1', 'c1'],
      ['s2', 'c2'],
    ]);
    // The retry's first events for s2 come before retryCommandRun answers.
    runs = applyRunEvent(runs, event('r1', [started('s2', 'c2b'), { kind: 'output', serverId: 's2', stream: 'stdout', text: 'again' }]), nameOf);
    expect(rowOf(runs, 's2')).toMatchObject({ commandId: 'c2b', phase: 'running', stdout: 'again', result: null });
    runs = markRetried(runs, 'r1', before);
    expect(runs[0]!.done).toBe(false);
    expect(rowOf(runs, 's1')).toMatchObject({ phase: 'queued', result: null, stdout: '' });
    expect(rowOf(runs, 's2')).toMatchObject({ commandId: 'c2b', stdout: 'again' });
    runs = applyRunEvent(runs, event('r1', [started('s1', 'c1b')]), nameOf);
    expect(rowOf(runs, 's1')).toMatchObject({ commandId: 'c1b', phase: 'running' });
  });
});

describe('settleFromLedger', () => {
  it('ends rows still running whose command the ledger has finished, and leaves the rest alone', () => {
    let runs = registerRun([], info('r1', 's1', 's2'), 'x', false);
    runs = applyRunEvent(runs, event('r1', [started('s1', 'c1'), started('s2', 'c2')]), nameOf);
    const untouched = applyRunEvent([], event('other', [started('s3', 'c3')]), nameOf);
    const all = [...runs, ...untouched];
    const settled = settleFromLedger(all, [record('c1', 's1', { exitCode: 2 }), record('c2', 's2', { state: 'running', finishedAt: null, exitCode: null })]);
    expect(rowOf(settled, 's1')).toMatchObject({ phase: 'ended', result: { exitCode: 2 } });
    expect(rowOf(settled, 's2').phase).toBe('running');
    expect(settled[0]!.done).toBe(false);
    expect(settled[1]).toBe(all[1]);
    expect(settleFromLedger(all, [])).toBe(all);
  });
});

describe('kept runs', () => {
  it('keeps every unfinished run and the newest finished ones, and dismisses one on request', () => {
    let runs: readonly RunView[] = [];
    for (let i = 0; i < KEPT_RUNS + 3; i++) {
      runs = registerRun(runs, info(`r${i}`, 's1'), `run ${i}`, false);
      if (i >= 2) runs = applyRunEvent(runs, event(`r${i}`, [{ kind: 'result', serverId: 's1', result: record(`c${i}`, 's1') }], true), nameOf);
    }
    expect(runs).toHaveLength(KEPT_RUNS);
    expect(runs[0]!.runId).toBe(`r${KEPT_RUNS + 2}`);
    expect(runs.map((run) => run.runId)).toEqual(expect.arrayContaining(['r0', 'r1']));
    expect(dismissRun(runs, 'r0').map((run) => run.runId)).not.toContain('r0');
  });
});
