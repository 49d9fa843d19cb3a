import type { Unsubscribe } from '../../../preload/api';
import type { AppStore } from '../store/app-store';
import { pageFromHash } from '../store/navigation-slice';
import { PAGES } from './pages';

/**
 * The sidebar's links are plain `#/page` anchors, so they work with the keyboard, middle-click and the
 * back button; this keeps the store's page (and the window title) in step with the hash.
 */
export function bindHashNavigation(store: AppStore, target: Window): Unsubscribe {
  const sync = () => {
    const page = pageFromHash(target.location.hash);
    store.getState().showPage(page);
    target.document.title = `${PAGES[page].label} · Lifeline`;
  };
  sync();
  target.addEventListener('hashchange', sync);
  return () => target.removeEventListener('hashchange', sync);
}
