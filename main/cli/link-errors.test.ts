import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDACTED } from '../../agent/log/loggable';
import { LineReader, toLine } from '../../agent/protocol/lines';
import { lifeline } from './testing/run-cli';

// `lifeline run` and `lifeline links` print what went wrong on each layer, and those texts carry what
// the agent said. Here the agent is a peer on 127.0.0.1 that answers every hello with a refusal quoting
// the token it was sent and a password: neither may reach the terminal.

const TOKEN = 'cli-redaction-token-0123456789abcdef';
const PASSWORD = 'hunter2-is-not-a-password';

describe('error texts of lifeline run and links', () => {
  let home: string;
  let agent: Server;
  const sockets = new Set<Socket>();
  const tokensSent: unknown[] = [];
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    agent = createServer((socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
      const reader = new LineReader(64 * 1024);
      socket.on('data', (chunk: Buffer) => {
        for (const event of reader.push(chunk)) {
          if (event.kind !== 'line') continue;
          const frame = JSON.parse(event.text) as { type: string; token?: unknown };
          if (frame.type !== 'hello') continue;
          tokensSent.push(frame.token);
          const message = `token ${String(frame.token)} is not accepted here (password=${PASSWORD} is the admin's)`;
          socket.end(toLine({ type: 'error', id: null, code: 'UNAUTHORIZED', message }));
        }
      });
    });
    agent.listen(0, '127.0.0.1');
    await once(agent, 'listening');
    home = mkdtempSync(join(tmpdir(), 'lifeline-cli-link-errors-'));
    process.env.LIFELINE_HOME = home;
    process.env.LIFELINE_VAULT_PASSPHRASE = 'a long vault passphrase';
    process.env.AGENT_TOKEN = TOKEN;
    const { port } = agent.address() as AddressInfo;
    const added = await lifeline('servers', 'add', 'box', '--host', '127.0.0.1', '--group', 'fleet', '--agent', `tcp://127.0.0.1:${port}`, '--agent-token-env', 'AGENT_TOKEN', '--layers', 'bridge');
    expect(added.code).toBe(0);
  });

  afterAll(async () => {
    process.env = { ...savedEnv };
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => agent.close(() => resolve()));
    rmSync(home, { recursive: true, force: true });
  });

  const leaks = (text: string) => text.includes(TOKEN) || text.includes(PASSWORD);

  it('blanks the token and secrets in each failed attempt and in the end of a run', async () => {
    const ran = await lifeline('run', 'box', '--', 'true');
    expect(tokensSent.at(-1)).toBe(TOKEN); // the agent really had it to quote
    expect(ran.code).not.toBe(0);
    expect(ran.err).toContain('Lifeline: bridge failed (AUTH): token');
    expect(ran.err).toContain(REDACTED);
    expect(leaks(ran.err)).toBe(false);
    expect(leaks(ran.out)).toBe(false);

    const json = await lifeline('run', 'box', '--json', '--', 'true');
    expect(JSON.parse(json.out)).toMatchObject({ state: 'undelivered', attempts: [{ layer: 'bridge', outcome: 'failed' }] });
    expect(leaks(json.out) || leaks(json.err)).toBe(false);
  });

  it('blanks them for each member of a group run', async () => {
    const ran = await lifeline('run', '@fleet', '--', 'true');
    expect(ran.code).toBe(1);
    expect(ran.err).toContain(`box: No layer brought a result back`);
    expect(leaks(ran.err) || leaks(ran.out)).toBe(false);
  });

  it('blanks them in the layer states of links', async () => {
    const table = await lifeline('links', 'box');
    expect(table.out).toMatch(/^box\tbridge\t\w+\t[\d.]+ ms\ttoken /);
    expect(table.out).toContain(REDACTED);
    const json = await lifeline('links', '--json');
    expect(JSON.parse(json.out)).toMatchObject([{ server: 'box', layer: 'bridge', lastError: expect.stringContaining(REDACTED) }]);
    for (const printed of [table.out, table.err, json.out, json.err]) expect(leaks(printed)).toBe(false);
  });
});
