import type { ServerResponse } from 'node:http';
import type { ResponseSink, StreamEnd } from './route';

/** Where a sink's text really goes: a socket, or a string for `inject`. */
interface Transport {
  write(text: string): boolean;
  end(): void;
  drained(): Promise<void>;
}

/**
 * A streamed answer in progress. It ends once, for one reason, and tells its listeners that reason; on
 * 'agent-stopping' the listeners may still write (a last event) before the answer ends.
 */
export class StreamSink implements ResponseSink {
  private state: 'open' | 'stopping' | 'closed' = 'open';
  private why: StreamEnd | undefined;
  private readonly listeners: ((why: StreamEnd) => void)[] = [];

  constructor(private readonly transport: Transport) {}

  get closed(): boolean {
    return this.state !== 'open';
  }

  write(text: string): boolean {
    if (this.state === 'closed') return false;
    return text === '' || this.transport.write(text);
  }

  end(): void {
    this.close('ended');
  }

  drained(): Promise<void> {
    return this.state === 'closed' ? Promise.resolve() : this.transport.drained();
  }

  onClose(listener: (why: StreamEnd) => void): void {
    if (this.why !== undefined) listener(this.why);
    else this.listeners.push(listener);
  }

  close(why: StreamEnd): void {
    if (this.state !== 'open') return;
    this.why = why;
    if (why === 'agent-stopping') {
      this.state = 'stopping';
      this.notify(why);
      this.state = 'closed';
      this.transport.end();
      return;
    }
    this.state = 'closed';
    if (why === 'ended') this.transport.end();
    this.notify(why);
  }

  private notify(why: StreamEnd): void {
    for (const listener of this.listeners.splice(0)) listener(why);
  }
}

/**
 * A sink writing to a node:http response, which is already past its head. A client that lags more than
 * `maxBuffered` bytes behind is cut off: live output cannot wait for it, and must not pile up in memory.
 */
export function socketSink(res: ServerResponse, maxBuffered: number): StreamSink {
  const sink = new StreamSink({
    write: (text) => {
      const flowing = res.write(text);
      if (res.writableLength > maxBuffered) res.destroy();
      return flowing;
    },
    end: () => res.end(),
    drained: () =>
      new Promise((resolve) => {
        if (!res.writableNeedDrain || res.destroyed) return resolve();
        const done = () => {
          res.off('drain', done).off('close', done);
          resolve();
        };
        res.on('drain', done).on('close', done);
      }),
  });
  // The client may have left while the answer was being prepared; 'close' has fired already then.
  if (res.destroyed) sink.close('client-gone');
  // Also fires after a normal end; the sink is closed by then and ignores it.
  else res.once('close', () => sink.close('client-gone'));
  return sink;
}

/** A sink that keeps everything written; `body` resolves with it when the stream is over. */
export function collectingSink(): { sink: StreamSink; body: Promise<string> } {
  let text = '';
  let finish: (body: string) => void = () => undefined;
  const body = new Promise<string>((resolve) => (finish = resolve));
  const sink = new StreamSink({
    write: (more) => {
      text += more;
      return true;
    },
    end: () => finish(text),
    drained: () => Promise.resolve(),
  });
  sink.onClose(() => finish(text));
  return { sink, body };
}
