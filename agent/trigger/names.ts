// The trigger folder's file names: the one place both sides (this watcher and the desktop's SFTP
// client) take them from. A client writes <id>.json.tmp, then renames it to <id>.json; the agent answers
// in <id>.result.json. Anything else dropped in the folder is answered in <name>.refused.json.

/**
 * A request's id: a command id without dots. Dots would make names ambiguous (is "x.result.json" a result
 * or the request of id "x.result"?), so a command that may travel by trigger file gets an id without them.
 */
export const TRIGGER_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{7,127}$/;

export const requestTempName = (id: string) => `${id}.json.tmp`;
export const requestName = (id: string) => `${id}.json`;
export const resultName = (id: string) => `${id}.result.json`;
/** Where a file that is not a request is answered; never a valid result name, so it cannot hide one. */
export const refusalName = (name: string) => `${name}.refused.json`;

export type TriggerEntry =
  /** `<id>.json` with a plain id: run it. */
  | { kind: 'request'; id: string }
  /** The agent's answers: kept for the retention period. */
  | { kind: 'answer' }
  /** Being written (a client's request or the agent's answer): left alone, deleted once abandoned. */
  | { kind: 'partial' }
  /** Anything else: refused with a `.refused.json` answer saying why. */
  | { kind: 'stranger' };

export function classifyEntry(name: string): TriggerEntry {
  if (name.endsWith('.tmp')) return { kind: 'partial' };
  if (name.endsWith('.result.json') || name.endsWith('.refused.json')) return { kind: 'answer' };
  const id = name.endsWith('.json') ? name.slice(0, -'.json'.length) : null;
  if (id !== null && TRIGGER_ID.test(id)) return { kind: 'request', id };
  return { kind: 'stranger' };
}
