import type { PageId } from '../store/navigation-slice';
import { NavIcon } from './NavIcon';
import { PAGES } from './pages';

export function ComingSoon({ page }: { page: PageId }) {
  const info = PAGES[page];
  return (
    <section className="page" aria-labelledby="page-heading" data-testid="coming-soon">
      <header className="page-header">
        <h1 id="page-heading">
          {info.label}
        </h1>
      </header>
      <div className="panel coming-soon">
        <NavIcon page={page} />
        <h2>Coming soon</h2>
        <p>{info.comingSoon}</p>
        <p className="muted">
          Until then, <a href="#/servers">add and edit your servers</a>: everything here will build on that list.
        </p>
      </div>
    </section>
  );
}
