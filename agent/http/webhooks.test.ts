import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildAgent, type Agent, type InjectRequest } from '../app';
import { loadAgentConfig } from '../config';
import { listenAgent } from '../listen';
import { agentMigrations } from '../migrations';
import { openDatabase, type Database } from '../store/sqlite';
import { signBody } from './signatures';
import { readAll, recordingQueue } from './testing';

const SHA = '6113728f27ae82c7b1a177c8d03f9e96e0adf246';
const GITHUB_SECRET = 'github webhook secret';
const GITLAB_TOKEN = 'gitlab-token-123';
const BITBUCKET_SECRET = 'bitbucket secret';
const GENERIC_SECRET = 'generic secret';

const CONFIG = `
dataDir: data
hooks:
  - id: gh
    source: github
    secret: file:gh.secret
    filters: { branch: [main, staging, dev], repository: ["acme/*"] }
    site: shop
    priority: 5
  - id: gl
    source: gitlab
    secret: env:GITLAB_TOKEN
    site: shop
  - id: bb
    source: bitbucket
    secret: file:bb.secret
    site: shop
  - id: ci
    source: generic
    secret: file:ci.secret
    events: [push, release]
    site: api
  - id: limited
    source: github
    secret: file:gh.secret
    rateLimit: { perMinute: 2 }
    site: shop
  - id: strict
    source: github
    secret: file:gh.secret
    rateLimit: { perMinute: 1, loopback: true }
    site: shop
  - id: office
    source: github
    secret: file:gh.secret
    allow: [198.51.100.0/24, 2001:db8::/32]
    site: shop
sites:
  - id: shop
    dir: sites/shop
    repository: https://git.example/acme/shop.git
    branches: { main: production, staging: staging }
    steps: [{ kind: git }]
  - id: api
    dir: sites/api
    repository: /srv/git/api.git
    branches: { main: production }
    queue: reject-if-busy
    steps: [{ kind: git }]
`;

let dir: string;
let db: Database;
let agent: Agent;
let queue: ReturnType<typeof recordingQueue>;
let security: string[];
let clock: number;
let deliveries = 0;

function start(extra = '') {
  writeFileSync(join(dir, 'agent.yaml'), CONFIG + extra);
  const config = loadAgentConfig(join(dir, 'agent.yaml'), {}, { GITLAB_TOKEN });
  db = openDatabase({ path: join(config.dataDir, 'agent.db'), migrations: agentMigrations });
  queue = recordingQueue(db);
  agent = buildAgent({ config, db, enqueue: queue.enqueue, securityLog: (line) => security.push(line), now: () => clock });
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lifeline-webhooks-'));
  writeFileSync(join(dir, 'gh.secret'), `${GITHUB_SECRET}\n`);
  writeFileSync(join(dir, 'bb.secret'), BITBUCKET_SECRET);
  writeFileSync(join(dir, 'ci.secret'), GENERIC_SECRET);
  security = [];
  clock = Date.parse('2025-01-01T00:00:00Z');
  start();
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

function pushPayload(overrides: Record<string, unknown> = {}) {
  return { ref: 'refs/heads/main', after: SHA, repository: { full_name: 'acme/shop' }, sender: { login: 'octocat' }, ...overrides };
}

/** A GitHub delivery, signed with the hook's secret unless the test says otherwise. */
function github(
  hook: string,
  payload: unknown,
  options: { event?: string; delivery?: string; signature?: string | null; remoteAddress?: string; headers?: Record<string, string> } = {},
) {
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-github-event': options.event ?? 'push',
    'x-github-delivery': options.delivery ?? `delivery-${++deliveries}`,
    ...options.headers,
  };
  if (options.signature !== null) headers['x-hub-signature-256'] = options.signature ?? signBody(GITHUB_SECRET, body);
  const request: InjectRequest = { method: 'POST', url: `/hooks/${hook}`, headers, body };
  if (options.remoteAddress) request.remoteAddress = options.remoteAddress;
  return agent.inject(request);
}

const lines = () => security.map((line) => JSON.parse(line) as Record<string, unknown>);

