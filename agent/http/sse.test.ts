import { describe, expect, it } from 'vitest';
import { waitFor } from '../deploy/testing/processes';
import { StreamSink } from './response-stream';
import { formatEvent, sseResponse, type SseChannel } from './sse';
import { SseParser } from './sse-testing';

describe('formatEvent', () => {
  it('puts each line in its own data field, so that any text arrives as sent', () => {
    expect(formatEvent('log', 'one\ntwo\n')).toBe('event: log\ndata: one\ndata: two\ndata: \n\n');
    const parser = new SseParser();
    for (const text of ['plain', 'ends in a newline\n', '\n\nblank lines\n\n', 'data: looks like a field\nevent: end']) {
      parser.feed(formatEvent('log', text));
      expect(parser.events.at(-1)).toEqual({ event: 'log', data: text });
    }
  });

  it('turns CR and CRLF line ends into LF, as an SSE client would split them anyway', () => {
    expect(formatEvent('log', 'a\r\nb\rc')).toBe('event: log\ndata: a\ndata: b\ndata: c\n\n');
  });
});

describe('sseResponse', () => {
  it('streams events with heartbeat comments until the producer ends it', async () => {
    const written: string[] = [];
    let ended = false;
    const sink = new StreamSink({ write: (text) => written.push(text) > 0, end: () => (ended = true), drained: async () => undefined });
    let channel: SseChannel | undefined;
    const response = sseResponse(
      (opened) => {
        channel = opened;
        opened.send('log', 'hello\n');
      },
      { heartbeatMs: 5 },
    );
    expect(response.headers).toMatchObject({ 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store' });
    response.stream(sink);
    await waitFor('two heartbeats', () => written.filter((text) => text === ': heartbeat\n\n').length >= 2);
    channel?.end();
    expect(ended).toBe(true);
    expect(channel?.closed).toBe(true);
    expect(channel?.send('log', 'late')).toBe(false);
    const parser = new SseParser();
    parser.feed(written.join(''));
    expect(parser.events).toEqual([{ event: 'log', data: 'hello\n' }]);
  });
});
