import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';
import type { EventName, RequestName, Result } from '../../preload/api';
import { fail } from '../api/errors';
import { dispatch, requestNames } from '../api/requests';
import { forwardEvents, type LifelineService } from '../api/service';
import { isAppUrl } from './app-url';
import { ATTACH_TERMINAL_CHANNEL, attachTerminalArgs, TerminalPorts } from './terminal-ports';

// preload/index.ts spells the same channel names; it may not import runtime code, only types.
const requestChannel = (method: RequestName) => `lifeline:${method}` as const;
const eventChannel = (name: EventName) => `lifeline:event:${name}` as const;

export interface IpcTransport {
  /** Trusts `contents` (a window from createMainWindow) to call the API and sends it every event. */
  attach(contents: WebContents): void;
  /** Removes every handler and event subscription. */
  dispose(): void;
}

/**
 * Carries the contract over IPC: one handler per request method. Each call's sender is checked before
 * anything else runs; then `dispatch` validates the arguments, as it does for the web console.
 */
export function createIpcTransport(service: LifelineService): IpcTransport {
  const attached = new Map<WebContents, () => void>();
  const terminalPorts = new TerminalPorts(service);
  const refusal = (event: IpcMainInvokeEvent, method: string): Result<never> | null => {
    const problem = senderProblem(event, (contents) => attached.has(contents));
    if (problem === null) return null;
    console.warn(`lifeline: refused IPC call ${method}: ${problem}`);
    return fail('BAD_REQUEST', `Lifeline refused ${method}: ${problem}. Only Lifeline's own window may call it; reload the window if you see this there.`);
  };

  for (const method of requestNames) {
    ipcMain.handle(requestChannel(method), async (event, ...args: unknown[]): Promise<Result<unknown>> => {
      return refusal(event, method) ?? dispatch(service, method, args);
    });
  }
  // Not a request of the contract (its answer is a port, not a result), so validated here by its own schema.
  ipcMain.handle(ATTACH_TERMINAL_CHANNEL, async (event, ...args: unknown[]): Promise<Result<null>> => {
    const refused = refusal(event, 'attachTerminal');
    if (refused) return refused;
    const parsed = attachTerminalArgs.safeParse(args);
    if (!parsed.success) return fail('BAD_REQUEST', `Invalid arguments for attachTerminal: ${parsed.error.issues.map((issue) => issue.message).join('; ')}.`);
    // senderProblem has checked that the frame is there and is the window's own.
    return terminalPorts.attach(event.senderFrame!, ...parsed.data);
  });

  return {
    attach(contents) {
      if (attached.has(contents)) return;
      const unsubscribe = forwardEvents(service, (name, value) => contents.send(eventChannel(name), value));
      const detach = () => {
        unsubscribe();
        contents.off('destroyed', detach);
        attached.delete(contents);
      };
      attached.set(contents, detach);
      contents.on('destroyed', detach);
    },
    dispose() {
      for (const method of requestNames) ipcMain.removeHandler(requestChannel(method));
      ipcMain.removeHandler(ATTACH_TERMINAL_CHANNEL);
      terminalPorts.dispose();
      for (const detach of [...attached.values()]) detach();
    },
  };
}

/**
 * Why an IPC call must be refused, or null when it comes from the top frame of a window this app
 * created, showing the app's own page. A subframe, another window or a page that navigated elsewhere
 * gets nothing.
 */
export function senderProblem(event: IpcMainInvokeEvent, isAttached: (contents: WebContents) => boolean): string | null {
  const frame = event.senderFrame;
  if (frame === null) return 'the sending frame is gone (it navigated or closed)';
  if (!isAttached(event.sender)) return 'the sender is not a Lifeline window';
  if (frame !== event.sender.mainFrame) return 'the sender is a subframe, not the window itself';
  if (!isAppUrl(frame.url)) return `the sender shows ${JSON.stringify(frame.url.slice(0, 100))}, not Lifeline's own page`;
  return null;
}
