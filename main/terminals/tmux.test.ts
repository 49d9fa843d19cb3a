import { describe, expect, it } from 'vitest';
import { attachOrCreateArgv, parseTmuxSessions, tmuxArgv } from './tmux';

describe('tmux argv and listing', () => {
  it('selects a private server only when a socket name is given', () => {
    expect(tmuxArgv(undefined, ['list-sessions'])).toEqual(['tmux', 'list-sessions']);
    expect(attachOrCreateArgv('private', 'work')).toEqual(['tmux', '-L', 'private', 'new-session', '-A', '-s', 'work']);
  });

  it('parses name, window count and whether a client is attached', () => {
    expect(parseTmuxSessions('work:3:1\nbuild-2:1:0\n')).toEqual([
      { name: 'work', windows: 3, attached: true },
      { name: 'build-2', windows: 1, attached: false },
    ]);
    expect(parseTmuxSessions('')).toEqual([]);
  });
});
