import { useAppStore } from '../../store/store-context';
import { tabLabels } from './tab-labels';

/** The tab strip: each terminal's server, state, broadcast choice and close button. */
export function TerminalTabs() {
  const terminals = useAppStore((state) => state.terminals);
  const active = useAppStore((state) => state.activeTerminalId);
  const broadcast = useAppStore((state) => state.broadcast);
  const detached = useAppStore((state) => state.detached);
  const showTerminal = useAppStore((state) => state.showTerminal);
  const closeTerminal = useAppStore((state) => state.closeTerminal);
  const toggleTarget = useAppStore((state) => state.toggleBroadcastTarget);
  const labels = tabLabels(terminals);

  return (
    <div className="terminal-tabs" role="tablist" aria-label="Open terminals">
      {terminals.map((terminal) => {
        const selected = terminal.id === active;
        const target = broadcast.targets.includes(terminal.id);
        const state = detached[terminal.id] ? 'detached' : terminal.state;
        const label = labels.get(terminal.id) ?? terminal.title;
        return (
          <div key={terminal.id} className={`terminal-tab${selected ? ' selected' : ''}${broadcast.on && target ? ' broadcasting' : ''}`} data-testid="terminal-tab">
            <button
              type="button"
              role="tab"
              aria-selected={selected}
              aria-controls="terminal-panel"
              className="terminal-tab-title"
              onClick={() => showTerminal(terminal.id)}
            >
              <span className={`terminal-state-dot state-${state}`} aria-hidden="true" />
              {label}
              <span className="terminal-tab-state" data-testid="terminal-tab-state">
                {state}
              </span>
              {broadcast.on && target && (
                <span className="broadcast-marker" data-testid="broadcast-marker">
                  broadcast
                </span>
              )}
            </button>
            <label className="terminal-tab-broadcast" title="Include in broadcast">
              <input type="checkbox" checked={target} onChange={() => toggleTarget(terminal.id)} aria-label={`Broadcast to ${label}`} />
            </label>
            <button type="button" className="button small danger-quiet" aria-label={`Close ${label}`} onClick={() => void closeTerminal(terminal.id)}>
              ×
            </button>
          </div>
        );
      })}
    </div>
  );
}
