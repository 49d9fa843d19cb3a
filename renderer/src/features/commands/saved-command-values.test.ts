import { describe, expect, it } from 'vitest';
import type { SavedCommand } from '../../../../preload/api';
import { EMPTY_SAVED_COMMAND, savedCommandErrorsOf, savedCommandValuesOf, toSavedCommandInput } from './saved-command-values';

const saved = (patch: Partial<SavedCommand>): SavedCommand => ({
  id: 'c1',
  name: 'restart web',
  argv: ['systemctl', 'restart', 'my app'],
  script: null,
  target: { groupId: 'g1', name: 'web' },
  dangerous: true,
  createdAt: '',
  updatedAt: '',
  ...patch,
});

describe('saved command form values', () => {
  it('show a saved argv as a line that saves back to the same argv', () => {
    const values = savedCommandValuesOf(saved({}));
    expect(values).toEqual({ name: 'restart web', kind: 'argv', line: `systemctl restart 'my app'`, script: '', target: 'group:g1', dangerous: true });
    expect(toSavedCommandInput(values, 'c1')).toEqual({
      ok: true,
      input: { id: 'c1', name: 'restart web', argv: ['systemctl', 'restart', 'my app'], target: { groupId: 'g1' }, dangerous: true },
    });
  });

  it('send a script as the script, and no id for a new command', () => {
    const values = { ...EMPTY_SAVED_COMMAND, name: 'disk', kind: 'script' as const, script: 'df -h | sort', target: 'server:s1' };
    expect(toSavedCommandInput(values, null)).toEqual({ ok: true, input: { name: 'disk', script: 'df -h | sort', target: { serverId: 's1' }, dangerous: false } });
  });

  it('leave the target empty when the saved one was deleted, and ask for one', () => {
    const values = savedCommandValuesOf(saved({ target: null, argv: null, script: 'reboot' }));
    expect(values).toMatchObject({ kind: 'script', target: '' });
    expect(toSavedCommandInput(values, 'c1')).toMatchObject({ ok: false, errors: { target: expect.stringMatching(/Choose the server or group/) } });
  });

  it('refuse a line only a shell could run, pointing at scripts', () => {
    const result = toSavedCommandInput({ ...EMPTY_SAVED_COMMAND, line: 'df -h | sort', target: 'server:s1' }, null);
    expect(result).toMatchObject({ ok: false, errors: { line: expect.stringMatching(/script/) } });
  });

  it('put the main side\'s either-or message on the box that is shown', () => {
    const error = { ok: false as const, code: 'VALIDATION' as const, message: 'x', fields: { name: 'Taken', argv: 'Give either…' } };
    expect(savedCommandErrorsOf(error, 'argv')).toEqual({ name: 'Taken', line: 'Give either…' });
    expect(savedCommandErrorsOf(error, 'script')).toEqual({ name: 'Taken', script: 'Give either…' });
  });
});