describe('POST /hooks/<id>: accepted deliveries', () => {
  it('answers 202 with the job, after handing the queue the delivery and its deploy request', async () => {
    const response = await github('gh', pushPayload(), { delivery: '72d3162e-cc78-11e3-81ab-4c9367dc0958' });
    expect(response.status).toBe(202);
    expect(response.json()).toEqual({ status: 'accepted', deliveryId: '72d3162e-cc78-11e3-81ab-4c9367dc0958', jobId: 1, position: 1 });
    expect(queue.calls).toEqual([
      {
        hookId: 'gh',
        deliveryId: '72d3162e-cc78-11e3-81ab-4c9367dc0958',
        policy: 'coalesce-latest',
        priority: 5,
        request: {
          siteId: 'shop',
          environment: 'production',
          repository: 'acme/shop',
          branch: 'main',
          commit: SHA,
          event: 'push',
          sender: 'octocat',
          hookId: 'gh',
          deliveryId: '72d3162e-cc78-11e3-81ab-4c9367dc0958',
        },
      },
    ]);
    expect(security).toEqual([]);
  });

  it('maps the branch to its environment and lower-cases the commit', async () => {
    await github('gh', pushPayload({ ref: 'refs/heads/staging', after: SHA.toUpperCase() }));
    expect(queue.calls[0]?.request).toMatchObject({ environment: 'staging', branch: 'staging', commit: SHA });
  });

  it('answers a repeated delivery with 200 and the first job', async () => {
    expect((await github('gh', pushPayload(), { delivery: 'same' })).status).toBe(202);
    const again = await github('gh', pushPayload(), { delivery: 'same' });
    expect(again.status).toBe(200);
    expect(again.json()).toEqual({ status: 'duplicate', deliveryId: 'same', jobId: 1 });
  });

  it('answers 409 when the site is reject-if-busy and deploying', async () => {
    const running = queue.occupy('api');
    const body = JSON.stringify({ repository: 'api', branch: 'main', commit: SHA });
    const response = await agent.inject({
      method: 'POST',
      url: '/hooks/ci',
      headers: { 'x-delivery-id': 'd1', 'x-signature-256': signBody(GENERIC_SECRET, body) },
      body,
    });
    expect(response.status).toBe(409);
    expect(response.json()).toMatchObject({ status: 'busy', deliveryId: 'd1', runningJobId: running });
  });

  it('accepts GitHub form-encoded deliveries, signed over the raw form', async () => {
    const body = `payload=${encodeURIComponent(JSON.stringify(pushPayload()))}`;
    const response = await github('gh', body, { headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(response.status).toBe(202);
  });

  it('accepts GitLab with its token, event and UUID headers', async () => {
    const body = JSON.stringify({ object_kind: 'push', ref: 'refs/heads/main', checkout_sha: SHA, user_username: 'jsmith', project: { path_with_namespace: 'group/shop' } });
    const send = (token: string) =>
      agent.inject({
        method: 'POST',
        url: '/hooks/gl',
        headers: { 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': token, 'x-gitlab-event-uuid': 'gl-1' },
        body,
      });
    expect((await send('wrong')).status).toBe(401);
    const response = await send(GITLAB_TOKEN);
    expect(response.status).toBe(202);
    expect(queue.calls[0]?.request).toMatchObject({ repository: 'group/shop', sender: 'jsmith', deliveryId: 'gl-1', hookId: 'gl' });
  });

  it('accepts Bitbucket with X-Hub-Signature and X-Request-UUID', async () => {
    const body = JSON.stringify({
      push: { changes: [{ new: { type: 'branch', name: 'main', target: { hash: SHA } } }] },
      repository: { full_name: 'team/shop' },
      actor: { nickname: 'bb' },
    });
    const response = await agent.inject({
      method: 'POST',
      url: '/hooks/bb',
      headers: { 'x-event-key': 'repo:push', 'x-request-uuid': '{bb-1}', 'x-hub-signature': signBody(BITBUCKET_SECRET, body) },
      body,
    });
    expect(response.status).toBe(202);
    expect(queue.calls[0]?.request).toMatchObject({ repository: 'team/shop', branch: 'main', commit: SHA, deliveryId: '{bb-1}' });
  });

  it('accepts a generic delivery, naming the site repository when the sender names none', async () => {
    const body = JSON.stringify({ event: 'release', branch: 'main', commit: SHA });
    const response = await agent.inject({
      method: 'POST',
      url: '/hooks/ci',
      headers: { 'x-delivery-id': 'rel-1', 'x-signature-256': signBody(GENERIC_SECRET, body) },
      body,
    });
    expect(response.status).toBe(202);
    expect(queue.calls[0]).toMatchObject({ policy: 'reject-if-busy', priority: 0, request: { siteId: 'api', repository: '/srv/git/api.git', event: 'release' } });
  });
});

describe('POST /hooks/<id>: deliveries that deploy nothing', () => {
  it('answers ping with 200 and queues nothing', async () => {
    const response = await github('gh', { zen: 'Keep it logically awesome.', hook_id: 1 }, { event: 'ping' });
    expect(response.status).toBe(200);
    expect(response.json()).toEqual({ status: 'pong', hook: 'gh' });
    expect(queue.calls).toEqual([]);
  });

  it.each([
    ['an event the hook does not take', { event: 'issues' }, pushPayload(), `the event "issues" is not one of this hook's events (push)`],
    ['a branch the hook filters out', {}, pushPayload({ ref: 'refs/heads/feature' }), `branch "feature" does not match this hook's filters.branch (main, staging, dev)`],
    ['a repository the hook filters out', {}, pushPayload({ repository: { full_name: 'other/shop' } }), `repository "other/shop" does not match this hook's filters.repository (acme/*)`],
    ['a tag', {}, pushPayload({ ref: 'refs/tags/v1' }), 'the delivery names no branch, and this hook accepts only branch main, staging, dev'],
    ['a deleted branch', {}, pushPayload({ after: '0'.repeat(40), deleted: true }), 'the push deleted refs/heads/main; there is nothing to deploy'],
    ['a branch the site does not deploy', {}, pushPayload({ ref: 'refs/heads/dev' }), 'site shop deploys the branches main, staging; not "dev"'],
  ])('answers 202 ignored for %s, saying why', async (_name, options, payload, reason) => {
    const response = await github('gh', payload, { ...options, delivery: 'd-ignored' });
    expect(response.status).toBe(202);
    expect(response.json()).toEqual({ status: 'ignored', deliveryId: 'd-ignored', reason });
    expect(queue.calls).toEqual([]);
  });

  it('never finds a branch on Object.prototype', async () => {
    const response = await github('limited', pushPayload({ ref: 'refs/heads/constructor' }));
    expect(response.json()).toMatchObject({ status: 'ignored', reason: 'site shop deploys the branches main, staging; not "constructor"' });
  });
});

describe('POST /hooks/<id>: refusals', () => {
  it('answers 404 for an unknown hook and logs it', async () => {
    const response = await github('nope', pushPayload(), { remoteAddress: '203.0.113.9' });
    expect(response.status).toBe(404);
    expect(response.json()).toMatchObject({ error: 'unknown-hook', message: expect.stringContaining('No hook has the id "nope"') });
    expect(lines()).toEqual([
      { time: '2025-01-01T00:00:00.000Z', type: 'webhook-refused', requestId: response.headers['x-request-id'], hook: 'nope', ip: '203.0.113.9', reason: 'unknown-hook', status: 404 },
    ]);
  });

  it('answers 401 for a missing, malformed or wrong signature, logging the client but never the secret or signature', async () => {
    const wrong = signBody('not the secret', JSON.stringify(pushPayload()));
    const cases = [
      [null, 'missing-signature', 'has no x-hub-signature-256 header'],
      ['sha256=abc', 'malformed-signature', 'is not "sha256=" followed by 64 lower-case hex digits'],
      [wrong, 'bad-signature', 'does not match the body'],
    ] as const;
    for (const [signature, reason, text] of cases) {
      const response = await github('gh', pushPayload(), { signature, remoteAddress: '::ffff:203.0.113.9' });
      expect(response.status).toBe(401);
      expect(response.json()).toMatchObject({ error: reason, message: expect.stringContaining(text) });
      expect(response.body).not.toContain(GITHUB_SECRET);
    }
    expect(lines().map(({ hook, ip, reason, status }) => ({ hook, ip, reason, status }))).toEqual(
      cases.map(([, reason]) => ({ hook: 'gh', ip: '203.0.113.9', reason, status: 401 })),
    );
    expect(security.join('\n')).not.toContain(GITHUB_SECRET);
    expect(security.join('\n')).not.toContain(wrong.slice('sha256='.length));
    expect(queue.calls).toEqual([]);
  });

  it('checks the signature before reading the body: an unsigned malformed body is 401, a signed one 400', async () => {
    expect((await github('gh', '{not json', { signature: null })).status).toBe(401);
    const response = await github('gh', '{not json');
    expect(response.status).toBe(400);
    expect(response.json()).toMatchObject({ error: 'malformed-payload', message: expect.stringMatching(/^The delivery could not be read: the body is not valid JSON/) });
    expect((await github('gh', '[1,2]')).json()).toMatchObject({ error: 'malformed-payload' });
  });

  it('answers 400 for a delivery without an event name, a delivery id or a commit', async () => {
    const noEvent = await agent.inject({ method: 'POST', url: '/hooks/gh', headers: { 'x-github-delivery': 'x', 'x-hub-signature-256': signBody(GITHUB_SECRET, '{}') }, body: '{}' });
    expect(noEvent.status).toBe(400);
    expect(noEvent.json()).toMatchObject({ error: 'missing-event', message: 'The delivery names no event; a github delivery names it in X-GitHub-Event.' });
    const noDelivery = await github('gh', pushPayload(), { headers: { 'x-github-delivery': '' } });
    expect(noDelivery.status).toBe(400);
    expect(noDelivery.json()).toMatchObject({ error: 'missing-delivery-id', message: expect.stringContaining('x-github-delivery') });
    const noCommit = await github('gh', pushPayload({ after: 'not-a-sha' }));
    expect(noCommit.status).toBe(400);
    expect(noCommit.json()).toMatchObject({ error: 'missing-commit' });
    const generic = JSON.stringify({ branch: 'main' });
    const noGenericCommit = await agent.inject({ method: 'POST', url: '/hooks/ci', headers: { 'x-delivery-id': 'g', 'x-signature-256': signBody(GENERIC_SECRET, generic) }, body: generic });
    expect(noGenericCommit.json()).toMatchObject({ error: 'missing-commit', message: expect.stringContaining('send it in the "commit" field') });
  });

  it('answers 405 for another method on a hook', async () => {
    const response = await agent.inject({ method: 'GET', url: '/hooks/gh' });
    expect(response.status).toBe(405);
    expect(response.headers.allow).toBe('POST');
  });

  it('answers 403 to an address outside the hook allow list, IPv4-mapped or not', async () => {
    expect((await github('office', pushPayload(), { remoteAddress: '198.51.100.20' })).status).toBe(202);
    expect((await github('office', pushPayload(), { remoteAddress: '::ffff:198.51.100.21' })).status).toBe(202);
    expect((await github('office', pushPayload(), { remoteAddress: '2001:db8::5' })).status).toBe(202);
    const refused = await github('office', pushPayload(), { remoteAddress: '203.0.113.9' });
    expect(refused.status).toBe(403);
    expect(refused.json()).toMatchObject({ error: 'address-not-allowed' });
    // Decided from the head: the sender's body is not read, and its connection is closed.
    expect(refused.headers.connection).toBe('close');
    expect(lines()).toMatchObject([{ hook: 'office', ip: '203.0.113.9', reason: 'address-not-allowed', status: 403 }]);
  });

  it('rate-limits per address with Retry-After, exempting loopback unless the hook says otherwise', async () => {
    const from = (remoteAddress: string, hook = 'limited') => github(hook, pushPayload(), { remoteAddress });
    expect((await from('203.0.113.9')).status).toBe(202);
    expect((await from('203.0.113.9')).status).toBe(202);
    const limited = await from('203.0.113.9');
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBe('30');
    expect(limited.json()).toMatchObject({ error: 'rate-limited', message: expect.stringContaining('try again in 30 s') });
    expect((await from('203.0.113.10')).status).toBe(202);
    clock += 30_000;
    expect((await from('203.0.113.9')).status).toBe(202);
    for (let i = 0; i < 5; i++) expect((await from('127.0.0.1')).status).toBe(202);
    expect((await from('127.0.0.1', 'strict')).status).toBe(202);
    expect((await from('::1', 'strict')).status).toBe(202);
    expect((await from('127.0.0.1', 'strict')).status).toBe(429);
    expect(lines().map(({ ip, reason }) => `${ip} ${reason}`)).toEqual(['203.0.113.9 rate-limited', '127.0.0.1 rate-limited']);
  });

  it('counts a signature failure against the rate limit too', async () => {
    await github('limited', pushPayload(), { remoteAddress: '203.0.113.9', signature: null });
    await github('limited', pushPayload(), { remoteAddress: '203.0.113.9', signature: null });
    expect((await github('limited', pushPayload(), { remoteAddress: '203.0.113.9' })).status).toBe(429);
  });

  it('takes the client from X-Forwarded-For only behind a trusted proxy', async () => {
    const forwarded = (address: string) => github('limited', pushPayload(), { remoteAddress: '127.0.0.1', headers: { 'x-forwarded-for': address } });
    // Untrusted: the proxy on loopback is the client, and loopback is exempt.
    for (let i = 0; i < 3; i++) expect((await forwarded('203.0.113.9')).status).toBe(202);
    db.close();
    start('trustedProxies: [127.0.0.1/32, "::1"]\n');
    expect((await forwarded('203.0.113.9')).status).toBe(202);
    expect((await forwarded('203.0.113.9')).status).toBe(202);
    expect((await forwarded('203.0.113.9')).status).toBe(429);
    expect((await forwarded('203.0.113.10')).status).toBe(202);
    expect(lines()).toMatchObject([{ ip: '203.0.113.9', reason: 'rate-limited' }]);
  });
});

describe('POST /hooks/<id>: body size', () => {
  it('reads bodies up to bodyLimitBytes (25 MB by default), past the 1 MiB of other routes', async () => {
    const payload = pushPayload({ padding: 'x'.repeat(2 * 1024 * 1024) });
    expect((await github('gh', payload)).status).toBe(202);
    expect((await agent.inject({ method: 'GET', url: '/health', body: Buffer.alloc(2 * 1024 * 1024) })).status).toBe(413);
  });

  it('answers 413 beyond the configured limit and closes the connection', async () => {
    db.close();
    start('bodyLimitBytes: 4096\n');
    const response = await github('gh', pushPayload({ padding: 'x'.repeat(5000) }));
    expect(response.status).toBe(413);
    expect(response.headers.connection).toBe('close');
    expect(response.json()).toMatchObject({ error: 'body-too-large', message: 'The request body is larger than 4096 bytes; send a smaller one.' });
    expect((await github('gh', pushPayload({ padding: 'x'.repeat(3000) }))).status).toBe(202);
  });
});

describe('POST /hooks/<id> over real HTTP', () => {
  it('accepts a signed delivery and sees the socket peer as the client', async () => {
    const running = await listenAgent(agent, { host: '127.0.0.1', port: 0 });
    try {
      const body = JSON.stringify(pushPayload());
      const send = (signature: string) =>
        fetch(`${running.url}/hooks/gh`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': 'http-1', 'x-hub-signature-256': signature },
          body,
        });
      const accepted = await send(signBody(GITHUB_SECRET, body));
      expect(accepted.status).toBe(202);
      expect(await accepted.json()).toEqual({ status: 'accepted', deliveryId: 'http-1', jobId: 1, position: 1 });
      const refused = await send(signBody('wrong', body));
      expect(refused.status).toBe(401);
      await refused.text();
      expect(lines()).toMatchObject([{ ip: '127.0.0.1', reason: 'bad-signature' }]);
    } finally {
      await running.close(1000);
    }
  });

  it('refuses an unknown hook without waiting for the body, and closes the connection', async () => {
    const running = await listenAgent(agent, { host: '127.0.0.1', port: 0 });
    try {
      // 20 MB announced, 64 KB sent: only an answer decided from the head can arrive.
      const req = request({ host: '127.0.0.1', port: running.port, method: 'POST', path: '/hooks/nope', headers: { 'content-length': String(20 * 1024 * 1024) } });
      req.write(Buffer.alloc(64 * 1024));
      const [response] = (await once(req, 'response')) as [IncomingMessage];
      expect(response.statusCode).toBe(404);
      expect(response.headers.connection).toBe('close');
      expect(JSON.parse(await readAll(response))).toMatchObject({ error: 'unknown-hook' });
      req.destroy();
    } finally {
      await running.close(1000);
    }
  });
});
