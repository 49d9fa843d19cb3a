import type { StateCreator } from 'zustand/vanilla';

export const PAGE_IDS = ['servers', 'keys', 'terminals', 'links', 'commands', 'agents', 'incidents', 'dashboard'] as const;
export type PageId = (typeof PAGE_IDS)[number];

export interface NavigationSlice {
  page: PageId;
  showPage(page: PageId): void;
}

/** `#/links` → `links`. Anything unknown (an old bookmark, a typo) lands on the working page. */
export function pageFromHash(hash: string): PageId {
  const id = hash.replace(/^#\/?/, '');
  return (PAGE_IDS as readonly string[]).includes(id) ? (id as PageId) : 'servers';
}

export function pageHash(page: PageId): string {
  return `#/${page}`;
}

export const createNavigationSlice: StateCreator<NavigationSlice> = (set) => ({
  page: 'servers',
  showPage: (page) => set({ page }),
});
