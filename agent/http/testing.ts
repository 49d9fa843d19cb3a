// Helpers for tests of the agent's HTTP side.
import { once } from 'node:events';
import { request, type Agent as HttpAgent, type ClientRequest, type IncomingMessage } from 'node:http';
import { JobQueue } from '../queue/job-queue';
import type { Database } from '../store/sqlite';
import type { DeliveryInput, EnqueueDelivery } from './enqueue';

export async function readAll(response: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of response) text += chunk;
  return text;
}

/**
 * Sends the headers of GET /health with a 5-byte body still to come, and resolves once the server has
 * parsed them: it acknowledges "Expect: 100-continue" only then. So the request is surely in flight on
 * the server's side, without any sleep. Finish it with `req.end('hello')`.
 */
export async function startSlowRequest(port: number, agent: HttpAgent | false = false): Promise<ClientRequest> {
  const req = request({
    host: '127.0.0.1',
    port,
    path: '/health',
    agent,
    headers: { expect: '100-continue', 'content-length': '5' },
  });
  await once(req, 'continue');
  return req;
}

/**
 * The real job queue on `db` (opened with the agent's migrations), recording each delivery ingress
 * handed it, so tests can assert on what arrived as well as on what the queue answered.
 */
export function recordingQueue(db: Database) {
  const queue = new JobQueue(db);
  const calls: DeliveryInput[] = [];
  const enqueue: EnqueueDelivery = (input) => {
    calls.push(input);
    return queue.enqueueDelivery(input);
  };
  /** Makes a site busy with a deploy of its own, claimed and running; returns that job's id. */
  const occupy = (siteId: string): number => {
    const request = { siteId, environment: 'production', repository: 'test', branch: 'main', commit: 'f'.repeat(40), event: 'manual' };
    queue.enqueueManual({ policy: 'fifo', request });
    const job = queue.claim('test-worker', { concurrency: 1_000 });
    if (!job || job.siteId !== siteId) throw new Error(`could not make ${siteId} busy`);
    return job.id;
  };
  return { calls, enqueue, queue, occupy };
}
