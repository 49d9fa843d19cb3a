import { useState, type FormEvent } from 'react';
import type { TmuxSessionInfo } from '../../../../preload/api';
import { useAppStore } from '../../store/store-context';

// The tmux choice as a select value: the server's own setting, a plain shell, or a named session.
const SERVER_SETTING = 'server-setting';
const PLAIN_SHELL = 'plain-shell';
const NEW_SESSION = 'new-session';
const SESSION_PREFIX = 'session:';
const TMUX_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** The size a terminal starts with; the tab fits it to its real size as soon as it is shown. */
export const INITIAL_SIZE = { cols: 80, rows: 24 };

/** Picks a server (and optionally a tmux session) and opens a terminal tab on it. */
export function OpenTerminalForm() {
  const servers = useAppStore((state) => state.servers);
  const openTerminal = useAppStore((state) => state.openTerminal);
  const listTmuxSessions = useAppStore((state) => state.listTmuxSessions);
  const onError = useAppStore((state) => state.setTerminalsNotice);
  const [serverId, setServerId] = useState('');
  const [tmux, setTmux] = useState(SERVER_SETTING);
  const [newName, setNewName] = useState('');
  const [sessions, setSessions] = useState<TmuxSessionInfo[] | null>(null);
  const [busy, setBusy] = useState(false);
  const chosen = servers.find((server) => server.id === serverId) ?? servers[0];

  const chooseServer = (id: string) => {
    setServerId(id);
    setSessions(null);
    setTmux(SERVER_SETTING);
  };

  const loadSessions = async () => {
    if (!chosen) return;
    setBusy(true);
    const result = await listTmuxSessions(chosen.id);
    setBusy(false);
    if (!result.ok) return onError(`Could not list the tmux sessions of ${chosen.name}: ${result.message}`);
    onError(null);
    setSessions(result.value);
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!chosen) return;
    let tmuxSession: string | null | undefined;
    if (tmux === PLAIN_SHELL) tmuxSession = null;
    else if (tmux === NEW_SESSION) {
      if (!TMUX_NAME.test(newName)) return onError('A tmux session name has 1 to 64 letters, digits, "_" or "-". Change the name and try again.');
      tmuxSession = newName;
    } else if (tmux.startsWith(SESSION_PREFIX)) tmuxSession = tmux.slice(SESSION_PREFIX.length);
    setBusy(true);
    await openTerminal({ serverId: chosen.id, ...INITIAL_SIZE, ...(tmuxSession === undefined ? {} : { tmuxSession }) });
    setBusy(false);
  };

  if (servers.length === 0) {
    return (
      <p className="panel muted terminal-open-form" data-testid="terminals-no-servers">
        Add a server on the Servers page first; terminals open on your servers.
      </p>
    );
  }
  return (
    <form className="panel terminal-open-form" onSubmit={(event) => void submit(event)} data-testid="open-terminal-form">
      <label>
        Server
        <select value={chosen?.id ?? ''} onChange={(event) => chooseServer(event.target.value)}>
          {servers.map((server) => (
            <option key={server.id} value={server.id}>
              {server.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        tmux
        <select value={tmux} onChange={(event) => setTmux(event.target.value)}>
          <option value={SERVER_SETTING}>{chosen?.tmuxSession ? `Server setting (${chosen.tmuxSession})` : 'Server setting (plain shell)'}</option>
          <option value={PLAIN_SHELL}>Plain shell</option>
          {sessions?.map((session) => (
            <option key={session.name} value={`${SESSION_PREFIX}${session.name}`}>
              {`${session.name} (${session.windows} window${session.windows === 1 ? '' : 's'}${session.attached ? ', attached' : ''})`}
            </option>
          ))}
          <option value={NEW_SESSION}>New session…</option>
        </select>
      </label>
      {tmux === NEW_SESSION && (
        <label>
          Session name
          <input value={newName} onChange={(event) => setNewName(event.target.value)} maxLength={64} autoComplete="off" spellCheck={false} />
        </label>
      )}
      <button type="button" className="button" disabled={busy} onClick={() => void loadSessions()}>
        {sessions === null ? 'List tmux sessions' : `Refresh tmux sessions (${sessions.length})`}
      </button>
      <button type="submit" className="button primary" disabled={busy}>
        Open terminal
      </button>
    </form>
  );
}
