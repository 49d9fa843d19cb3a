import { describe, expect, it } from 'vitest';
import { CHOSEN_SERVERS, EMPTY_RUN_FORM, runFormErrorsOf, toRunInput, type RunFormValues } from './run-form-values';

const form = (patch: Partial<RunFormValues>): RunFormValues => ({ ...EMPTY_RUN_FORM, line: 'uptime', target: 'server:s1', ...patch });

describe('toRunInput', () => {
  it('sends argv, the target and the default concurrency, and leaves the layer and time limit out when not set', () => {
    expect(toRunInput(form({ line: `systemctl status 'nginx.service'` }))).toEqual({
      ok: true,
      input: { argv: ['systemctl', 'status', 'nginx.service'], target: { serverId: 's1' }, concurrency: 10 },
      label: `systemctl status 'nginx.service'`,
    });
  });

  it('sends a group, chosen servers, a fixed layer and a time limit', () => {
    expect(toRunInput(form({ target: 'group:g1', layer: 'trigger', timeout: ' 30 ', concurrency: '3' }))).toMatchObject({
      ok: true,
      input: { target: { groupId: 'g1' }, layer: 'trigger', timeoutSeconds: 30, concurrency: 3 },
    });
    expect(toRunInput(form({ target: CHOSEN_SERVERS, chosen: ['s1', 's2'] }))).toMatchObject({ ok: true, input: { target: { serverIds: ['s1', 's2'] } } });
  });

  it('names every field to fix at once, and sends nothing', () => {
    const result = toRunInput({ ...EMPTY_RUN_FORM, line: 'ls | wc', target: '', concurrency: '0', timeout: '1.5' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(Object.keys(result.errors).sort()).toEqual(['concurrency', 'line', 'target', 'timeout']);
    expect(result.errors.line).toMatch(/Quote it/);
    expect(result.errors.concurrency).toMatch(/1 to 100/);
  });

  it('asks for ticked servers when "chosen servers" has none, and refuses a concurrency above 100', () => {
    const result = toRunInput(form({ target: CHOSEN_SERVERS, chosen: [], concurrency: '101' }));
    expect(result).toMatchObject({ ok: false, errors: { target: expect.stringMatching(/Tick at least one/), concurrency: expect.any(String) } });
  });
});

describe('runFormErrorsOf', () => {
  it('puts the main side\'s messages on this form\'s fields', () => {
    expect(
      runFormErrorsOf({ ok: false, code: 'VALIDATION', message: 'x', fields: { argv: 'Give the program', serverIds: 'Choose at least one server', timeoutSeconds: 'Too long' } }),
    ).toEqual({ line: 'Give the program', target: 'Choose at least one server', timeout: 'Too long' });
    expect(runFormErrorsOf({ ok: false, code: 'NOT_FOUND', message: 'gone' })).toEqual({});
  });
});
