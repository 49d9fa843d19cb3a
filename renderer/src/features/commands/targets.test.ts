import { describe, expect, it } from 'vitest';
import type { Server } from '../../../../preload/api';
import { groupsOf, targetOf, targetOptions, targetValue } from './targets';

const server = (name: string, groupId: string | null, group: string | null = groupId) => ({ id: `id-${name}`, name, groupId, group }) as Server;

describe('groupsOf', () => {
  it('lists each group once, by name, with its servers', () => {
    expect(groupsOf([server('web-1', 'g2', 'web'), server('db-1', 'g1', 'db'), server('web-2', 'g2', 'web'), server('lone', null)])).toEqual([
      { groupId: 'g1', name: 'db', members: ['db-1'] },
      { groupId: 'g2', name: 'web', members: ['web-1', 'web-2'] },
    ]);
  });
});

describe('target values', () => {
  it('turn a saved target into a select value and back', () => {
    expect(targetOf(targetValue({ serverId: 'abc' }))).toEqual({ serverId: 'abc' });
    expect(targetOf(targetValue({ groupId: 'g:1' }))).toEqual({ groupId: 'g:1' });
  });

  it('name nothing for an empty or unknown value', () => {
    for (const value of ['', 'server:', 'group:', 'chosen', 'host:x']) expect(targetOf(value)).toBeNull();
  });
});

describe('targetOptions', () => {
  it('offers the groups with their sizes, then each server, after a placeholder that names nothing', () => {
    const options = targetOptions([server('web-1', 'g2', 'web'), server('web-2', 'g2', 'web'), server('lone', null)], 'Choose…');
    expect(options).toEqual([
      { value: '', label: 'Choose…' },
      { value: 'group:g2', label: 'Group web (2 servers)' },
      { value: 'server:id-web-1', label: 'Server web-1' },
      { value: 'server:id-web-2', label: 'Server web-2' },
      { value: 'server:id-lone', label: 'Server lone' },
    ]);
    expect(targetOf(options[0]!.value)).toBeNull();
  });
});
