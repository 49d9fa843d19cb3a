// Helpers for tests of the agent's HTTP side.
import { once } from 'node:events';
import { request, type Agent as HttpAgent, type ClientRequest, type IncomingMessage } from 'node:http';
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
 * A stand-in for the job queue's enqueueDelivery in tests of ingress: it remembers (hook, delivery) pairs
 * so that a repeated delivery is a duplicate, and answers busy for reject-if-busy sites while
 * `state.runningJobId` is set. Every call is kept in `calls`.
 */
export function memoryQueue() {
  const calls: DeliveryInput[] = [];
  const jobs = new Map<string, number>();
  const state: { runningJobId?: number } = {};
  const enqueue: EnqueueDelivery = (input) => {
    calls.push(input);
    const key = JSON.stringify([input.hookId, input.deliveryId]);
    const earlier = jobs.get(key);
    if (earlier !== undefined) return { status: 'duplicate', jobId: earlier };
    if (input.policy === 'reject-if-busy' && state.runningJobId !== undefined) return { status: 'busy', runningJobId: state.runningJobId };
    const jobId = jobs.size + 1;
    jobs.set(key, jobId);
    return { status: 'accepted', jobId, position: 1 };
  };
  return { calls, state, enqueue };
}
