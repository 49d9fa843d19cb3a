// Issue 5, the bridge layer: a ping and a `run true` through the desktop's BridgeAdapter to the agent's
// BridgeServer and CommandExecutor, against a plain JSON-lines echo and a bare process start.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BridgeAdapter } from '../main/links/adapters/bridge';
import type { LinkTarget } from '../main/links/adapters/layer';
import { alternate, timed } from './support/alternate';
import { startEchoPeer, type EchoPeer } from './support/link-echo';
import { startLocalAgent, type LocalAgent } from './support/link-local-agent';
import { p50p99Rows, spread } from './support/link-rows';
import { recordBench } from './support/record';

const TOKEN = 'bench-bridge-token-0123456789abcdef';
const PING = { warmup: 500, runs: 3000 };
const RUN = { warmup: 30, runs: 300 };

describe('bridge layer round trips', () => {
  let dir: string;
  let agent: LocalAgent | undefined;
  let echo: EchoPeer | undefined;
  const adapter = new BridgeAdapter({ connectTimeoutMs: 2000, client: 'bench' });
  let target: LinkTarget;
  const signal = new AbortController().signal;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lifeline-bench-bridge-'));
    agent = await startLocalAgent(dir, TOKEN);
    echo = await startEchoPeer();
    target = { serverId: 'bench', agent: { host: '127.0.0.1', port: agent.port, token: TOKEN }, remoteCommand: [] };
  });
  afterAll(async () => {
    adapter.dispose();
    await echo?.close();
    await agent?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('bridge ping: BridgeAdapter → BridgeServer vs a plain JSON-lines echo', async ({ task }) => {
    const peer = echo as EchoPeer;
    const samples = await alternate({
      ...PING,
      ours: () => timed(() => adapter.probe(target, signal)),
      peer: () => timed(() => peer.roundTrip()),
    });
    expect(agent?.warnings()).toBe('');
    recordBench(task, {
      rows: p50p99Rows('bridge `ping` round trip vs a Node JSON-lines echo', samples, { atMost: 0.3, absolute: true }),
      method: `both servers and their clients in this one Node process on 127.0.0.1, TCP_NODELAY on both ends, one connection each opened beforehand. Lifeline: BridgeAdapter.probe (a \`ping\` call of BridgeClient, the connection the adapter keeps per server) answered by BridgeServer with the agent's method dispatcher, token hello done once. Peer: a line echoed back by a bare \`net\` server (the same LineReader framing, no schemas, no dispatch). ${PING.runs} runs a side after ${PING.warmup} warm-up rounds, alternating. Ours ${spread(samples.ours)}; peer ${spread(samples.peer)}. Goal: p50 ≤ 0.3 ms absolute.`,
    });
  });

  it('bridge `run true`: BridgeAdapter → BridgeServer → CommandExecutor vs spawning `true`', async ({ task }) => {
    const samples = await alternate({
      ...RUN,
      ours: () =>
        timed(async () => {
          const result = await adapter.run(target, { commandId: randomUUID(), argv: ['true'] }, signal);
          if (result.exitCode !== 0 || result.replayed) throw new Error(`run true over the bridge ended ${JSON.stringify(result)}`);
        }),
      peer: () =>
        timed(async () => {
          const child = spawn('true', [], { stdio: 'ignore' });
          const [code] = (await once(child, 'exit')) as [number | null];
          if (code !== 0) throw new Error(`true exited with ${code}`);
        }),
    });
    expect(agent?.warnings()).toBe('');
    recordBench(task, {
      rows: p50p99Rows('bridge `run true` round trip vs spawning `true` here', samples, { atMost: 5, absolute: true }),
      method: `as the ping, with a new command id per run: the executor records the id in its SQLite ledger (WAL, a file in a temp folder) before spawning \`true\` without a shell, records the result, and the bridge sends it back. Peer: child_process.spawn of \`true\` in this process until its exit, the floor of any layer that starts a process. ${RUN.runs} runs a side after ${RUN.warmup} warm-up rounds, alternating. Ours ${spread(samples.ours)}; peer ${spread(samples.peer)}. Goal: p50 ≤ 5 ms absolute.`,
    });
  });
});
