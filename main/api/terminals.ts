import type { OpenTerminalInput, Result, TerminalAttachment, TerminalHandlers, TerminalInfo, TmuxSessionInfo } from '../../preload/api';
import type { TerminalManager } from '../terminals/manager';
import { connectFailure } from './connect-errors';
import { ok } from './errors';

/**
 * The terminals part of the contract, over the one TerminalManager of this installation. Output bytes do
 * not pass here: a transport takes them from `attach` onto a stream of their own.
 */
export class TerminalsApi {
  readonly onChanged: TerminalManager['onChanged'];

  constructor(private readonly manager: TerminalManager) {
    this.onChanged = manager.onChanged;
  }

  async openTerminal(input: OpenTerminalInput): Promise<Result<TerminalInfo>> {
    return settle(() => this.manager.open(input));
  }

  async listTerminals(): Promise<Result<TerminalInfo[]>> {
    return ok(this.manager.list());
  }

  async resizeTerminal(id: string, cols: number, rows: number): Promise<Result<TerminalInfo>> {
    return settle(() => this.manager.resize(id, cols, rows));
  }

  async reconnectTerminal(id: string): Promise<Result<TerminalInfo>> {
    return settle(() => this.manager.reconnect(id));
  }

  async closeTerminal(id: string): Promise<Result<{ id: string }>> {
    return settle(() => this.manager.close(id));
  }

  async listTmuxSessions(serverId: string): Promise<Result<TmuxSessionInfo[]>> {
    return settle(() => this.manager.listTmuxSessions(serverId));
  }

  /** Throws TerminalError (NOT_FOUND) when there is no such terminal; the transport tells its client. */
  attach(id: string, handlers: TerminalHandlers): TerminalAttachment {
    return this.manager.attach(id, handlers);
  }
}

async function settle<T>(action: () => T | Promise<T>): Promise<Result<T>> {
  try {
    return ok(await action());
  } catch (error) {
    return connectFailure(error);
  }
}
