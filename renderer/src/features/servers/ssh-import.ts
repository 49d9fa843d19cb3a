import type { SshConfigHost } from '../../../../preload/api';

// The import screen's rules, kept out of React so they can be tested: a host is only importable together
// with the jump servers it goes through, so the selection keeps every chosen host's chain chosen too.

/** The path the field starts with: ssh's own default, read on the machine that runs Lifeline. */
export const DEFAULT_SSH_CONFIG = '~/.ssh/config';

export interface SelectionChange {
  selected: ReadonlySet<string>;
  /** Hosts chosen or left out along with the one the user changed, to say so. */
  alsoChanged: string[];
}

/**
 * Chooses `name` with the jump servers it goes through, or leaves it out with the hosts that go through
 * it. Hosts outside `hosts` (servers Lifeline already has) are never part of the selection.
 */
export function toggleHost(hosts: readonly SshConfigHost[], selected: ReadonlySet<string>, name: string, checked: boolean): SelectionChange {
  const importable = new Set(hosts.map((host) => host.name));
  const affected = checked
    ? (hosts.find((host) => host.name === name)?.jumpChain ?? []).filter((hop) => importable.has(hop))
    : hosts.filter((host) => host.jumpChain.includes(name)).map((host) => host.name);
  const next = new Set(selected);
  const alsoChanged: string[] = [];
  for (const other of [name, ...affected]) {
    if (next.has(other) === checked) continue;
    if (checked) next.add(other);
    else next.delete(other);
    if (other !== name) alsoChanged.push(other);
  }
  return { selected: next, alsoChanged };
}

/** What a change to the selection did beyond the host the user changed, for a screen reader and the eye. */
export function selectionNotice(name: string, checked: boolean, alsoChanged: readonly string[]): string {
  if (alsoChanged.length === 0) return '';
  const list = alsoChanged.join(', ');
  return checked
    ? `Also chose ${list}: ${name} connects through ${alsoChanged.length === 1 ? 'it' : 'them'}.`
    : `Also left out ${list}: ${alsoChanged.length === 1 ? 'it connects' : 'they connect'} through ${name}.`;
}

/** The settings a host brings from the config besides its address, in words; empty when it brings none. */
export function settingsText(settings: SshConfigHost['settings']): string {
  const parts: string[] = [];
  if (settings.keepaliveInterval !== undefined) {
    parts.push(settings.keepaliveInterval === 0 ? 'keepalive off' : `keepalive every ${settings.keepaliveInterval} s`);
  }
  if (settings.keepaliveCountMax !== undefined) parts.push(`drop after ${settings.keepaliveCountMax} missed`);
  if (settings.strictHostKeyChecking !== undefined) parts.push(`host key checking: ${settings.strictHostKeyChecking}`);
  if (settings.agentForwarding !== undefined) parts.push(`agent forwarding ${settings.agentForwarding ? 'on' : 'off'}`);
  return parts.join(' · ');
}
