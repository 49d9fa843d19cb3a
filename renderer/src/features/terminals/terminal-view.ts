import { FitAddon } from '@xterm/addon-fit';
import { SearchAddon } from '@xterm/addon-search';
import { WebLinksAddon } from '@xterm/addon-web-links';
import { WebglAddon } from '@xterm/addon-webgl';
import { Terminal } from '@xterm/xterm';
import type { LifelineApi, TerminalAttachment } from '../../../../preload/api';
import { batchAcks } from './ack-batch';
import { openLink } from './open-link';
import { Reattacher } from './reattach';
import { isShortcut } from './shortcuts';

export interface TerminalViewOptions {
  api: Pick<LifelineApi, 'attachTerminal' | 'resizeTerminal'>;
  id: string;
  /** Typed or pasted input; the owner decides where it goes (this terminal, or every broadcast target). */
  input(fromId: string, data: string): void;
  /** The stream ended (null: it is attached again). */
  detached(id: string, reason: string | null): void;
  /** Ctrl+Shift+F in the terminal. */
  search(id: string): void;
  /** Whether the line to the main side is up now (a dropped stream then retries on its own). */
  connectionOpen(): boolean;
}

// Resizing a window fires many observations; the PTY needs only the last size.
const RESIZE_DEBOUNCE_MS = 120;
const SCROLLBACK_LINES = 10_000;

/**
 * One terminal tab outside React: an xterm instance living as long as the tab (so scrollback survives
 * reconnects and page switches), its stream attachment with ack-after-write flow control, fit-on-resize,
 * and a WebGL renderer only while visible.
 */
export class TerminalView {
  readonly element: HTMLDivElement;
  private readonly term: Terminal;
  private readonly fit = new FitAddon();
  readonly searcher = new SearchAddon();
  private readonly observer: ResizeObserver;
  private attachment: TerminalAttachment | null = null;
  private readonly reattacher = new Reattacher(() => this.attach());
  private webgl: WebglAddon | null = null;
  private resizeTimer: ReturnType<typeof setTimeout> | undefined;
  private sentSize = '';
  private visible = false;
  private attached = false;
  private disposed = false;

  constructor(private readonly options: TerminalViewOptions) {
    this.element = document.createElement('div');
    this.element.className = 'terminal-host';
    this.element.hidden = true;
    this.element.dataset.terminalId = options.id;
    this.term = new Terminal({
      scrollback: SCROLLBACK_LINES,
      cursorBlink: true,
      fontFamily: 'ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace',
      fontSize: 14,
      theme: { background: '#0f1115', foreground: '#e6e6e6' },
    });
    this.term.loadAddon(this.fit);
    this.term.loadAddon(this.searcher);
    this.term.loadAddon(new WebLinksAddon((event, uri) => openLink(event, uri)));
    this.term.attachCustomKeyEventHandler((event) => this.shortcut(event));
    this.term.onData((data) => options.input(options.id, data));
    this.term.onSelectionChange(() => {
      const selection = this.term.getSelection();
      if (selection) void copyText(selection);
    });
    this.term.open(this.element);
    this.observer = new ResizeObserver(() => this.scheduleFit());
    this.observer.observe(this.element);
    this.attach();
  }

  /** (Re)attaches the stream; the main side first replays recent output so the screen is repainted. */
  attach(): void {
    if (this.disposed) return;
    this.reattacher.settle();
    this.attachment?.detach();
    // A new attachment starts with the recent output again: written on top of what the screen already
    // shows it would appear twice, and stale modes (alternate screen, colours) would stay on.
    if (this.attached) this.term.reset();
    this.attached = true;
    this.options.detached(this.options.id, null);
    const ack = batchAcks((bytes) => attachment.ack(bytes));
    const attachment = this.options.api.attachTerminal(this.options.id, {
      // Ack only once xterm has parsed the bytes: that is what keeps a flood from piling up in the page.
      onData: (data) => {
        this.reattacher.flowing();
        this.term.write(data, () => ack(data.byteLength));
      },
      onDetach: (reason, lineLost) => {
        // An attachment this view already replaced has nothing to report.
        if (this.attachment !== attachment) return;
        this.attachment = null;
        this.options.detached(this.options.id, reason);
        if (lineLost) this.reattacher.lineLost(this.options.connectionOpen());
        else this.reattacher.settle();
      },
    });
    this.attachment = attachment;
  }

