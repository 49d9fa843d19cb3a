import { MessageChannelMain, type MessagePortMain, type WebFrameMain } from 'electron';
import { z } from 'zod';
import type { Result, TerminalAttachment, TerminalServerMessage } from '../../preload/api';
import { fail, ok } from '../api/errors';
import { terminalClientMessageSchema, terminalIdSchema } from '../api/requests';
import type { LifelineService } from '../api/service';
import { TerminalError } from '../terminals/errors';

// preload/index.ts spells the same names; it may not import runtime code, only types.
export const ATTACH_TERMINAL_CHANNEL = 'lifeline:attachTerminal';
/** Main → preload: `{ attachment }` with the port of that attachment. */
export const TERMINAL_PORT_CHANNEL = 'lifeline:terminalPort';

/** The terminal id and the preload's number for the attachment, echoed with the port. */
export const attachTerminalArgs = z.tuple([terminalIdSchema, z.int().nonnegative()]);

/**
 * The terminal streams of the desktop: one MessageChannelMain per attachment. One port goes to the
 * preload of the frame that asked (which keeps it from the page); the other carries output and takes
 * input and acks, under the same flow control as the web console's WebSocket.
 */
export class TerminalPorts {
  private readonly open = new Set<MessagePortMain>();

  constructor(private readonly service: LifelineService) {}

  /** Attaches terminal `id` and posts its port to `frame`; the caller has validated the sender and the arguments. */
  attach(frame: WebFrameMain, id: string, attachmentNumber: number): Result<null> {
    const { port1: port, port2: remote } = new MessageChannelMain();
    const end = (reason: string): void => {
      port.postMessage({ type: 'detached', reason } satisfies TerminalServerMessage);
      this.close(port);
    };
    let attachment: TerminalAttachment;
    try {
      attachment = this.service.attachTerminal(id, { onData: (data) => port.postMessage(data), onDetach: end });
    } catch (error) {
      if (!(error instanceof TerminalError)) throw error;
      this.close(port);
      remote.close();
      return fail(error.code, error.message);
    }
    this.open.add(port);
    port.on('close', () => {
      this.open.delete(port);
      attachment.detach();
    });
    port.on('message', ({ data }) => {
      const parsed = terminalClientMessageSchema.safeParse(data);
      if (!parsed.success) {
        // One bad message ends this attachment only: the terminal lives on and can be attached again.
        attachment.detach();
        end('The window sent a message that is not terminal input or an ack; attach again. This is a bug in Lifeline.');
        return;
      }
      if (parsed.data.type === 'input') attachment.write(parsed.data.data);
      else attachment.ack(parsed.data.bytes);
    });
    port.start();
    frame.postMessage(TERMINAL_PORT_CHANNEL, { attachment: attachmentNumber }, [remote]);
    return ok(null);
  }

  /** Closes every port (the attachments detach; the terminals live on). */
  dispose(): void {
    for (const port of [...this.open]) this.close(port);
  }

  private close(port: MessagePortMain): void {
    this.open.delete(port);
    port.close();
  }
}
