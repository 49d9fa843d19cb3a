import type { SavedCommandTarget, Server } from '../../../../preload/api';
import type { SelectOption } from '../../components/SelectField';

// A target as the value of a <select>: "server:<id>" or "group:<id>". Ids never contain ":" at the
// front, and the prefix keeps a server and a group with the same id apart.

export type TargetValue = `server:${string}` | `group:${string}`;

export interface GroupChoice {
  groupId: string;
  name: string;
  /** The servers in it, by name. */
  members: string[];
}

/** The groups the servers are in, by name; a group exists only through its servers. */
export function groupsOf(servers: readonly Server[]): GroupChoice[] {
  const groups = new Map<string, GroupChoice>();
  for (const server of servers) {
    if (server.groupId === null) continue;
    const group = groups.get(server.groupId) ?? { groupId: server.groupId, name: server.group ?? server.groupId, members: [] };
    group.members.push(server.name);
    groups.set(server.groupId, group);
  }
  return [...groups.values()].sort((a, b) => a.name.localeCompare(b.name));
}

export function targetValue(target: SavedCommandTarget): TargetValue {
  return 'serverId' in target ? `server:${target.serverId}` : `group:${target.groupId}`;
}

/** The target a select value names, or null for anything else (nothing chosen yet). */
export function targetOf(value: string): SavedCommandTarget | null {
  if (value.startsWith('server:') && value.length > 'server:'.length) return { serverId: value.slice('server:'.length) };
  if (value.startsWith('group:') && value.length > 'group:'.length) return { groupId: value.slice('group:'.length) };
  return null;
}

/** The groups and servers as select options, groups first (the usual target of a bulk command). */
export function targetOptions(servers: readonly Server[], placeholder: string): SelectOption<string>[] {
  return [
    { value: '', label: placeholder },
    ...groupsOf(servers).map((group) => ({
      value: targetValue({ groupId: group.groupId }),
      label: `Group ${group.name} (${group.members.length} server${group.members.length === 1 ? '' : 's'})`,
    })),
    ...servers.map((server) => ({ value: targetValue({ serverId: server.id }), label: `Server ${server.name}` })),
  ];
}
