import '@xterm/xterm/css/xterm.css';
import { useEffect, useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useAppStore, useAppStoreApi } from '../../store/store-context';
import { OpenTerminalForm } from './OpenTerminalForm';
import { TerminalSearch } from './TerminalSearch';
import { TerminalStatus } from './TerminalStatus';
import { TerminalTabs } from './TerminalTabs';
import { TerminalViews } from './terminal-views';

/**
 * Terminal tabs. The app keeps this page mounted while it lives (hidden on other pages), because each
 * tab's xterm holds its scrollback; `visible` says whether it is on screen.
 */
export function TerminalsPage({ visible }: { visible: boolean }) {
  const store = useAppStoreApi();
  const ids = useAppStore(useShallow((state) => state.terminals.map((terminal) => terminal.id)));
  const active = useAppStore((state) => state.terminals.find((terminal) => terminal.id === state.activeTerminalId));
  const broadcast = useAppStore((state) => state.broadcast);
  const setBroadcast = useAppStore((state) => state.setBroadcast);
  const notice = useAppStore((state) => state.terminalsNotice);
  const [searching, setSearching] = useState(false);
  const container = useRef<HTMLDivElement>(null);
  const views = useRef<TerminalViews | null>(null);

  useEffect(() => {
    const element = container.current;
    if (!element) return;
    const owned = new TerminalViews(store, element, () => setSearching(true));
    views.current = owned;
    return () => {
      owned.dispose();
      views.current = null;
    };
  }, [store]);

  // Hidden page: no tab is shown, so none holds a WebGL context or fits itself to a zero size.
  const shownId = visible ? (active?.id ?? null) : null;
  useEffect(() => views.current?.sync(ids, shownId), [ids, shownId]);

  return (
    <section className="page terminals-page" aria-labelledby="terminals-heading" hidden={!visible}>
      <header className="page-header">
        <h1 id="terminals-heading">Terminals</h1>
        <p className="page-notice" role="status" data-testid="terminals-notice">
          {notice}
        </p>
        <label className="broadcast-toggle">
          <input type="checkbox" checked={broadcast.on} disabled={ids.length === 0} onChange={(event) => setBroadcast(event.target.checked)} />
          Broadcast input
        </label>
      </header>
      <OpenTerminalForm />
      {broadcast.on && (
        <div className="broadcast-banner" role="status" data-testid="broadcast-banner">
          Broadcast is on: typing and pasting in a marked tab goes to all {broadcast.targets.length} marked terminals.
          <button type="button" className="button small" onClick={() => setBroadcast(false)}>
            Turn off
          </button>
        </div>
      )}
      {ids.length === 0 && <p className="muted">No terminals open. Pick a server above, or use “Open terminal” on the Servers page.</p>}
      <TerminalTabs />
      {active && <TerminalStatus key={active.id} terminal={active} onReattach={() => views.current?.get(active.id)?.attach()} />}
      {searching && active && (
        <TerminalSearch
          find={(term, backwards) => {
            const searcher = views.current?.get(active.id)?.searcher;
            if (!searcher) return false;
            return backwards ? searcher.findPrevious(term) : searcher.findNext(term);
          }}
          onClose={() => {
            setSearching(false);
            views.current?.get(active.id)?.focus();
          }}
        />
      )}
      <div ref={container} id="terminal-panel" role="tabpanel" className="terminal-panel" data-testid="terminal-panel" />
    </section>
  );
}
