// Helpers for tests that talk to a listening agent over real HTTP.
import { once } from 'node:events';
import { request, type Agent as HttpAgent, type ClientRequest, type IncomingMessage } from 'node:http';

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
