import { describe, expect, it } from 'vitest';
import { attemptText, cutNotice, formatSize, recordStateText, rowStateText } from './run-format';
import type { RowResult } from './run-reducer';

const ended = (patch: Partial<RowResult>) => ({ phase: 'ended' as const, result: { state: 'finished' as const, exitCode: 0, signal: null, layer: 'bridge' as const, durationMs: 5, message: null, ...patch } });
const ms = (value: number | null) => `${value} ms`;

describe('rowStateText', () => {
  it('says where a row stands, and how its command ended', () => {
    expect(rowStateText({ phase: 'queued', result: null })).toBe('queued');
    expect(rowStateText({ phase: 'running', result: null })).toBe('running');
    expect(rowStateText({ phase: 'notRun', result: null })).toBe('not run');
    expect(rowStateText(ended({ exitCode: 2 }))).toBe('exit 2');
    expect(rowStateText(ended({ exitCode: null, signal: 'SIGKILL' }))).toBe('killed by SIGKILL');
    expect(rowStateText(ended({ state: 'timeout', exitCode: null }))).toBe('timed out');
    expect(recordStateText({ state: 'undelivered', exitCode: null, signal: null })).toBe('undelivered');
  });
});

describe('attemptText', () => {
  it('names the layer, the outcome, the error code and the time', () => {
    const base = { layer: 'tmux' as const, latencyMs: 1000, errorCode: 'TIMEOUT', error: 'timed out' };
    expect(attemptText({ ...base, phase: 'failed' }, ms)).toBe('tmux failed (TIMEOUT) after 1000 ms');
    expect(attemptText({ ...base, phase: 'ok', errorCode: null }, ms)).toBe('tmux ok in 1000 ms');
    expect(attemptText({ ...base, phase: 'skipped' }, ms)).toBe('tmux skipped (down)');
    expect(attemptText({ ...base, phase: 'started' }, ms)).toBe('tmux trying…');
  });
});

describe('cutNotice', () => {
  it('says who cut the output and where the rest is', () => {
    expect(cutNotice({ cutHere: false, cutAtSource: false, phase: 'ended' })).toBeNull();
    expect(cutNotice({ cutHere: true, cutAtSource: false, phase: 'running' })).toMatch(/first 32 KiB.*Recent commands/);
    expect(cutNotice({ cutHere: false, cutAtSource: true, phase: 'running' })).toMatch(/result will bring/);
    expect(cutNotice({ cutHere: false, cutAtSource: true, phase: 'ended' })).toMatch(/ledger keeps only the start/);
  });
});

describe('formatSize', () => {
  it('counts small output in bytes and larger in KiB', () => {
    expect(formatSize(0)).toBe('0 B');
    expect(formatSize(1023)).toBe('1023 B');
    expect(formatSize(1024)).toBe('1 KiB');
    expect(formatSize(4300)).toBe('4.2 KiB');
  });
});
