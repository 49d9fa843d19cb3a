// Test support: a Server-Sent Events client over a real socket, reading events as they arrive.
import { get, type ClientRequest } from 'node:http';
import { waitFor } from '../deploy/testing/processes';

export interface SseEvent {
  event: string;
  data: string;
}

/** Parses an SSE stream: events with their joined data, and a count of comment lines (heartbeats). */
export class SseParser {
  readonly events: SseEvent[] = [];
  comments = 0;
  private buffer = '';

  feed(chunk: string): void {
    this.buffer += chunk;
    for (let end = this.buffer.indexOf('\n\n'); end !== -1; end = this.buffer.indexOf('\n\n')) {
      this.block(this.buffer.slice(0, end));
      this.buffer = this.buffer.slice(end + 2);
    }
  }

  /** The data of every `log` event, joined: the job's log text as sent. */
  logText(): string {
    return this.events
      .filter((event) => event.event === 'log')
      .map((event) => event.data)
      .join('');
  }

  private block(block: string): void {
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) this.comments++;
      else if (line.startsWith('event: ')) event = line.slice('event: '.length);
      else if (line.startsWith('data: ')) data.push(line.slice('data: '.length));
    }
    if (data.length) this.events.push({ event, data: data.join('\n') });
  }
}

/** GET `url` as an SSE client; `close()` goes away as a client would, mid-stream. */
export class SseClient extends SseParser {
  status: number | undefined;
  headers: Record<string, string | string[] | undefined> = {};
  ended = false;
  private readonly request: ClientRequest;

  constructor(url: string, headers: Record<string, string>) {
    super();
    this.request = get(url, { headers: { accept: 'text/event-stream', ...headers } }, (response) => {
      this.status = response.statusCode;
      this.headers = response.headers;
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => this.feed(chunk));
      response.on('end', () => (this.ended = true));
      // A close by the test itself, or by the server cutting the stream.
      response.on('error', () => (this.ended = true));
    });
    this.request.on('error', () => (this.ended = true));
  }

  /** Waits until an event of this name (and matching `data`, if given) has arrived; returns it. */
  async next(event: string, data?: (data: string) => boolean): Promise<SseEvent> {
    const find = () => this.events.find((candidate) => candidate.event === event && (!data || data(candidate.data)));
    await waitFor(`an SSE "${event}" event`, () => find() !== undefined);
    return find() as SseEvent;
  }

  async untilEnded(): Promise<void> {
    await waitFor('the SSE stream to end', () => this.ended);
  }

  close(): void {
    this.request.destroy();
  }
}
