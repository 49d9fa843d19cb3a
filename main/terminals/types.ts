// The terminal shapes of the renderer contract, as planned for preload/api.ts. They live here until the
// contract takes them; then this file re-exports them from there and nothing else changes.

export interface OpenTerminalInput {
  serverId: string;
  cols: number;
  rows: number;
  /** Attach to (or create) this tmux session; omitted: the server's setting; null: a plain shell. */
  tmuxSession?: string | null;
}

export type TerminalState = 'connecting' | 'connected' | 'reconnecting' | 'closed' | 'failed';

export interface TerminalInfo {
  id: string;
  serverId: string;
  title: string;
  state: TerminalState;
  /** Why it is reconnecting, closed or failed, and what to do. */
  message: string | null;
  /** When the next automatic retry happens while reconnecting (ISO 8601). */
  retryAt: string | null;
  tmuxSession: string | null;
  cols: number;
  rows: number;
}

export interface TmuxSessionInfo {
  name: string;
  windows: number;
  attached: boolean;
}

export interface TerminalHandlers {
  /** Output bytes in order. Call `ack(data.byteLength)` once the terminal has processed them. */
  onData(data: Uint8Array): void;
  /** The attachment ended (terminal closed, or another window took it over). */
  onDetach(reason: string): void;
}

export interface TerminalAttachment {
  /** Keyboard input or paste. */
  write(data: string): void;
  /** Flow control: the main side pauses the SSH channel while too many bytes are unacknowledged. */
  ack(bytes: number): void;
  detach(): void;
}
