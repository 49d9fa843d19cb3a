import { useCallback, useEffect, useRef, useState } from 'react';
import type { SavedCommand } from '../../../../preload/api';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { useAppStore } from '../../store/store-context';
import { joinCommandLine } from './command-line';
import { RecentCommands } from './RecentCommands';
import { RunForm } from './RunForm';
import { RunResults } from './RunResults';
import { SavedCommandForm } from './SavedCommandForm';
import { SavedCommands } from './SavedCommands';
import './commands.css';

interface Notice {
  text: string;
  problem: boolean;
}

/** A dangerous saved command waiting for the person's yes; `why` is the main side's word when it asked. */
interface Confirming {
  command: SavedCommand;
  why: string | null;
}

export function CommandsPage() {
  const runs = useAppStore((state) => state.commandRuns);
  const connection = useAppStore((state) => state.connection);
  const loadRecent = useAppStore((state) => state.loadRecentCommands);
  const runCommand = useAppStore((state) => state.runCommand);
  const deleteSavedCommand = useAppStore((state) => state.deleteSavedCommand);
  const [notice, setNotice] = useState<Notice>({ text: '', problem: false });
  const [editing, setEditing] = useState<{ command: SavedCommand | null } | null>(null);
  const [deleting, setDeleting] = useState<SavedCommand | null>(null);
  const [confirming, setConfirming] = useState<Confirming | null>(null);
  const [starting, setStarting] = useState<ReadonlySet<string>>(new Set());
  // Where focus goes back to when a form or dialog closes.
  const opener = useRef<HTMLElement | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);

  // The ledger on arrival, and again after a reconnect: events sent while the line was down are lost.
  useEffect(() => {
    if (connection === 'open') void loadRecent();
  }, [connection, loadRecent]);

  const say = useCallback((text: string, problem: boolean) => setNotice({ text, problem }), []);

  const returnFocus = () => {
    const target = opener.current?.isConnected ? opener.current : heading.current;
    opener.current = null;
    target?.focus();
  };

  /** Starts a saved command on its target; resolves to why it did not start, or null. */
  const startSaved = async (command: SavedCommand, confirmed: boolean): Promise<string | null> => {
    if (!command.target) return `"${command.name}" has no target any more (its server or group was deleted). Edit it and choose where it runs.`;
    const target = 'serverId' in command.target ? { serverId: command.target.serverId } : { groupId: command.target.groupId };
    setStarting((current) => new Set(current).add(command.id));
    const result = await runCommand({ savedCommandId: command.id, target, ...(confirmed ? { confirmDangerous: true } : {}) }, command.name);
    setStarting((current) => {
      const next = new Set(current);
      next.delete(command.id);
      return next;
    });
    if (result.ok) {
      const count = result.value.servers.length;
      say(`Started ${command.name} on ${count} server${count === 1 ? '' : 's'}.`, false);
      return null;
    }
    // Marked dangerous since this window last heard of it: ask, as for any dangerous command.
    if (result.code === 'CONFIRMATION_REQUIRED' && !confirmed) {
      setConfirming({ command, why: result.message });
      return null;
    }
    return `Did not run ${command.name}: ${result.message}`;
  };

  const run = (command: SavedCommand, element: HTMLElement) => {
    if (starting.has(command.id)) return;
    opener.current = element;
    if (command.dangerous) {
      setConfirming({ command, why: null });
      return;
    }
    void startSaved(command, false).then((problem) => problem && say(problem, true));
  };

  const edit = (command: SavedCommand | null, element: HTMLElement) => {
    opener.current = element;
    setEditing({ command });
  };

  const formDone = (saved: SavedCommand | null) => {
    if (saved) say(editing?.command ? `Saved ${saved.name}.` : `Saved ${saved.name}; its button is above.`, false);
    setEditing(null);
    returnFocus();
  };

  const confirmDelete = async (command: SavedCommand): Promise<string | null> => {
    const result = await deleteSavedCommand(command.id);
    return result.ok || result.code === 'NOT_FOUND' ? null : `Could not delete ${command.name}: ${result.message}`;
  };

  const deleteDone = (command: SavedCommand, deleted: boolean) => {
    setDeleting(null);
    if (deleted) {
      say(`Deleted ${command.name}.`, false);
      opener.current = null;
      if (editing?.command?.id === command.id) setEditing(null);
    }
    returnFocus();
  };

  return (
    <section className="page commands-page" aria-labelledby="page-heading">
      <header className="page-header">
        <h1 id="page-heading" ref={heading} tabIndex={-1}>
          Commands
        </h1>
        <p className={`page-notice${notice.problem ? ' problem' : ''}`} role={notice.problem ? 'alert' : 'status'} data-testid="notice">
          {notice.text}
        </p>
        <button type="button" className="button primary" onClick={(event) => edit(null, event.currentTarget)}>
          Save a command
        </button>
      </header>
      {editing && <SavedCommandForm key={editing.command?.id ?? 'new'} command={editing.command} onDone={formDone} />}
      <SavedCommands
        starting={starting}
        onRun={run}
        onAdd={(element) => edit(null, element)}
        onEdit={edit}
        onDelete={(command, element) => {
          opener.current = element;
          setDeleting(command);
        }}
      />
      <RunForm onNotice={say} />
      {runs.map((runView) => (
        <RunResults key={runView.runId} run={runView} onNotice={say} />
      ))}
      <RecentCommands />
      {confirming && (
        <ConfirmDialog
          title={`Run ${confirming.command.name}?`}
          confirmLabel={`Run ${confirming.command.name}`}
          onConfirm={() => startSaved(confirming.command, true)}
          onClose={() => {
            setConfirming(null);
            returnFocus();
          }}
        >
          <p>
            <strong>{confirming.command.name}</strong> is marked dangerous. It runs{' '}
            <code>{confirming.command.script !== null ? `/bin/sh -c ${joinCommandLine([confirming.command.script])}` : joinCommandLine(confirming.command.argv ?? [])}</code> on{' '}
            <strong>{confirming.command.target?.name ?? 'its target'}</strong>.
          </p>
          {confirming.why && <p>{confirming.why}</p>}
        </ConfirmDialog>
      )}
      {deleting && (
        <ConfirmDialog title={`Delete ${deleting.name}?`} confirmLabel="Delete command" onConfirm={() => confirmDelete(deleting)} onClose={(deleted) => deleteDone(deleting, deleted)}>
          <p>Its button goes away. Its past runs stay in the ledger.</p>
        </ConfirmDialog>
      )}
    </section>
  );
}
