import { useMemo, useState } from 'react';
import type { Server } from '../../../../preload/api';
import { pageHash } from '../../store/navigation-slice';
import { useAppStore } from '../../store/store-context';
import { LatencyPanel } from './LatencyPanel';
import { LinkMatrix } from './LinkMatrix';
import { buildMatrix } from './link-matrix';
import './links.css';

export function LinksPage() {
  const servers = useAppStore((state) => state.servers);
  const serversStatus = useAppStore((state) => state.serversStatus);
  const serversError = useAppStore((state) => state.serversError);
  const loadServers = useAppStore((state) => state.loadServers);
  const links = useAppStore((state) => state.links);
  const linksStatus = useAppStore((state) => state.linksStatus);
  const linksError = useAppStore((state) => state.linksError);
  const loadLinks = useAppStore((state) => state.loadLinks);
  const probeLinks = useAppStore((state) => state.probeLinks);
  const probingAll = useAppStore((state) => state.linkProbing.all);
  const [chosenId, setChosenId] = useState<string | null>(null);
  const [notice, setNotice] = useState('');
  const [problem, setProblem] = useState<string | null>(null);

  const rows = useMemo(() => buildMatrix(servers, links), [servers, links]);
  // The chosen server, or else the first one set up for the agent: a chart right away, one click less.
  const selected = rows.find((row) => row.server.id === chosenId) ?? rows.find((row) => row.hasAgentSettings) ?? rows[0];
  const chartLayers = useMemo(() => selected?.cells.flatMap((cell) => (cell.kind === 'active' ? [cell.layer] : [])) ?? [], [selected]);

  const probe = async (server: Server | null) => {
    setProblem(null);
    setNotice(server ? `Probing ${server.name}…` : 'Probing every server…');
    const result = await probeLinks(server?.id);
    if (result.ok) setNotice(server ? `Probed ${server.name}.` : 'Probed every server.');
    else {
      setNotice('');
      setProblem(`Could not probe ${server ? server.name : 'the servers'}: ${result.message}`);
    }
  };

  const retry = () => void Promise.all([loadServers(), loadLinks()]);
  const loading = (serversStatus === 'loading' && servers.length === 0) || (linksStatus === 'loading' && servers.length > 0 && links.length === 0);
  const loadError = serversStatus === 'error' ? { what: 'servers', message: serversError } : linksStatus === 'error' ? { what: 'link states', message: linksError } : null;

  return (
    <section className="page links-page" aria-labelledby="page-heading">
      <header className="page-header">
        <h1 id="page-heading">Links</h1>
        <p className="page-notice" role="status" data-testid="notice">
          {notice}
        </p>
        {servers.length > 0 && (
          <button type="button" className="button primary" aria-disabled={probingAll || undefined} onClick={() => probingAll || void probe(null)}>
            {probingAll && <span className="spinner" aria-hidden="true" />}
            {probingAll ? 'Probing all…' : 'Probe all now'}
          </button>
        )}
      </header>
      {problem && (
        <div className="panel error-panel" role="alert" data-testid="links-problem">
          <p>{problem}</p>
          <button type="button" className="button" onClick={() => setProblem(null)}>
            Dismiss
          </button>
        </div>
      )}
      {loadError && (
        <div className="panel error-panel" role="alert" data-testid="links-error">
          <p>
            <strong>Could not load the {loadError.what}.</strong> {loadError.message}
          </p>
          <button type="button" className="button" onClick={retry}>
            Retry
          </button>
        </div>
      )}
      {loading ? (
        <div className="panel list-placeholder" aria-busy="true" data-testid="links-loading">
          <span className="spinner" aria-hidden="true" />
          Loading link states…
        </div>
      ) : (
        serversStatus === 'ready' &&
        servers.length === 0 && (
          <div className="panel list-placeholder empty-state" data-testid="links-empty">
            <h2>No servers yet</h2>
            <p className="muted">Links are the ways Lifeline reaches a server. Add a server first; its layers show up here once its agent is set up.</p>
            <a className="button primary" href={pageHash('servers')}>
              Add a server on the Servers page
            </a>
          </div>
        )
      )}
      {!loading && rows.length > 0 && !rows.some((row) => row.hasAgentSettings) && (
        <div className="panel list-placeholder empty-state links-guide" data-testid="links-no-agent">
          <h2>No server has its agent set up yet</h2>
          <p className="muted">Every layer but a plain terminal goes through the Lifeline agent on the server. To set one up:</p>
          <ol>
            <li>
              On the server, run <code>lifeline agent init --dir DIR</code>: it writes the agent settings <code>DIR/agent.yaml</code> and its token <code>DIR/bridge.token</code>.
            </li>
            <li>
              Start it there: <code>lifeline agent --config DIR/agent.yaml</code>, or as a service with the systemd unit it wrote.
            </li>
            <li>
              Here, edit the server on the <a href={pageHash('servers')}>Servers page</a>: set the agent's host, port and token, and its trigger folder.
            </li>
          </ol>
        </div>
      )}
      {!loading && rows.length > 0 && (
        <LinkMatrix rows={rows} selectedId={selected?.server.id ?? null} onSelect={setChosenId} onProbe={(server) => void probe(server)} />
      )}
      {!loading && selected && <LatencyPanel server={selected.server} layers={chartLayers} />}
    </section>
  );
}
