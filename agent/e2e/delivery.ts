import { request, type IncomingMessage } from 'node:http';
import { readAll } from '../http/testing';
import { signBody } from '../http/signatures';

export interface Push {
  hookId: string;
  secret: string;
  deliveryId: string;
  commit: string;
  branch?: string;
}

export interface DeliveryAnswer {
  status: number;
  body: { status?: string; jobId?: number; position?: number; [key: string]: unknown };
}

/**
 * POSTs a signed generic push to an agent's /hooks/<id> over a connection of its own (no keep-alive
 * pool), so that concurrent calls really arrive concurrently and nothing stays open afterwards.
 */
export async function sendPush(agentUrl: string, push: Push): Promise<DeliveryAnswer> {
  const body = JSON.stringify({ ref: `refs/heads/${push.branch ?? 'main'}`, commit: push.commit, repository: 'acme/web', sender: 'e2e' });
  const url = new URL(`/hooks/${push.hookId}`, agentUrl);
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = request(url, {
      method: 'POST',
      agent: false,
      headers: {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        'x-delivery-id': push.deliveryId,
        'x-signature-256': signBody(push.secret, body),
      },
    });
    req.once('response', resolve);
    req.once('error', reject);
    req.end(body);
  });
  const text = await readAll(response);
  return { status: response.statusCode ?? 0, body: JSON.parse(text) as DeliveryAnswer['body'] };
}
