// @vitest-environment node
import { describe, expect, it } from 'vitest';
import type { Server } from '../../../../preload/api';
import { EMPTY_FORM, firstInvalidField, formMessage, formValuesOf, jumpServerChoices, toServerInput } from './form-values';

function server(id: string, more: Partial<Server> = {}): Server {
  return {
    id,
    name: id,
    host: `${id}.example.com`,
    port: 22,
    user: 'ops',
    tags: [],
    group: null,
    groupId: null,
    auth: 'agent',
    keyId: null,
    jumpServerId: null,
    agentForwarding: false,
    strictHostKeyChecking: 'ask',
    keepaliveInterval: 10,
    keepaliveCountMax: 3,
    tmuxSession: null,
    sessionLog: false,
    link: { agent: null, agentTokenSaved: false, agentCommand: null, triggerDir: null, tmuxSocket: null, layers: ['bridge', 'tmux', 'trigger', 'exec'] },
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:00.000Z',
    ...more,
  };
}

describe('toServerInput', () => {
  it('splits comma-separated tags, dropping blanks, and reads the port as a number', () => {
    const input = toServerInput({ ...EMPTY_FORM, name: ' web-1 ', host: 'h', port: ' 2222 ', user: 'u', group: 'prod', tags: 'web, , db ,web,' });
    expect(input).toMatchObject({ name: ' web-1 ', host: 'h', port: 2222, user: 'u', group: 'prod', tags: ['web', 'db', 'web'] });
  });

  it('leaves an empty port out so the default (22) applies, and sends other text for the main side to judge', () => {
    expect(toServerInput({ ...EMPTY_FORM, port: '' }).port).toBeUndefined();
    expect(toServerInput({ ...EMPTY_FORM, port: '70000' }).port).toBe(70000);
    expect(toServerInput({ ...EMPTY_FORM, port: '22.5' }).port).toBe(22.5);
    for (const text of ['ssh', '0x16', '1e3', '22 23']) expect(toServerInput({ ...EMPTY_FORM, port: text }).port).toBeNaN();
  });

  it('sends a new server\'s SSH choices and leaves what the form does not show to the main side\'s defaults', () => {
    expect(toServerInput(EMPTY_FORM)).toEqual({
      name: '',
      host: '',
      port: 22,
      user: '',
      group: '',
      tags: [],
      auth: 'agent',
      jumpServerId: null,
      strictHostKeyChecking: 'ask',
      tmuxSession: '',
      agentForwarding: false,
      sessionLog: false,
    });
    const chosen = toServerInput({
      ...EMPTY_FORM,
      auth: 'password',
      jumpServerId: 'bastion-id',
      strictHostKeyChecking: 'yes',
      tmuxSession: 'main',
      agentForwarding: true,
      sessionLog: true,
    });
    expect(chosen).toMatchObject({ auth: 'password', jumpServerId: 'bastion-id', strictHostKeyChecking: 'yes', tmuxSession: 'main', agentForwarding: true, sessionLog: true });
  });
});

describe('formValuesOf', () => {
  it('round-trips a stored server through the form', () => {
    const values = formValuesOf(server('db-1', { host: '::1', port: 2200, user: 'root', tags: ['db', 'eu'] }));
    expect(values).toMatchObject({ name: 'db-1', host: '::1', port: '2200', user: 'root', group: '', tags: 'db, eu', jumpServerId: '', tmuxSession: '' });
    expect(toServerInput(values)).toMatchObject({ name: 'db-1', host: '::1', port: 2200, user: 'root', group: '', tags: ['db', 'eu'] });
  });

  it('carries every setting of the edited server, shown or not, so saving changes only what was edited', () => {
    const stored = server('web-1', {
      port: 2222,
      tags: ['web'],
      group: 'prod',
      auth: 'key',
      keyId: 'key-7',
      jumpServerId: 'bastion-id',
      agentForwarding: true,
      strictHostKeyChecking: 'accept-new',
      keepaliveInterval: 45,
      keepaliveCountMax: 9,
      tmuxSession: 'ops',
      sessionLog: true,
    });
    // groupId follows group; the link is kept by the main side when an update omits it.
    const { id, createdAt, updatedAt, groupId, link, ...everyField } = stored;
    expect(toServerInput(formValuesOf(stored))).toEqual(everyField);

    // Editing one field leaves the others, the hidden ones included, as they were.
    const edited = toServerInput({ ...formValuesOf(stored), host: 'web-1.internal' });
    expect(edited).toEqual({ ...everyField, host: 'web-1.internal' });
  });
});

describe('jumpServerChoices', () => {
  const bastion = server('bastion');
  const inner = server('inner', { jumpServerId: 'bastion' });
  const deep = server('deep', { jumpServerId: 'inner' });
  const lone = server('lone');

  it('offers every server to a new one', () => {
    expect(jumpServerChoices([bastion, deep, inner, lone], null)).toEqual([
      { id: 'bastion', label: 'bastion (ops@bastion.example.com)' },
      { id: 'deep', label: 'deep (ops@deep.example.com)' },
      { id: 'inner', label: 'inner (ops@inner.example.com)' },
      { id: 'lone', label: 'lone (ops@lone.example.com)' },
    ]);
  });

  it('leaves out the server itself and those that already go through it', () => {
    expect(jumpServerChoices([bastion, deep, inner, lone], bastion).map((choice) => choice.id)).toEqual(['lone']);
    expect(jumpServerChoices([bastion, deep, inner, lone], inner).map((choice) => choice.id)).toEqual(['bastion', 'lone']);
    expect(jumpServerChoices([bastion, deep, inner, lone], deep).map((choice) => choice.id)).toEqual(['bastion', 'inner', 'lone']);
  });

  it('keeps a jump server that is gone as a choice, so the select shows what is stored', () => {
    const orphan = server('orphan', { jumpServerId: 'deleted-id' });
    expect(jumpServerChoices([orphan, lone], orphan)).toEqual([
      { id: 'lone', label: 'lone (ops@lone.example.com)' },
      { id: 'deleted-id', label: 'A server that no longer exists' },
    ]);
  });
});

describe('firstInvalidField', () => {
  it('picks the first wrong field in screen order, whatever order the errors came in', () => {
    expect(firstInvalidField({ tags: 'x', port: 'y', user: 'z' })).toBe('port');
    expect(firstInvalidField({ tmuxSession: 'x', keyId: 'y' })).toBe('keyId');
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
    expect(formMessage({ ok: false, code: 'VALIDATION', message: 'long', fields: { jumpServerId: 'x', keyId: 'y' } })).toBe(
      'Please correct the 2 highlighted fields.',
    );
  });

  it('keeps the main side\'s message when it says more than the fields do', () => {
    const duplicate = { ok: false, code: 'DUPLICATE_NAME', message: 'A server named "a" already exists.', fields: { name: 'Used' } } as const;
    expect(formMessage(duplicate)).toBe(duplicate.message);
    expect(formMessage({ ok: false, code: 'VALIDATION', message: 'Unknown field "colour".', fields: { colour: 'x' } })).toBe('Unknown field "colour".');
    // Settings the form does not show cannot be highlighted, so the full message stays.
    expect(formMessage({ ok: false, code: 'VALIDATION', message: 'Keepalive count must be…', fields: { keepaliveCountMax: 'x' } })).toBe('Keepalive count must be…');
    expect(formMessage({ ok: false, code: 'DISCONNECTED', message: 'Not connected.' })).toBe('Not connected.');
  });
});
