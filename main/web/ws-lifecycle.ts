import { WebSocket, type RawData, type WebSocketServer } from 'ws';

export const CLOSE_NORMAL = 1000;
export const CLOSE_GOING_AWAY = 1001;
export const CLOSE_POLICY = 1008;
export const CLOSE_TRY_AGAIN_LATER = 1013;

const CLOSE_GRACE_MS = 5_000;

/** Says goodbye (1001) to every client of `wss`, gives them a moment to answer, then cuts the rest. */
export async function closeAllClients(wss: WebSocketServer, reason: string): Promise<void> {
  const clients = [...wss.clients];
  const closed = clients.map(
    (ws) => new Promise<void>((resolve) => (ws.readyState === WebSocket.CLOSED ? resolve() : ws.once('close', () => resolve()))),
  );
  for (const ws of clients) ws.close(CLOSE_GOING_AWAY, reason);
  let force: NodeJS.Timeout | undefined;
  const timeUp = new Promise<void>((resolve) => (force = setTimeout(resolve, CLOSE_GRACE_MS)));
  await Promise.race([Promise.all(closed), timeUp]);
  clearTimeout(force);
  for (const ws of clients) ws.terminate();
  await new Promise<void>((resolve) => wss.close(() => resolve()));
}

/** A text frame's content, whichever form ws delivered it in. */
export function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data).toString('utf8');
}
