// Webhook ingest: signed GitHub push deliveries from wrk into `lifeline agent`, which verifies, filters and
// durably enqueues each one, against adnanh/webhook (Debian's `webhook`), which verifies, filters and
// starts a process per delivery. Both servers on one core, wrk on the other, in alternating turns.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signBody } from '../agent/http/signatures';
import { watchPeakRss } from './support/peak-rss';
import { recordBench } from './support/record';
import { AgentJobCounts, startLifelineAgent, type AgentUnderBench } from './support/webhook-agent';
import { githubPushBody } from './support/webhook-payload';
import { startAdnanhWebhook, type PeerWebhook } from './support/webhook-peer';
import { WrkLoad, type WrkResult } from './support/webhook-wrk';

const SERVER_CPU = 0;
const LOAD_CPU = 1;
const BODY_BYTES = 2048;
const CONCURRENCY = [1, 10, 50] as const;
const RUN_SECONDS = 10;
const WARMUP_SECONDS = 3;
const WARMUP_CONNECTIONS = 10;
const GOAL_RATIO_AT_50 = 5;
const GOAL_P99_MS = 25;
const GOAL_PEAK_MB = 150;

type Side = 'ours' | 'peer';

interface Turn {
  readonly side: Side;
  readonly connections: number;
  readonly tag: string;
  readonly result: WrkResult;
}

/** One signed delivery with its own id; resolves with the status. */
async function deliver(url: string, body: string, signature: string, deliveryId: string): Promise<number> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': deliveryId, 'x-hub-signature-256': signature },
    body,
  });
  await response.arrayBuffer();
  return response.status;
}

const ms = (value: number) => `${value < 100 ? value.toFixed(1) : value.toFixed(0)} ms`;

