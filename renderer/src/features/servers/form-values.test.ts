// @vitest-environment node
import { describe, expect, it } from 'vitest';
import type { Server } from '../../../../preload/api';
import { EMPTY_FORM, firstInvalidField, formMessage, formValuesOf, toServerInput } from './form-values';

describe('toServerInput', () => {
  it('splits comma-separated tags, dropping blanks, and reads the port as a number', () => {
    const input = toServerInput({ name: ' web-1 ', host: 'h', port: ' 2222 ', user: 'u', group: 'prod', tags: 'web, , db ,web,' });
    expect(input).toEqual({ name: ' web-1 ', host: 'h', port: 2222, user: 'u', group: 'prod', tags: ['web', 'db', 'web'] });
  });

  it('leaves an empty port out so the default (22) applies, and sends other text for the main side to judge', () => {
    expect(toServerInput({ ...EMPTY_FORM, port: '' }).port).toBeUndefined();
    expect(toServerInput({ ...EMPTY_FORM, port: '70000' }).port).toBe(70000);
    expect(toServerInput({ ...EMPTY_FORM, port: '22.5' }).port).toBe(22.5);
    for (const text of ['ssh', '0x16', '1e3', '22 23']) expect(toServerInput({ ...EMPTY_FORM, port: text }).port).toBeNaN();
    expect(toServerInput(EMPTY_FORM)).toEqual({ name: '', host: '', port: 22, user: '', group: '', tags: [] });
  });
});

describe('formValuesOf', () => {
  it('round-trips a stored server through the form', () => {
    const server: Server = {
      id: 's1',
      name: 'db-1',
      host: '::1',
      port: 2200,
      user: 'root',
      tags: ['db', 'eu'],
      group: null,
      createdAt: '',
      updatedAt: '',
    };
    const values = formValuesOf(server);
    expect(values).toEqual({ name: 'db-1', host: '::1', port: '2200', user: 'root', group: '', tags: 'db, eu' });
    expect(toServerInput(values)).toEqual({ name: 'db-1', host: '::1', port: 2200, user: 'root', group: '', tags: ['db', 'eu'] });
  });
});

describe('firstInvalidField', () => {
  it('picks the first wrong field in screen order, whatever order the errors came in', () => {
    expect(firstInvalidField({ tags: 'x', port: 'y', user: 'z' })).toBe('port');
    expect(firstInvalidField({ unknown: 'x' })).toBeUndefined();
    expect(firstInvalidField(undefined)).toBeUndefined();
  });
});

describe('formMessage', () => {
  it('shortens a validation message whose every problem is shown under its field', () => {
    const fields = { port: 'Port must be a number', tags: 'At most 20 tags' };
    expect(formMessage({ ok: false, code: 'VALIDATION', message: 'Please correct the highlighted fields: Port must be a number; At most 20 tags.', fields })).toBe(
      'Please correct the 2 highlighted fields.',
    );
    expect(formMessage({ ok: false, code: 'VALIDATION', message: 'long', fields: { port: 'x' } })).toBe('Please correct the highlighted field.');
  });

  it('keeps the main side\'s message when it says more than the fields do', () => {
    const duplicate = { ok: false, code: 'DUPLICATE_NAME', message: 'A server named "a" already exists.', fields: { name: 'Used' } } as const;
    expect(formMessage(duplicate)).toBe(duplicate.message);
    expect(formMessage({ ok: false, code: 'VALIDATION', message: 'Unknown field "colour".', fields: { colour: 'x' } })).toBe('Unknown field "colour".');
    expect(formMessage({ ok: false, code: 'DISCONNECTED', message: 'Not connected.' })).toBe('Not connected.');
  });
});
