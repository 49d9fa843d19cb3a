import type { MouseEvent } from 'react';
import { KeysPage } from '../features/keys/KeysPage';
import { ServersPage } from '../features/servers/ServersPage';
import { TerminalsPage } from '../features/terminals/TerminalsPage';
import { useAppStore } from '../store/store-context';
import { AboutLine } from './AboutLine';
import { ComingSoon } from './ComingSoon';
import { ConnectionBanner } from './ConnectionBanner';
import { PromptDialog } from './PromptDialog';
import { Sidebar } from './Sidebar';

export function App() {
  const page = useAppStore((state) => state.page);
  return (
    <div className="shell">
      <a className="skip-link" href="#main" onClick={skipToMain}>
        Skip to content
      </a>
      <Sidebar />
      <div className="workspace">
        <ConnectionBanner />
        <main id="main" tabIndex={-1}>
          {page === 'servers' ? <ServersPage /> : page === 'keys' ? <KeysPage /> : page === 'terminals' ? null : <ComingSoon key={page} page={page} />}
          {/* Always mounted: its tabs keep their scrollback and streams while another page is shown. */}
          <TerminalsPage visible={page === 'terminals'} />
        </main>
        <AboutLine />
      </div>
      <PromptDialog />
    </div>
  );
}

// The hash is the router's, so the skip link moves focus itself instead of jumping to `#main`.
function skipToMain(event: MouseEvent<HTMLAnchorElement>) {
  event.preventDefault();
  document.getElementById('main')?.focus();
}
