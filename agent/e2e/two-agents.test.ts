import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../deploy/testing/processes';
import { commitOf } from '../queue/testing/queue-fixture';
import { sendPush } from './delivery';
import { agentWorld } from './world';
import type { SiteConfigFile } from './workspace';

const world = agentWorld();

const SITES = 50;
const JOBS_PER_SITE = 3;
// One line when the step starts and one when it ends, with the time in nanoseconds and the agent that
// runs it (AGENT_NAME is in that agent's environment, which its steps inherit). Lines this short are
// appended whole (O_APPEND), so the file's order is the order things happened in.
const STEP = [
  'echo $$ >> "$STEP_PIDS"',
  'echo "$LIFELINE_SITE $LIFELINE_JOB_ID start $(date +%s%N) $AGENT_NAME" >> "$TIMELINE"',
  'sleep 0.05',
  'echo "$LIFELINE_SITE $LIFELINE_JOB_ID end $(date +%s%N) $AGENT_NAME" >> "$TIMELINE"',
].join('; ');

interface Mark {
  site: string;
  job: number;
  event: 'start' | 'end';
  at: bigint;
  agent: string;
}

describe('two agent processes on one database', () => {
  it('claim no job twice and never deploy one site twice at once', async () => {
    const sites: SiteConfigFile[] = Array.from({ length: SITES }, (_, n) => ({
      id: `site-${n}`,
      dir: join(world.workspace.dir, 'sites', `site-${n}`),
      repository: join(world.workspace.dir, 'upstream'),
      branches: { main: 'production' },
      queue: 'fifo',
      steps: [{ kind: 'command', argv: ['sh', '-c', STEP], env: { TIMELINE: world.workspace.file('timeline') } }],
    }));
    world.workspace.writeConfig({
      hooks: sites.map((site) => world.workspace.hook(`hook-${site.id}`, site.id)),
      sites,
      // Above the number of sites, so one site at a time is the only limit. With a lower shared limit, the
      // agent that wakes first can refill every freed slot before the other polls and do all the work
      // (the limit across two database handles is tested in claim.test.ts). Here each agent claims the
      // job its own delivery just committed, so both deploy.
      queue: { concurrency: 64 },
    });
    // The same config, so the same data dir and database; each listens on a port of its own.
    const first = await world.agents.start(world.workspace.configFile, { ...world.workspace.env, AGENT_NAME: 'first' });
    const second = await world.agents.start(world.workspace.configFile, { ...world.workspace.env, AGENT_NAME: 'second' });
    const { queue } = world.workspace.openQueue();

    const pushes = sites.flatMap((site, n) =>
      Array.from({ length: JOBS_PER_SITE }, (_, k) => ({ site: site.id, deliveryId: `${site.id}-${k}`, commit: commitOf(n * JOBS_PER_SITE + k + 1) })),
    );
    // Half the deliveries reach each agent, so each has jobs to wake up for.
    const answers = await Promise.all(
      pushes.map((push, n) =>
        sendPush(n % 2 === 0 ? first.url : second.url, { hookId: `hook-${push.site}`, secret: world.workspace.secret, deliveryId: push.deliveryId, commit: push.commit }),
      ),
    );
    expect(answers.map((answer) => answer.status)).toEqual(pushes.map(() => 202));
    const total = pushes.length;

    const finished = () => {
      const counts = queue.counts();
      return counts.succeeded + counts.dead + counts.cancelled === total;
    };
    await waitFor(`all ${total} jobs to finish`, finished, 60_000);
    expect(queue.counts()).toMatchObject({ succeeded: total });

    const marks: Mark[] = world.workspace.lines('timeline').map((line) => {
      const [site, job, event, at, agent] = line.split(' ');
      return { site, job: Number(job), event: event as Mark['event'], at: BigInt(at), agent };
    });
    // Every job started and ended exactly once: no job was claimed twice.
    const jobIds = answers.map((answer) => Number(answer.body.jobId));
    expect(marks.filter((mark) => mark.event === 'start').map((mark) => mark.job).sort((a, b) => a - b)).toEqual([...jobIds].sort((a, b) => a - b));
    expect(marks.filter((mark) => mark.event === 'end').map((mark) => mark.job).sort((a, b) => a - b)).toEqual([...jobIds].sort((a, b) => a - b));
    for (const id of jobIds) expect(queue.get(id)?.attempts).toBe(1);

    // Per site, each deploy ends before the next one starts, in the file's order and by the clock.
    for (const site of sites) {
      const ofSite = marks.filter((mark) => mark.site === site.id);
      expect(ofSite.map((mark) => mark.event)).toEqual(Array.from({ length: JOBS_PER_SITE }, () => ['start', 'end']).flat());
      for (let n = 0; n < ofSite.length; n += 2) {
        expect(ofSite[n + 1].job).toBe(ofSite[n].job);
        if (n > 0) expect(ofSite[n].at >= ofSite[n - 1].at).toBe(true);
      }
    }
    // Both agents did deploy, so the two really shared the work.
    expect(new Set(marks.map((mark) => mark.agent))).toEqual(new Set(['first', 'second']));
  });
});
