import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TestRepository } from '../deploy/testing/git-repo';
import { readPids, waitFor } from '../deploy/testing/processes';
import { sendPush } from './delivery';
import { agentWorld } from './world';

const world = agentWorld();

// The deploy records its commit, then holds the site until the test creates the GO file.
const SLOW_DEPLOY = 'echo $$ >> "$STEP_PIDS"; echo "$LIFELINE_JOB_ID $LIFELINE_COMMIT" >> "$DEPLOYED"; while [ ! -e "$GO" ]; do sleep 0.05; done';

describe('pushes to a site that is busy deploying, through HTTP', () => {
  it('leave the running deploy plus one waiting deploy of the newest commit; the others are replaced', async () => {
    const upstream = new TestRepository(join(world.workspace.dir, 'upstream'));
    const commits = Array.from({ length: 11 }, (_, n) => upstream.commit({ 'version.txt': `${n}\n` }, `version ${n}`));
    world.workspace.writeConfig({
      hooks: [world.workspace.hook('push', 'web')],
      sites: [
        {
          id: 'web',
          dir: join(world.workspace.dir, 'site'),
          repository: upstream.dir,
          branches: { main: 'production' },
          queue: 'coalesce-latest',
          steps: [
            { kind: 'git' },
            { kind: 'command', argv: ['sh', '-c', SLOW_DEPLOY], env: { DEPLOYED: world.workspace.file('deployed'), GO: world.workspace.file('go') } },
          ],
        },
      ],
    });
    const agent = await world.agents.start(world.workspace.configFile, world.workspace.env);
    const { queue } = world.workspace.openQueue();
    const push = (n: number) => sendPush(agent.url, { hookId: 'push', secret: world.workspace.secret, deliveryId: `delivery-${n}`, commit: commits[n] });

    const first = await push(0);
    expect(first).toMatchObject({ status: 202, body: { status: 'accepted', position: 1 } });
    const running = Number(first.body.jobId);
    await waitFor('the first deploy to reach its slow step', () => readPids(world.workspace.stepPids).length === 1, 30_000);

    const answers = [];
    for (let n = 1; n <= 10; n += 1) answers.push(await push(n));
    // Each push replaced the one before it, so each was next in line when it came.
    for (const answer of answers) expect(answer).toMatchObject({ status: 202, body: { status: 'accepted', position: 1 } });
    const pushed = answers.map((answer) => Number(answer.body.jobId));
    const newest = pushed[9];

    expect(queue.get(running)).toMatchObject({ state: 'running', request: { commit: commits[0] } });
    expect(queue.list({ siteId: 'web', state: 'queued' }).map((job) => [job.id, job.request.commit])).toEqual([[newest, commits[10]]]);
    const replaced = pushed.slice(0, 9).map((id) => queue.get(id));
    expect(replaced.map((job) => [job?.state, job?.lastError])).toEqual(pushed.slice(1).map((by) => ['cancelled', `replaced by job ${by}`]));

    writeFileSync(world.workspace.file('go'), '');
    await waitFor('both deploys to finish', () => queue.get(newest)?.state === 'succeeded', 30_000);
    expect(queue.get(running)?.state).toBe('succeeded');
    expect(world.workspace.lines('deployed')).toEqual([`${running} ${commits[0]}`, `${newest} ${commits[10]}`]);
    expect(queue.counts()).toMatchObject({ succeeded: 2, cancelled: 9, queued: 0, running: 0 });
  });
});