  /** The line to the main side is back: a stream lost with it attaches again. */
  connectionOpened(): void {
    this.reattacher.connectionOpened();
  }

  /** Sends input to this terminal's shell. */
  write(data: string): void {
    this.attachment?.write(data);
  }

  show(): void {
    if (this.disposed || this.visible) return;
    this.visible = true;
    this.element.hidden = false;
    this.startWebgl();
    this.fitNow();
    this.term.focus();
  }

  /** Hidden tabs give their WebGL context back: Chromium keeps only about 16 per page. */
  hide(): void {
    if (!this.visible) return;
    this.visible = false;
    this.element.hidden = true;
    this.stopWebgl();
  }

  focus(): void {
    this.term.focus();
  }

  async paste(): Promise<void> {
    const text = await readClipboard();
    // term.paste goes through onData, so a paste is broadcast like typing.
    if (text) this.term.paste(text);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    clearTimeout(this.resizeTimer);
    this.reattacher.dispose();
    this.observer.disconnect();
    this.attachment?.detach();
    this.attachment = null;
    this.stopWebgl();
    this.term.dispose();
    this.element.remove();
  }

  private shortcut(event: KeyboardEvent): boolean {
    if (event.type !== 'keydown') return true;
    if (isShortcut(event, 'c')) {
      const selection = this.term.getSelection();
      if (selection) void copyText(selection);
      return false;
    }
    if (isShortcut(event, 'v')) {
      // Without this the browser's own paste event would deliver the text a second time.
      event.preventDefault();
      void this.paste();
      return false;
    }
    if (isShortcut(event, 'f')) {
      event.preventDefault();
      this.options.search(this.options.id);
      return false;
    }
    return true;
  }

  private startWebgl(): void {
    if (this.webgl) return;
    try {
      const webgl = new WebglAddon();
      // A lost context (GPU reset, too many contexts) falls back to the DOM renderer, which always works.
      webgl.onContextLoss(() => this.stopWebgl());
      this.term.loadAddon(webgl);
      this.webgl = webgl;
    } catch {
      // No WebGL2 here (no GPU, blocked by policy): the DOM renderer stays in charge.
      this.webgl = null;
    }
  }

  private stopWebgl(): void {
    const webgl = this.webgl;
    this.webgl = null;
    webgl?.dispose();
  }

  private scheduleFit(): void {
    clearTimeout(this.resizeTimer);
    this.resizeTimer = setTimeout(() => this.fitNow(), RESIZE_DEBOUNCE_MS);
  }

  private fitNow(): void {
    // A hidden element has no size: fitting it would shrink the PTY to nothing.
    if (this.disposed || !this.visible) return;
    this.fit.fit();
    const size = `${this.term.cols}x${this.term.rows}`;
    if (size === this.sentSize) return;
    this.sentSize = size;
    void this.options.api.resizeTerminal(this.options.id, this.term.cols, this.term.rows).then((result) => {
      // Try again on the next fit; the tab's state line already says why the terminal is unreachable.
      if (!result.ok && this.sentSize === size) this.sentSize = '';
    });
  }
}

// Clipboard access can be refused (no focus, no permission); copying is a convenience, so it fails quietly.
async function copyText(text: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    // Nothing to do: the selection is still there for the context menu.
  }
}

async function readClipboard(): Promise<string> {
  try {
    return await navigator.clipboard.readText();
  } catch {
    return '';
  }
}
