import { PAGE_IDS, pageHash } from '../store/navigation-slice';
import { useAppStore } from '../store/store-context';
import { NavIcon } from './NavIcon';
import { PAGES } from './pages';

export function Sidebar() {
  const current = useAppStore((state) => state.page);
  return (
    <aside className="sidebar">
      <div className="brand">
        <svg className="brand-mark" viewBox="0 0 32 32" aria-hidden="true" focusable="false">
          <rect width="32" height="32" rx="7" />
          <path d="M4 17h6l3-7 5 14 3-7h7" />
        </svg>
        Lifeline
      </div>
      <nav aria-label="Sections">
        <ul className="nav-list">
          {PAGE_IDS.map((page) => (
            <li key={page}>
              <a className="nav-link" href={pageHash(page)} aria-current={page === current ? 'page' : undefined}>
                <NavIcon page={page} />
                <span>{PAGES[page].label}</span>
                {PAGES[page].comingSoon && <span className="nav-soon">soon</span>}
              </a>
            </li>
          ))}
        </ul>
      </nav>
    </aside>
  );
}
