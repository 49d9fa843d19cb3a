import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { TerminalAttachment, TerminalServerMessage } from '../../preload/api';
import { terminalClientMessageSchema } from '../api/requests';
import type { LifelineService } from '../api/service';
import { TerminalError } from '../terminals/errors';
import { refuseUpgrade } from './responses';
import { closeAllClients, CLOSE_NORMAL, CLOSE_POLICY, CLOSE_TRY_AGAIN_LATER, rawText } from './ws-lifecycle';

// An input message holds at most a 1 MiB paste (see terminalClientMessageSchema), JSON-escaped.
const MAX_MESSAGE_BYTES = 8 * 1024 * 1024;
// Output flows only after acks, so the socket's buffer stays near the flow window; far past it, the
// client is not reading and holding more for it would only grow this process.
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

/** Terminal byte streams over WebSocket: one socket per attachment, at /terminals/<id>. */
export class TerminalSockets {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  private closing = false;

  constructor(private readonly service: LifelineService) {}

  /** Completes an upgrade the caller has already authorized (session cookie, Host and Origin). */
  accept(req: IncomingMessage, socket: Duplex, head: Buffer, terminalId: string): void {
    if (this.closing) return refuseUpgrade(socket, 503, 'The Lifeline web console is shutting down.');
    this.wss.handleUpgrade(req, socket, head, (ws) => this.attach(ws, terminalId));
  }

  async close(): Promise<void> {
    this.closing = true;
    await closeAllClients(this.wss, 'Lifeline web console is shutting down');
  }

  private attach(ws: WebSocket, terminalId: string): void {
    // A reset connection emits 'error' then 'close'; without a listener the error would crash the process.
    ws.on('error', () => ws.terminate());
    const detached = (reason: string): void => {
      if (ws.readyState !== WebSocket.OPEN) return;
      ws.send(JSON.stringify({ type: 'detached', reason } satisfies TerminalServerMessage));
      ws.close(CLOSE_NORMAL, 'Detached');
    };
    let attachment: TerminalAttachment;
    try {
      attachment = this.service.attachTerminal(terminalId, {
        onData: (data) => {
          if (ws.readyState !== WebSocket.OPEN) return;
          if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
            ws.close(CLOSE_TRY_AGAIN_LATER, 'Output is not being read; attach again');
            return;
          }
          ws.send(data, { binary: true });
        },
        onDetach: detached,
      });
    } catch (error) {
      if (!(error instanceof TerminalError)) throw error;
      return detached(error.message);
    }
    ws.once('close', () => attachment.detach());
    ws.on('message', (data, isBinary) => {
      const problem = this.receive(attachment, data, isBinary);
      // One bad frame ends this attachment only: the terminal lives on and can be attached again.
      if (problem) ws.close(CLOSE_POLICY, problem);
    });
  }

  /** Applies one client frame; returns why it was refused (at most 123 bytes, a close reason's limit). */
  private receive(attachment: TerminalAttachment, data: RawData, isBinary: boolean): string | null {
    if (isBinary) return 'Binary frames are not understood; send JSON input or ack messages';
    let message: unknown;
    try {
      message = JSON.parse(rawText(data));
    } catch {
      return 'Frames must be JSON text: {"type":"input","data":…} or {"type":"ack","bytes":…}';
    }
    const parsed = terminalClientMessageSchema.safeParse(message);
    if (!parsed.success) return 'Not a terminal message: send {"type":"input","data":"…"} or {"type":"ack","bytes":N>0}';
    if (parsed.data.type === 'input') attachment.write(parsed.data.data);
    else attachment.ack(parsed.data.bytes);
    return null;
  }
}
