// Issue 5, bulk: one command on 50 servers with at most 10 at once, as the command panel runs it
// (CommandRuns over the LinkManager), against the same 50 calls made straight with BridgeClient.
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BridgeClient } from '../agent/protocol/client';
import type { CommandRunEvent } from '../preload/api';
import { CommandRuns } from '../main/api/command-runs';
import { eachLimited } from '../main/links/each-limited';
import type { LinkManager } from '../main/links/manager';
import { alternate, timed } from './support/alternate';
import { openBenchDesktop, REQUESTED_BY, type BenchDesktop } from './support/link-desktop';
import { startLocalAgent, type LocalAgent } from './support/link-local-agent';
import { recordBench, type BenchRow } from './support/record';
import { quantile } from './support/stats';

const SERVERS = 50;
const CONCURRENCY = 10;
const WARMUP = 1;
const RUNS = 5;
const COMMAND = ['echo', 'bulk'];

describe('one command on 50 servers', () => {
  let dir: string;
  const agents: LocalAgent[] = [];
  const clients: BridgeClient[] = [];
  let desktop: BenchDesktop | undefined;
  let manager: LinkManager | undefined;
  let runs: CommandRuns | undefined;
  const servers: { serverId: string; serverName: string }[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lifeline-bench-bulk-'));
    desktop = await openBenchDesktop();
    for (let index = 0; index < SERVERS; index++) {
      const agentDir = join(dir, `agent-${index}`);
      mkdirSync(agentDir);
      const token = `bench-bulk-token-${index}-${randomUUID()}`;
      const agent = await startLocalAgent(agentDir, token);
      agents.push(agent);
      const serverName = `bulk-${String(index).padStart(2, '0')}`;
      // No SSH login is ever made: the bridge is the only layer, dialed on the agent's own port.
      const serverId = desktop.addServer({ name: serverName, host: '127.0.0.1', port: 22, user: 'bench' }, { agent: { host: '127.0.0.1', port: agent.port, tlsFingerprint: null }, layers: ['bridge'] }, token);
      servers.push({ serverId, serverName });
      clients.push(await BridgeClient.connect({ host: '127.0.0.1', port: agent.port, token, timeoutMs: 5000, client: 'bench-peer' }));
    }
    manager = desktop.linkManager({});
    runs = new CommandRuns(manager, { requestedBy: REQUESTED_BY });
  }, 120_000);
  afterAll(async () => {
    runs?.dispose();
    await manager?.dispose();
    desktop?.dispose();
    for (const client of clients) client.close();
    for (const agent of agents) await agent.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('bulk: 50 servers at concurrency 10 through the command panel\'s runs vs BridgeClient calls', async ({ task }) => {
    const panel = runs as CommandRuns;
    const delay = monitorEventLoopDelay({ resolution: 1 });
    const delays = { ours: [] as number[], peer: [] as number[] };
    const events = { count: 0, updates: 0 };
    /** Times `body` and notes the worst event-loop delay this process saw meanwhile, in ms. */
    const watched = async (side: 'ours' | 'peer', body: () => Promise<void>): Promise<number> => {
      delay.reset();
      delay.enable();
      const ms = await timed(body);
      delay.disable();
      delays[side].push(delay.max / 1e6);
      return ms;
    };
    const samples = await alternate({
      warmup: WARMUP,
      runs: RUNS,
      ours: () =>
        watched('ours', async () => {
          const results = new Map<string, { exitCode: number | null; stdout: string; layer: string | null }>();
          let runId = '';
          const done = new Promise<void>((resolve) => {
            const off = panel.onEvent((event: CommandRunEvent) => {
              if (event.runId !== runId) return;
              events.count++;
              events.updates += event.updates.length;
              for (const update of event.updates) if (update.kind === 'result') results.set(update.serverId, update.result);
              if (event.done) {
                off();
                resolve();
              }
            });
          });
          runId = panel.start({ servers, request: { argv: COMMAND }, concurrency: CONCURRENCY }).runId;
          await done;
          const wrong = servers.filter(({ serverId }) => {
            const result = results.get(serverId);
            return result?.exitCode !== 0 || result.stdout !== 'bulk\n' || result.layer !== 'bridge';
          });
          if (wrong.length > 0) throw new Error(`${wrong.length} of ${SERVERS} servers did not answer \`echo bulk\` over the bridge: ${wrong.map((server) => server.serverName).join(', ')}`);
        }),
      peer: () =>
        watched('peer', async () => {
          await eachLimited(clients, CONCURRENCY, async (client) => {
            const result = await client.call('run', { commandId: randomUUID(), argv: COMMAND });
            if (result.exitCode !== 0 || result.stdout !== 'bulk\n') throw new Error(`A peer call ended ${JSON.stringify(result)}`);
          });
        }),
    });
    for (const agent of agents) expect(agent.warnings()).toBe('');
    const rounds = WARMUP + RUNS;
    const rows: BenchRow[] = [
      { benchmark: `bulk: \`echo\` on ${SERVERS} servers at concurrency ${CONCURRENCY}, total time, median`, unit: 'ms', lifeline: quantile(samples.ours, 0.5), peer: quantile(samples.peer, 0.5) },
      { benchmark: `bulk: \`echo\` on ${SERVERS} servers at concurrency ${CONCURRENCY}, total time, slowest run`, unit: 'ms', lifeline: Math.max(...samples.ours), peer: Math.max(...samples.peer) },
      { benchmark: `bulk: longest event-loop stall of the desktop process during a run, median of runs`, unit: 'ms', lifeline: quantile(delays.ours.slice(WARMUP), 0.5), peer: quantile(delays.peer.slice(WARMUP), 0.5) },
    ];
    recordBench(task, {
      rows,
      method: `${SERVERS} agents, each the real BridgeServer and CommandExecutor with a SQLite ledger of its own, on ${SERVERS} loopback ports of this process (no sshd: the bridge is each server's only layer). Lifeline: CommandRuns.start (the command panel's engine: LinkManager.run per server through eachLimited at ${CONCURRENCY}, the desktop ledger written per command and attempt, the agent token read from the unlocked vault per command, updates batched every 50 ms), timed until the event that says the run is done; every server's result checked (exit 0, \`bulk\` on stdout, over the bridge). ${(events.count / rounds).toFixed(1)} events a run carrying ${(events.updates / rounds).toFixed(0)} updates. Peer: the same command sent with BridgeClient.call('run') on ${SERVERS} connections opened beforehand, ${CONCURRENCY} at once, nothing recorded on the desktop side: the floor set by the agents themselves. The stall row: the longest event-loop delay (monitorEventLoopDelay, 1 ms resolution) in this process during each run; the agents share the process, so it counts their work too and over-states what a desktop would see. ${RUNS} runs a side after ${WARMUP} warm-up round${WARMUP === 1 ? '' : 's'}, alternating. No goal in the issue beyond the UI staying responsive (the e2e test's part).`,
    });
  });
});
