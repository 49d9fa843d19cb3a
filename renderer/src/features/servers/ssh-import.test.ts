// @vitest-environment node
import { describe, expect, it } from 'vitest';
import type { SshConfigHost } from '../../../../preload/api';
import { selectionNotice, settingsText, toggleHost } from './ssh-import';

function host(name: string, jumpChain: string[] = []): SshConfigHost {
  return { name, host: `${name}.example.com`, port: 22, user: 'ops', identityFiles: [], jumpChain, settings: {} };
}

// bastion ← inner ← db, bastion ← web; "legacy" is a server Lifeline already has, so it is not in the list.
const hosts = [host('bastion'), host('inner', ['bastion']), host('web', ['bastion']), host('db', ['bastion', 'inner']), host('old', ['legacy'])];

describe('toggleHost', () => {
  it('chooses the jump servers a host goes through along with it', () => {
    const change = toggleHost(hosts, new Set(), 'db', true);
    expect([...change.selected].sort()).toEqual(['bastion', 'db', 'inner']);
    expect(change.alsoChanged).toEqual(['bastion', 'inner']);
  });

  it('leaves out the hosts that go through a jump server left out', () => {
    const all = new Set(hosts.map((h) => h.name));
    const change = toggleHost(hosts, all, 'bastion', false);
    expect([...change.selected].sort()).toEqual(['old']);
    expect(change.alsoChanged).toEqual(['inner', 'web', 'db']);
  });

  it('only reports hosts whose state really changed, and never adds a server Lifeline already has', () => {
    const change = toggleHost(hosts, new Set(['bastion']), 'web', true);
    expect([...change.selected].sort()).toEqual(['bastion', 'web']);
    expect(change.alsoChanged).toEqual([]);
    expect([...toggleHost(hosts, new Set(), 'old', true).selected]).toEqual(['old']);
    expect([...toggleHost(hosts, new Set(['bastion', 'web']), 'web', false).selected]).toEqual(['bastion']);
  });
});

describe('selectionNotice', () => {
  it('says what else changed and why, and nothing when nothing else did', () => {
    expect(selectionNotice('db', true, ['bastion', 'inner'])).toBe('Also chose bastion, inner: db connects through them.');
    expect(selectionNotice('bastion', false, ['web'])).toBe('Also left out web: it connects through bastion.');
    expect(selectionNotice('web', true, [])).toBe('');
  });
});

describe('settingsText', () => {
  it('words only the settings the config gave', () => {
    expect(settingsText({})).toBe('');
    expect(settingsText({ keepaliveInterval: 30, keepaliveCountMax: 5, strictHostKeyChecking: 'accept-new', agentForwarding: true })).toBe(
      'keepalive every 30 s · drop after 5 missed · host key checking: accept-new · agent forwarding on',
    );
    expect(settingsText({ keepaliveInterval: 0, agentForwarding: false })).toBe('keepalive off · agent forwarding off');
  });
});
