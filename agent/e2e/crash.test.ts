import { watch } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../deploy/testing/processes';
import { commitOf } from '../queue/testing/queue-fixture';
import type { AgentProcess } from './agent-process';
import { agentWorld } from './world';

const world = agentWorld();

const JOBS = 500;
const KILL_AFTER = 150;

/** SIGKILLs the agent the moment `ready` holds, checked on every change in the world.workspace folder. */
function killWhen(agent: AgentProcess, ready: () => boolean, limitMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const watcher = watch(world.workspace.dir, () => {
      if (!ready()) return;
      // Sent right here, while the step that just wrote is most likely still running.
      void agent.kill();
      watcher.close();
      clearTimeout(timer);
      resolve();
    });
    const timer = setTimeout(() => {
      watcher.close();
      reject(new Error(`the agent did not get that far within ${limitMs / 1000} s; its output:\n${agent.output()}`));
    }, limitMs);
  });
}

describe('an agent killed with SIGKILL in the middle of 500 queued deploys', () => {
  it('runs every job exactly once after a restart, and every job ends succeeded', async () => {
    world.workspace.writeConfig({
      sites: [
        {
          id: 'crash',
          dir: join(world.workspace.dir, 'site'),
          repository: join(world.workspace.dir, 'upstream'),
          branches: { main: 'production' },
          queue: 'fifo',
          steps: [{ kind: 'command', argv: ['sh', '-c', 'echo "$LIFELINE_JOB_ID" >> "$RAN"; sleep 0.02'], env: { RAN: world.workspace.file('ran') } }],
        },
      ],
      // The shortest lease the config allows: the killed agent's job is taken back soonest.
      queue: { leaseSeconds: 10 },
    });
    const { queue } = world.workspace.openQueue();
    const ids: number[] = [];
    for (let n = 1; n <= JOBS; n += 1) {
      const outcome = queue.enqueueManual({
        policy: 'fifo',
        request: { siteId: 'crash', environment: 'production', repository: 'acme/crash', branch: 'main', commit: commitOf(n), event: 'push' },
      });
      if (outcome.status !== 'accepted') throw new Error(`job ${n} was not queued: ${JSON.stringify(outcome)}`);
      ids.push(outcome.jobId);
    }

    const doomed = await world.agents.start(world.workspace.configFile, world.workspace.env);
    await killWhen(doomed, () => world.workspace.lines('ran').length >= KILL_AFTER, 60_000);
    expect(await doomed.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(world.workspace.lines('ran').length).toBeLessThan(JOBS);

    await world.agents.start(world.workspace.configFile, world.workspace.env);
    const finished = () => {
      const counts = queue.counts();
      return counts.succeeded + counts.dead + counts.cancelled === JOBS;
    };
    await waitFor(`all ${JOBS} jobs to finish after the restart`, finished, 75_000);

    const ran = world.workspace.lines('ran').map(Number);
    const twice = ran.filter((id, index) => ran.indexOf(id) !== index);
    expect(twice, 'job ids whose step ran more than once').toEqual([]);
    expect([...ran].sort((a, b) => a - b)).toEqual(ids);
    expect(queue.counts()).toMatchObject({ succeeded: JOBS, queued: 0, running: 0, failed: 0, dead: 0, cancelled: 0 });
  }, 150_000);
});
