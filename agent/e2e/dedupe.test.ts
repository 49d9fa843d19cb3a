import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TestRepository } from '../deploy/testing/git-repo';
import { waitFor } from '../deploy/testing/processes';
import { sendPush } from './delivery';
import { agentWorld } from './world';

const world = agentWorld();

describe('a real agent process taking the same delivery 100 times at once', () => {
  it('makes exactly one job: one 202 accepted, 99 × 200 duplicate', async () => {
    const upstream = new TestRepository(join(world.workspace.dir, 'upstream'));
    const commit = upstream.commit({ 'index.html': 'hello\n' });
    world.workspace.writeConfig({
      hooks: [world.workspace.hook('push', 'web')],
      sites: [
        {
          id: 'web',
          dir: join(world.workspace.dir, 'site'),
          repository: upstream.dir,
          branches: { main: 'production' },
          steps: [
            { kind: 'git' },
            { kind: 'command', argv: ['sh', '-c', 'echo "$LIFELINE_JOB_ID $LIFELINE_COMMIT" >> "$DEPLOYED"'], env: { DEPLOYED: world.workspace.file('deployed') } },
          ],
        },
      ],
    });
    const agent = await world.agents.start(world.workspace.configFile, world.workspace.env);

    const push = { hookId: 'push', secret: world.workspace.secret, deliveryId: 'same-delivery-1', commit };
    const answers = await Promise.all(Array.from({ length: 100 }, () => sendPush(agent.url, push)));

    const accepted = answers.filter((answer) => answer.status === 202);
    expect(accepted).toHaveLength(1);
    expect(accepted[0].body).toMatchObject({ status: 'accepted', deliveryId: 'same-delivery-1', jobId: expect.any(Number) });
    const jobId = accepted[0].body.jobId;
    const duplicates = answers.filter((answer) => answer.status === 200);
    expect(duplicates).toHaveLength(99);
    for (const duplicate of duplicates) expect(duplicate.body).toEqual({ status: 'duplicate', deliveryId: 'same-delivery-1', jobId });

    const { db, queue } = world.workspace.openQueue();
    expect(db.prepare('SELECT count(*) FROM jobs').pluck().get()).toBe(1);
    expect(queue.deliveries()).toEqual([expect.objectContaining({ hookId: 'push', deliveryId: 'same-delivery-1', jobId })]);
    // And that one job deploys, once.
    await waitFor(`job ${jobId} to succeed`, () => queue.get(Number(jobId))?.state === 'succeeded', 30_000);
    expect(world.workspace.lines('deployed')).toEqual([`${jobId} ${commit}`]);
  });
});
