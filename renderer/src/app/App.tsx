import type { MouseEvent } from 'react';
import { CommandsPage } from '../features/commands/CommandsPage';
import { KeysPage } from '../features/keys/KeysPage';
import { LinksPage } from '../features/links/LinksPage';
import { ServersPage } from '../features/servers/ServersPage';
import { TerminalsPage } from '../features/terminals/TerminalsPage';
import type { PageId } from '../store/navigation-slice';
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
          {page === 'terminals' ? null : <Page page={page} />}
          {/* Always mounted: its tabs keep their scrollback and streams while another page is shown. */}
          <TerminalsPage visible={page === 'terminals'} />
        </main>
        <AboutLine />
      </div>
      <PromptDialog />
    </div>
  );
}

function Page({ page }: { page: Exclude<PageId, 'terminals'> }) {
  switch (page) {
    case 'servers':
      return <ServersPage />;
    case 'keys':
      return <KeysPage />;
    case 'links':
      return <LinksPage />;
    case 'commands':
      return <CommandsPage />;
    default:
      return <ComingSoon key={page} page={page} />;
  }
}

// The hash is the router's, so the skip link moves focus itself instead of jumping to `#main`.
function skipToMain(event: MouseEvent<HTMLAnchorElement>) {
  event.preventDefault();
  document.getElementById('main')?.focus();
}
