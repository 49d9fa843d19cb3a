import type { SavedCommand } from '../../../../preload/api';
import { useAppStore } from '../../store/store-context';
import { joinCommandLine } from './command-line';

export type SavedCommandAction = (command: SavedCommand, opener: HTMLElement) => void;

interface SavedCommandsProps {
  onRun: SavedCommandAction;
  onEdit: SavedCommandAction;
  onDelete: SavedCommandAction;
  onAdd(opener: HTMLElement): void;
  /** Ids of the saved commands whose run is being started. */
  starting: ReadonlySet<string>;
}

/** Saved commands as buttons: one click runs it on its target (a dangerous one asks first). */
export function SavedCommands({ onRun, onEdit, onDelete, onAdd, starting }: SavedCommandsProps) {
  const commands = useAppStore((state) => state.savedCommands);
  const status = useAppStore((state) => state.savedCommandsStatus);
  const error = useAppStore((state) => state.savedCommandsError);
  const reload = useAppStore((state) => state.loadSavedCommands);

  return (
    <section className="panel saved-commands" aria-labelledby="saved-commands-heading">
      <h2 id="saved-commands-heading">Saved commands</h2>
      {status === 'loading' && (
        <p className="muted" aria-busy="true">
          <span className="spinner" aria-hidden="true" /> Loading saved commands…
        </p>
      )}
      {status === 'error' && (
        <div className="error-panel panel" role="alert">
          <p>
            <strong>Could not load the saved commands.</strong> {error}
          </p>
          <button type="button" className="button" onClick={() => void reload()}>
            Retry
          </button>
        </div>
      )}
      {status === 'ready' && commands.length === 0 && (
        <p className="muted">
          None yet. Save the commands you run often (restart a service, check the disk) and run them on a server or a whole group with one click.{' '}
          <button type="button" className="button small" onClick={(event) => onAdd(event.currentTarget)}>
            Save a command
          </button>
        </p>
      )}
      {commands.length > 0 && (
        <ul className="saved-command-list">
          {commands.map((command) => (
            <li key={command.id} className={`saved-command${command.dangerous ? ' dangerous' : ''}`}>
              <button
                type="button"
                className={`button saved-command-run${command.dangerous ? ' danger-outline' : ''}`}
                data-testid={`saved-command-${command.name}`}
                aria-describedby={`saved-command-${command.id}-what`}
                aria-disabled={starting.has(command.id) || undefined}
                onClick={(event) => onRun(command, event.currentTarget)}
              >
                {starting.has(command.id) ? <span className="spinner" aria-hidden="true" /> : <span aria-hidden="true">▶</span>}
                {command.name}
                {command.dangerous && <span className="badge danger-badge">dangerous</span>}
              </button>
              <p id={`saved-command-${command.id}-what`} className="saved-command-what">
                <span>{command.target ? `on ${command.target.name}` : 'no target: edit it to choose one'}</span>
                <code title={command.script ?? undefined}>{command.script !== null ? `sh -c: ${firstLine(command.script)}` : joinCommandLine(command.argv ?? [])}</code>
              </p>
              <div className="saved-command-actions">
                <button type="button" className="button small" aria-label={`Edit ${command.name}`} onClick={(event) => onEdit(command, event.currentTarget)}>
                  Edit
                </button>
                <button type="button" className="button small danger-quiet" aria-label={`Delete ${command.name}`} onClick={(event) => onDelete(command, event.currentTarget)}>
                  Delete
                </button>
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function firstLine(script: string): string {
  const lines = script.trim().split('\n');
  return lines.length > 1 ? `${lines[0]} …` : lines[0]!;
}
