import type { ResponseSink, StreamEnd, StreamResponse } from './route';

/** A Server-Sent Events stream as its producer sees it. */
export interface SseChannel {
  /** Sends one event; any text, line breaks included. False when the client lags (wait for `drained`). */
  send(event: string, data: string): boolean;
  readonly closed: boolean;
  drained(): Promise<void>;
  end(): void;
  /** See ResponseSink.onClose: let go of what feeds the stream here. */
  onClose(listener: (why: StreamEnd) => void): void;
}

/**
 * An SSE answer. `open` starts feeding the channel; a comment goes out every `heartbeatMs` so that
 * proxies and clients do not take a quiet stream (a long build step) for a dead one.
 */
export function sseResponse(open: (channel: SseChannel) => void, options: { heartbeatMs: number }): StreamResponse {
  return {
    status: 200,
    headers: {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      // nginx buffers answers by default, which would hold the events back.
      'x-accel-buffering': 'no',
    },
    stream(sink: ResponseSink) {
      const heartbeat = setInterval(() => sink.write(': heartbeat\n\n'), options.heartbeatMs);
      sink.onClose(() => clearInterval(heartbeat));
      open({
        send: (event, data) => sink.write(formatEvent(event, data)),
        get closed() {
          return sink.closed;
        },
        drained: () => sink.drained(),
        end: () => sink.end(),
        onClose: (listener) => sink.onClose(listener),
      });
    },
  };
}

/** Each line of `data` becomes a data field; a client joins them with "\n", so the text arrives as sent. */
export function formatEvent(event: string, data: string): string {
  const lines = data.split(/\r\n|\r|\n/).map((line) => `data: ${line}\n`);
  return `event: ${event}\n${lines.join('')}\n`;
}