describe('webhook ingest', () => {
  let dir: string;
  let agent: AgentUnderBench | undefined;
  let peer: PeerWebhook | undefined;
  let counts: AgentJobCounts | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lifeline-bench-webhook-'));
    agent = await startLifelineAgent(join(dir, 'agent'), SERVER_CPU);
    peer = await startAdnanhWebhook(dir, agent.secret, SERVER_CPU);
  }, 240_000);

  afterAll(async () => {
    counts?.close();
    // Both are stopped even when one of them fails to stop cleanly; the first failure is reported.
    const stopped = await Promise.allSettled([agent?.server.stop(), peer?.server.stop()]);
    rmSync(dir, { recursive: true, force: true });
    const failure = stopped.find((outcome) => outcome.status === 'rejected');
    if (failure) throw failure.reason;
  }, 60_000);

  it('webhook ingest: lifeline agent vs adnanh/webhook, 2 KB signed push, c=1/10/50', async ({ task }) => {
    const ours = agent!;
    const theirs = peer!;
    const body = githubPushBody(BODY_BYTES);
    const signature = signBody(ours.secret, body);
    const urls: Record<Side, string> = { ours: ours.hookUrl, peer: theirs.hookUrl };

    // Both must take this delivery and refuse it with a wrong signature, or the figures mean nothing.
    const forged = signBody(`${ours.secret}-not`, body);
    expect(await deliver(ours.hookUrl, body, signature, 'check-1'), 'lifeline agent: a signed delivery to POST /hooks/example').toBe(202);
    expect(await deliver(ours.hookUrl, body, forged, 'check-2'), 'lifeline agent: a wrongly signed delivery').toBe(401);
    expect(await deliver(theirs.hookUrl, body, signature, 'check-1'), 'adnanh/webhook: a signed delivery').toBe(200);
    // adnanh/webhook reports a signature that does not match as an error evaluating its rules: 500.
    expect(await deliver(theirs.hookUrl, body, forged, 'check-2'), 'adnanh/webhook: a wrongly signed delivery').toBe(500);

    const load = new WrkLoad(dir, body, signature, LOAD_CPU);
    const turns: Turn[] = [];
    const run = async (side: Side, connections: number, seconds: number, tag: string) => {
      const result = await load.run({ url: urls[side], connections, seconds, tag });
      turns.push({ side, connections, tag, result });
    };
    const peaks = { ours: watchPeakRss(ours.server.pid), peer: watchPeakRss(theirs.server.pid) };
    let peakBytes: Record<Side, number>;
    try {
      // Node's JIT and SQLite's page cache settle during the warm-up; its turns are checked, not reported.
      await run('ours', WARMUP_CONNECTIONS, WARMUP_SECONDS, 'warmup');
      await run('peer', WARMUP_CONNECTIONS, WARMUP_SECONDS, 'warmup');
      for (const [index, connections] of CONCURRENCY.entries()) {
        const order: Side[] = index % 2 === 0 ? ['ours', 'peer'] : ['peer', 'ours'];
        for (const side of order) await run(side, connections, RUN_SECONDS, `c${connections}`);
      }
    } finally {
      peakBytes = { ours: peaks.ours.stop(), peer: peaks.peer.stop() };
    }

    // Stopped here, so every request the agent had received is answered and committed before counting.
    await ours.server.stop();
    await theirs.server.stop();
    for (const turn of turns) {
      const what = `${turn.side} at c=${turn.connections} (${turn.tag})`;
      expect(turn.result.refused, `${what}: responses with status ≥ 400`).toBe(0);
      expect(turn.result.socketErrors, `${what}: socket errors`).toBe(0);
      // The peer's tail is part of its figures (reported below); ours must answer every delivery in time.
      if (turn.side === 'ours') expect(turn.result.timeouts, `${what}: requests unanswered after 10 s`).toBe(0);
    }
    counts = new AgentJobCounts(ours.database);
    // wrk counts a response only if it arrived before the run's end; the requests still in flight then
    // (at most one per connection) may have been committed already, so a run may have up to that many
    // jobs more than 2xx answers — never fewer, which would be a delivery answered 202 and lost.
    const extra: string[] = [];
    for (const turn of turns.filter((each) => each.side === 'ours')) {
      const beyond = counts.ofRun(turn.tag) - (turn.result.requests - turn.result.refused);
      const what = `jobs minus 2xx answers at c=${turn.connections} (${turn.tag})`;
      expect(beyond, what).toBeGreaterThanOrEqual(0);
      expect(beyond, what).toBeLessThanOrEqual(turn.connections);
      extra.push(`${beyond} at c=${turn.connections}${turn.tag === 'warmup' ? ' (warm-up)' : ''}`);
    }
    const tags = new Set(turns.filter((each) => each.side === 'ours').map((each) => each.tag));
    const totals = counts.totals();
    expect(totals.deliveries).toBe(totals.jobs);
    expect(totals.jobs).toBe([...tags, 'check'].reduce((sum, tag) => sum + counts!.ofRun(tag), 0));

    const measured = (side: Side, connections: number) => {
      const turn = turns.find((each) => each.side === side && each.connections === connections && each.tag !== 'warmup');
      if (!turn) throw new Error(`No ${side} run at c=${connections} was recorded.`);
      return turn.result;
    };
    const at50 = { ours: measured('ours', 50), peer: measured('peer', 50) };
    const mb = (bytes: number) => bytes / 1e6;
    const latencies = CONCURRENCY.map((c) => {
      const [a, b] = [measured('ours', c), measured('peer', c)];
      const late = b.timeouts > 0 ? `, ${b.timeouts} unanswered after 10 s` : '';
      return `c=${c}: ours ${a.perSecond.toFixed(0)} req/s, p50 ${ms(a.p50Ms)}, p99 ${ms(a.p99Ms)}, max ${ms(a.maxMs)}; adnanh/webhook ${b.perSecond.toFixed(0)} req/s, p50 ${ms(b.p50Ms)}, p99 ${ms(b.p99Ms)}, max ${ms(b.maxMs)}${late}`;
    });
    recordBench(task, {
      rows: [
        ...CONCURRENCY.map((c) => ({
          benchmark: `webhook ingest vs adnanh/webhook, req/s at c=${c}`,
          unit: 'req/s' as const,
          lifeline: measured('ours', c).perSecond,
          peer: measured('peer', c).perSecond,
          ...(c === 50 ? { goal: { atLeast: GOAL_RATIO_AT_50 } } : {}),
        })),
        { benchmark: 'webhook ingest vs adnanh/webhook, p50 at c=50', unit: 'ms', lifeline: at50.ours.p50Ms, peer: at50.peer.p50Ms },
        { benchmark: 'webhook ingest vs adnanh/webhook, p99 at c=50', unit: 'ms', lifeline: at50.ours.p99Ms, peer: at50.peer.p99Ms, goal: { atMost: GOAL_P99_MS, absolute: true } },
        { benchmark: 'webhook ingest vs adnanh/webhook, peak RSS of the server', unit: 'MB', lifeline: mb(peakBytes.ours), peer: mb(peakBytes.peer), goal: { atMost: GOAL_PEAK_MB, absolute: true } },
      ],
      method:
        `wrk (one thread, \`taskset -c ${LOAD_CPU}\`, keep-alive) POSTs the same ${BODY_BYTES}-byte GitHub push payload to main, signed with X-Hub-Signature-256, ` +
        `each request with its own X-GitHub-Delivery (a Lua script: run tag, thread, counter), for ${RUN_SECONDS} s per concurrency. ` +
        `Lifeline: \`node bin/lifeline.cjs agent\` with the config \`lifeline agent init\` writes, its example site set to fifo and given one step that sleeps ` +
        `longer than the benchmark, so every delivery is verified, filtered and committed as a job (WAL, in the same transaction as its dedupe record) ` +
        `before its 202, and no deploy competes for the CPU. Peer: ${theirs.version} with a payload-hmac-sha256 rule on X-Hub-Signature-256 and the same ` +
        `event and branch filter, answering 200 after starting /bin/true per delivery (it queues nothing). Both servers \`taskset -c ${SERVER_CPU}\` ` +
        `(children included), both running throughout; after a ${WARMUP_SECONDS} s warm-up each, one run per side and concurrency, the order swapped at each concurrency. ` +
        `${latencies.join('; ')}. Checked: no status ≥ 400 and no socket error on either side, no request of ours unanswered after 10 s (wrk's timeout, GitHub's limit); in agent.db each run's jobs equal its 2xx answers, ` +
        `or exceed them by the requests in flight when wrk stopped (at most one per connection; here ${extra.join(', ')}); ${totals.jobs.toLocaleString('en')} jobs in all, every one waiting behind the parked first, so later runs meet a deeper queue. ` +
        `Peak RSS: VmRSS of the server process every 100 ms over all runs (adnanh/webhook's /bin/true children not counted). ` +
        `Goals: ≥ ${GOAL_RATIO_AT_50}× the peer's req/s at c=50, p99 ≤ ${GOAL_P99_MS} ms and peak RSS ≤ ${GOAL_PEAK_MB} MB absolute.`,
    });
  });
});
