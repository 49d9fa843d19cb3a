import type { AppStore } from '../../store/app-store';
import { TerminalView } from './terminal-view';

/**
 * Every open tab's TerminalView, kept in step with the store's terminal list. Owned by the Terminals
 * page, which stays mounted while the app lives so that tabs keep their scrollback across page switches.
 */
export class TerminalViews {
  private readonly views = new Map<string, TerminalView>();
  private shown: string | null = null;
  private readonly stopWatching: () => void;

  constructor(
    private readonly store: AppStore,
    private readonly container: HTMLElement,
    private readonly openSearch: (id: string) => void,
  ) {
    this.stopWatching = store.subscribe((state, previous) => {
      if (state.connection === 'open' && previous.connection !== 'open') {
        for (const view of this.views.values()) view.connectionOpened();
      }
    });
  }

  /** Creates views for new terminals, disposes those of closed ones, shows `active` (none when null). */
  sync(ids: string[], active: string | null): void {
    const wanted = new Set(ids);
    for (const [id, view] of this.views) {
      if (wanted.has(id)) continue;
      view.dispose();
      this.views.delete(id);
      if (this.shown === id) this.shown = null;
    }
    for (const id of ids) {
      if (!this.views.has(id)) this.views.set(id, this.create(id));
    }
    this.show(active);
  }

  get(id: string): TerminalView | undefined {
    return this.views.get(id);
  }

  dispose(): void {
    this.stopWatching();
    for (const view of this.views.values()) view.dispose();
    this.views.clear();
    this.shown = null;
  }

  private show(id: string | null): void {
    const next = id === null ? undefined : this.views.get(id);
    if (this.shown !== null && this.shown !== id) this.views.get(this.shown)?.hide();
    this.shown = next ? id : null;
    next?.show();
  }

  private create(id: string): TerminalView {
    const view = new TerminalView({
      api: this.store.getState(),
      id,
      input: (fromId, data) => this.route(fromId, data),
      detached: (terminalId, reason) => this.store.getState().markDetached(terminalId, reason),
      search: this.openSearch,
      connectionOpen: () => this.store.getState().connection === 'open',
    });
    this.container.append(view.element);
    return view;
  }

  /** Input typed into a broadcast target goes to every target; anywhere else it stays in its terminal. */
  private route(fromId: string, data: string): void {
    const { broadcast } = this.store.getState();
    const targets = broadcast.on && broadcast.targets.includes(fromId) ? broadcast.targets : [fromId];
    for (const id of targets) this.views.get(id)?.write(data);
  }
}
