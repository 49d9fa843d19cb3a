import { connect } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from '../deploy/testing/processes';
import { BridgeClient } from '../protocol/client';
import { LineReader, toLine } from '../protocol/lines';
import { agentMessageSchema, DEFAULT_MAX_FRAME_BYTES, METHOD_NAMES, refusedResult, type CommandResult, type RunParams } from '../protocol/messages';
import type { BridgeServer } from './server';
import { startBridge, testHandlers, TEST_TOKEN } from './testing';

// 10,000 hostile frames from many connections while one well-behaved client keeps pinging: every answer
// the agent gives must be a valid frame, the good client must never fail, and memory must stay bounded.

const FRAMES = 10_000;
const PARALLEL = 16;
const SEED = Number(process.env.BRIDGE_FUZZ_SEED ?? Date.now() % 2 ** 31);

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** mulberry32: a small seeded generator, so a failing run can be repeated with BRIDGE_FUZZ_SEED. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

const random = generator(SEED);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const int = (max: number) => Math.floor(random() * max);
const text = (length: number) => Array.from({ length }, () => String.fromCharCode(32 + int(95))).join('');
const junk = (): unknown => pick([null, true, -1, 1.5, 2 ** 60, 'x', text(int(40)), [], [1, 'a'], {}, { a: { b: [] } }, '\u0000', 'é'.repeat(int(50))]);

/** One hostile frame (bytes, usually ending in a newline). */
const makers: (() => string | Buffer)[] = [
  () => `${text(int(200))}\n`, // not JSON
  () => Buffer.concat([Buffer.from(Array.from({ length: int(300) }, () => int(256))), Buffer.from('\n')]), // random bytes
  () => `${JSON.stringify(junk())}\n`, // JSON that is not a message
  () => toLine({ type: pick(['call', 'hello', 'result', 'shout', 5, null]), id: junk(), method: junk(), params: junk() }), // wrong types
  () => toLine({ type: 'call', id: int(1000), method: `${text(int(10))}.${text(int(10))}` }), // unknown methods
  () => toLine({ type: 'call', id: int(1000), method: pick(METHOD_NAMES), params: pick([junk(), { commandId: text(int(20)), argv: junk() }, { session: '$(reboot)', keys: 1 }]) }), // bad params
  () => toLine({ type: 'hello', versions: pick([[1], [0], [2, 3], junk()]), token: pick([text(int(30)), TEST_TOKEN.slice(0, -1), `${TEST_TOKEN}x`, '']) }), // bad tokens
  () => toLine({ type: 'call', id: int(5), method: 'ping', params: {} }), // valid (before hello: unauthorized)
  () => `${'['.repeat(20_000)}${']'.repeat(20_000)}\n`, // deep nesting
];
const huge = () => `${'h'.repeat(DEFAULT_MAX_FRAME_BYTES + 1 + int(64 * 1024))}\n`;

/** One hostile connection: maybe a valid hello first, then `count` frames in random slices; resolves with what the agent sent. */
function hostileSession(port: number, count: number): Promise<{ lines: string[]; tooLong: number }> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const reader = new LineReader(64 * 1024 * 1024);
    const lines: string[] = [];
    let tooLong = 0;
    socket.on('data', (chunk: Buffer) => {
      for (const event of reader.push(chunk)) {
        if (event.kind === 'line') lines.push(event.text);
        else tooLong += 1;
      }
    });
    socket.on('error', () => undefined);
    const limit = setTimeout(() => socket.destroy(), 15_000);
    socket.once('close', () => {
      clearTimeout(limit);
      resolve({ lines, tooLong });
    });
    socket.once('connect', () => {
      const parts: (string | Buffer)[] = random() < 0.6 ? [toLine({ type: 'hello', versions: [1], token: TEST_TOKEN })] : [];
      for (let index = 0; index < count; index += 1) parts.push(random() < 0.005 ? huge() : (pick(makers)() as string | Buffer));
      const bytes = Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part) : part)));
      // TCP slices arbitrarily; so do we, to reach the reader's joins.
      let offset = 0;
      while (offset < bytes.length) {
        const size = random() < 0.5 ? bytes.length - offset : 1 + int(4096);
        socket.write(bytes.subarray(offset, offset + size));
        offset += size;
      }
      socket.end();
    });
  });
}

const servers: BridgeServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close(0)));
});

describe('bridge fuzz', () => {
  it(`survives ${FRAMES} hostile frames while serving a valid client (seed ${SEED})`, { timeout: 180_000 }, async () => {
    const refuse = async (params: RunParams): Promise<CommandResult> => refusedResult(params.commandId, 'fuzzing: nothing runs', new Date());
    const started = await startBridge({ limits: { helloTimeoutMs: 5_000 } }, testHandlers({ run: refuse }));
    servers.push(started.server);

    const good = await BridgeClient.connect({ host: '127.0.0.1', port: started.port, token: TEST_TOKEN, timeoutMs: 5_000 });
    await good.call('ping', {});
    gc();
    const baseline = process.memoryUsage();

    let sending = true;
    let pings = 0;
    const pinger = (async () => {
      while (sending) {
        await good.call('ping', {}, { timeoutMs: 10_000 });
        pings += 1;
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    })();

    let sent = 0;
    let sessions = 0;
    const answers: string[] = [];
    let peakHeap = 0;
    const worker = async () => {
      while (sent < FRAMES) {
        const count = Math.min(1 + int(12), FRAMES - sent);
        sent += count;
        sessions += 1;
        const { lines, tooLong } = await hostileSession(started.port, count);
        expect(tooLong, 'the agent sent an over-long line').toBe(0);
        answers.push(...lines);
        peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
      }
    };
    await Promise.all(Array.from({ length: PARALLEL }, worker));
    sending = false;
    await pinger;

    // Every byte the agent sent was a protocol frame; the hostile ones were all answered with errors.
    const parsed = answers.map((line) => agentMessageSchema.safeParse(JSON.parse(line)));
    expect(parsed.filter((result) => !result.success)).toEqual([]);
    expect(answers.length).toBeGreaterThan(sessions);
    expect(pings).toBeGreaterThan(0);
    // Refused connections linger up to 2 s after their last answer so that it is read, not reset away.
    await waitFor('every hostile connection to be gone', () => started.server.clients === 1);
    await expect(good.call('status', {})).resolves.toMatchObject({ bridgeClients: 1 });

    gc();
    const after = process.memoryUsage();
    const grownMiB = (after.heapUsed - baseline.heapUsed) / 2 ** 20;
    expect(grownMiB, `heap grew by ${grownMiB.toFixed(1)} MiB (seed ${SEED})`).toBeLessThan(32);
    // The test itself builds frames of over 1 MiB; the agent must never hold many of them at once.
    expect((peakHeap - baseline.heapUsed) / 2 ** 20).toBeLessThan(256);
    good.close();
  });
});
