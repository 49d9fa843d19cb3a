import type { LifelineApi, Unsubscribe } from '../../../preload/api';

/**
 * How the UI's line to the main side is doing. The desktop's IPC is always `open`; the web console's
 * WebSocket goes through the others when the console process stops or restarts.
 * - `connecting`: the first attempt is under way (calls wait for it).
 * - `reconnecting`: the line dropped; calls fail fast with DISCONNECTED while new attempts run.
 * - `stopped`: attempts kept failing, so the console was most likely stopped or restarted with a new token.
 */
export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'stopped';

export interface ConnectionSource {
  current(): ConnectionState;
  onChange(listener: (state: ConnectionState) => void): Unsubscribe;
}

/** What the app receives: the contract, the line's state, and who closes it. */
export interface Bridge {
  readonly api: LifelineApi;
  readonly connection: ConnectionSource;
  close(): void;
}
