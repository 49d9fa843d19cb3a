import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { z } from 'zod';
import type { WireReply } from '../../preload/api';
import { fail } from '../api/errors';
import { dispatch } from '../api/requests';
import { forwardEvents, type LifelineService } from '../api/service';
import { refuseUpgrade } from './responses';
import { closeAllClients, CLOSE_POLICY, CLOSE_TRY_AGAIN_LATER, rawText } from './ws-lifecycle';

const MAX_MESSAGE_BYTES = 1024 * 1024;
// A client that stops reading would otherwise make us buffer every event for it forever.
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
const MAX_BAD_MESSAGES = 20;
const HEARTBEAT_MS = 30_000;

// Only the envelope is checked here; the arguments belong to `dispatch`, the one validation path.
const wireCallSchema = z.object({
  type: z.literal('call'),
  id: z.int().nonnegative(),
  method: z.string(),
  args: z.array(z.unknown()),
});
const USAGE = 'Send JSON text like {"type":"call","id":1,"method":"listServers","args":[]}.';

/** The contract over WebSocket: one connection per browser tab, each subscribed to every event. */
export class ApiSockets {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  private readonly answeredPing = new WeakMap<WebSocket, boolean>();
  private readonly heartbeat = setInterval(() => this.checkHeartbeats(), HEARTBEAT_MS);
  private closing = false;

  constructor(private readonly service: LifelineService) {}

  /** Completes an upgrade the caller has already authorized (session cookie, Host and Origin). */
  accept(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (this.closing) return refuseUpgrade(socket, 503, 'The Lifeline web console is shutting down.');
    this.wss.handleUpgrade(req, socket, head, (ws) => this.attach(ws));
  }

  /** Says goodbye (1001) to every client, gives them a moment to answer, then cuts the rest. */
  async close(): Promise<void> {
    this.closing = true;
    clearInterval(this.heartbeat);
    await closeAllClients(this.wss, 'Lifeline web console is shutting down');
  }

  private attach(ws: WebSocket): void {
    let badMessages = 0;
    const send = (reply: WireReply): void => {
      if (ws.readyState !== WebSocket.OPEN) return;
      if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
        ws.close(CLOSE_TRY_AGAIN_LATER, 'Client is not reading its messages; reconnect');
        return;
      }
      ws.send(JSON.stringify(reply));
    };
    const refuse = (reply: WireReply): void => {
      send(reply);
      badMessages += 1;
      // A close reason may hold at most 123 bytes, so the usage hint stays in the error replies.
      if (badMessages >= MAX_BAD_MESSAGES) ws.close(CLOSE_POLICY, 'Too many unreadable messages; reconnect and send JSON calls');
    };

    this.answeredPing.set(ws, true);
    ws.on('pong', () => this.answeredPing.set(ws, true));
    // TypeScript cannot tie a generic event name to its value inside the WireReply union; forwardEvents does.
    const unsubscribe = forwardEvents(this.service, (name, value) => send({ type: 'event', name, value } as WireReply));
    ws.once('close', unsubscribe);
    // A reset connection emits 'error' then 'close'; without a listener the error would crash the process.
    ws.on('error', () => ws.terminate());
    ws.on('message', (data, isBinary) => {
      const call = readCall(data, isBinary);
      if ('reply' in call) return refuse(call.reply);
      void dispatch(this.service, call.method, call.args).then((result) => send({ type: 'result', id: call.id, result }));
    });
  }

  private checkHeartbeats(): void {
    for (const ws of this.wss.clients) {
      if (!this.answeredPing.get(ws)) {
        ws.terminate();
        continue;
      }
      this.answeredPing.set(ws, false);
      ws.ping();
    }
  }
}

type ReadCall = z.output<typeof wireCallSchema> | { reply: WireReply };

function readCall(data: RawData, isBinary: boolean): ReadCall {
  if (isBinary) return { reply: unreadable(`Binary messages are not understood. ${USAGE}`) };
  let message: unknown;
  try {
    message = JSON.parse(rawText(data));
  } catch (error) {
    return { reply: unreadable(`The message is not valid JSON (${(error as Error).message}). ${USAGE}`) };
  }
  const parsed = wireCallSchema.safeParse(message);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'message'}: ${issue.message}`).join('; ');
  const text = `The message is not a call (${problems}). ${USAGE}`;
  // With a usable id the caller's pending call gets its answer instead of waiting forever.
  const id = wireCallSchema.shape.id.safeParse((message as { id?: unknown } | null)?.id);
  if (id.success) return { reply: { type: 'result', id: id.data, result: fail('BAD_REQUEST', text) } };
  return { reply: unreadable(text) };
}

function unreadable(message: string): WireReply {
  return { type: 'error', code: 'BAD_REQUEST', message };
}
