import type { ReactElement } from 'react';
import type { PageId } from '../store/navigation-slice';

// Line drawings on a 20×20 grid, stroked in the text colour so they follow the theme.
const SHAPES: Record<PageId, ReactElement> = {
  servers: (
    <>
      <rect x="3" y="3" width="14" height="5" rx="1" />
      <rect x="3" y="12" width="14" height="5" rx="1" />
      <path d="M6 5.5h.01M6 14.5h.01" />
    </>
  ),
  keys: (
    <>
      <circle cx="7" cy="10" r="3.5" />
      <path d="M10.5 10H17.5M14.5 10v3M17 10v2.5" />
    </>
  ),
  terminals: (
    <>
      <rect x="2.5" y="3.5" width="15" height="13" rx="1.5" />
      <path d="M6 8l2.5 2L6 12M10.5 12.5H14" />
    </>
  ),
  links: <path d="M8.5 11.5l3-3M7 9.5l-2 2a2.8 2.8 0 004 4l2-2M13 10.5l2-2a2.8 2.8 0 00-4-4l-2 2" />,
  // A play mark over list lines: commands run on servers.
  commands: <path d="M3 5h8M3 10h6M3 15h8M13.5 8.5v6l4.5-3-4.5-3z" />,
  agents: (
    <>
      <rect x="5" y="5" width="10" height="10" rx="1.5" />
      <path d="M8 2.5v2.5M12 2.5v2.5M8 15v2.5M12 15v2.5M2.5 8H5M2.5 12H5M15 8h2.5M15 12h2.5" />
    </>
  ),
  incidents: <path d="M10 3l7.5 13h-15L10 3zM10 8.5v3.5M10 14.2h.01" />,
  dashboard: <path d="M3 17h14M5.5 14V9M10 14V5M14.5 14v-3" />,
};

export function NavIcon({ page }: { page: PageId }) {
  return (
    <svg className="nav-icon" viewBox="0 0 20 20" aria-hidden="true" focusable="false">
      {SHAPES[page]}
    </svg>
  );
}
