// The bridge's baseline: a plain Node JSON-lines echo over TCP on 127.0.0.1 — no hello, no token, no
// schemas, no dispatch — framed by the same LineReader and toLine as the bridge, so the difference
// between the two is the bridge's own work.
import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { LineReader, toLine } from '../../agent/protocol/lines';

const MAX_LINE_BYTES = 64 * 1024;

export interface EchoPeer {
  /** One request line out, its echo back. */
  roundTrip(): Promise<void>;
  close(): Promise<void>;
}

export async function startEchoPeer(): Promise<EchoPeer> {
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    const reader = new LineReader(MAX_LINE_BYTES);
    socket.on('data', (chunk: Buffer) => {
      for (const event of reader.push(chunk)) if (event.kind === 'line') socket.write(toLine({ echo: JSON.parse(event.text) as unknown }));
    });
    socket.on('error', () => socket.destroy());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const socket: Socket = connect({ host: '127.0.0.1', port: (server.address() as AddressInfo).port });
  await once(socket, 'connect');
  socket.setNoDelay(true);
  const reader = new LineReader(MAX_LINE_BYTES);
  let waiting: ((text: string) => void) | undefined;
  socket.on('data', (chunk: Buffer) => {
    for (const event of reader.push(chunk)) if (event.kind === 'line') waiting?.(event.text);
  });
  let id = 0;
  return {
    roundTrip: async () => {
      const sent = ++id;
      const answer = new Promise<string>((resolve) => (waiting = resolve));
      socket.write(toLine({ id: sent, method: 'ping' }));
      const reply = JSON.parse(await answer) as { echo: { id: number } };
      if (reply.echo.id !== sent) throw new Error(`The echo peer answered request ${reply.echo.id} to request ${sent}.`);
    },
    close: async () => {
      socket.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}
