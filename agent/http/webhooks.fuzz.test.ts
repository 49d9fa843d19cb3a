import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAgent, type Agent, type InjectRequest } from '../app';
import { loadAgentConfig } from '../config';
import { openDatabase, type Database } from '../store/sqlite';
import { signBody } from './signatures';
import { agentMigrations } from '../migrations';
import { recordingQueue } from './testing';

// Random requests through the whole agent: whatever arrives, the answer is a JSON 2xx/4xx, never a 5xx
// or a throw. A fixed seed makes a failure repeatable; the failing request is printed.

// A full collection before each heap reading, so that the comparison is of what is kept, not of garbage.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const SEED = 0x5eed_4;
const RUNS = 10_000;
const SECRET = 'fuzz secret';

const CONFIG = `
trustedProxies: [127.0.0.1, 10.0.0.0/8]
hooks:
  - { id: gh, source: github, secret: env:S, site: web, filters: { branch: ["ma*"] } }
  - { id: gl, source: gitlab, secret: env:S, site: web }
  - { id: bb, source: bitbucket, secret: env:S, site: busy, rateLimit: { perMinute: 2, loopback: true } }
  - { id: any, source: generic, secret: env:S, site: web, events: ["*"], allow: [10.0.0.0/8, "2001:db8::/32"] }
sites:
  - { id: web, dir: /srv/web, repository: /srv/git/web.git, branches: { main: production, constructor: x }, steps: [{ kind: git }] }
  - { id: busy, dir: /srv/busy, repository: /srv/git/busy.git, branches: { main: production }, queue: reject-if-busy, steps: [{ kind: git }] }
`;

/** mulberry32: small, fast and good enough to pick test inputs. */
function prng(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  return { next, int, pick };
}

type Random = ReturnType<typeof prng>;

const KEYS = ['ref', 'after', 'before', 'deleted', 'repository', 'full_name', 'sender', 'login', 'head_commit', 'id', 'pull_request', 'base', 'merge_commit_sha', 'action', 'object_kind', 'checkout_sha', 'project', 'path_with_namespace', 'object_attributes', 'push', 'changes', 'new', 'type', 'name', 'target', 'hash', 'event', 'branch', 'commit', '__proto__', 'constructor', 'toString', ''];
const STRINGS = ['refs/heads/main', 'refs/heads/constructor', 'refs/tags/v1', 'main', 'branch', '0'.repeat(40), 'a'.repeat(40), 'A'.repeat(64), 'ping', 'push', 'acme/shop', '', '\u0000', '\ud800', '𝔘𝔫𝔦', 'x'.repeat(300)];

function randomString(r: Random): string {
  if (r.next() < 0.6) return r.pick(STRINGS);
  const length = r.int(40);
  let text = '';
  for (let i = 0; i < length; i++) text += String.fromCharCode(r.next() < 0.9 ? 32 + r.int(95) : r.int(0xffff));
  return text;
}

function randomJson(r: Random, depth: number): unknown {
  const kind = r.int(depth > 3 ? 5 : 7);
  switch (kind) {
    case 0:
      return randomString(r);
    case 1:
      return r.pick([0, -1, 1.5, 1e308, Number.MAX_SAFE_INTEGER]);
    case 2:
      return r.pick([true, false]);
    case 3:
      return null;
    case 4:
      return r.int(2) ? {} : [];
    case 5:
      return Array.from({ length: r.int(4) }, () => randomJson(r, depth + 1));
    default:
      return Object.fromEntries(Array.from({ length: r.int(6) }, () => [r.pick(KEYS), randomJson(r, depth + 1)]));
  }
}

/** A delivery of the right shape for its source, with fields that may or may not deploy. */
function plausiblePayload(r: Random, source: string): unknown {
  const ref = r.pick(['refs/heads/main', 'refs/heads/constructor', 'refs/heads/master', 'refs/tags/v1', randomString(r)]);
  const sha = r.pick(['a'.repeat(40), 'B'.repeat(64), '0'.repeat(40), randomString(r)]);
  const repository = r.pick(['acme/shop', randomString(r)]);
  switch (source) {
    case 'github':
      return { ref, after: sha, deleted: r.next() < 0.1, repository: { full_name: repository }, sender: { login: randomString(r) }, ...(r.int(2) ? {} : { pull_request: randomJson(r, 2) }) };
    case 'gitlab':
      return { object_kind: 'push', ref, checkout_sha: r.next() < 0.1 ? null : sha, project: { path_with_namespace: repository }, object_attributes: randomJson(r, 2) };
    case 'bitbucket':
      return { push: { changes: [{ new: r.next() < 0.1 ? null : { type: 'branch', name: ref.replace('refs/heads/', ''), target: { hash: sha } } }] }, repository: { full_name: repository } };
    default:
      return { event: r.pick(['push', 'ping', randomString(r)]), branch: ref.replace('refs/heads/', ''), commit: sha, repository };
  }
}

function randomBody(r: Random, source: string): string | Buffer {
  switch (r.int(6)) {
    case 0:
      return Buffer.from(Array.from({ length: r.int(512) }, () => r.int(256)));
    case 1:
      return randomString(r);
    case 2:
      return `payload=${encodeURIComponent(JSON.stringify(r.int(2) ? plausiblePayload(r, source) : randomJson(r, 0)).toWellFormed())}`;
    case 3:
      return JSON.stringify(randomJson(r, 0)) ?? '';
    default:
      return JSON.stringify(plausiblePayload(r, source));
  }
}

function randomAddress(r: Random): string {
  return r.pick([
    '127.0.0.1',
    '::1',
    `10.${r.int(256)}.${r.int(256)}.${r.int(256)}`,
    `203.0.113.${r.int(256)}`,
    `::ffff:10.0.0.${r.int(256)}`,
    `2001:db8::${r.int(0xffff).toString(16)}`,
    'fe80::1%eth0',
    '',
    'garbage',
  ]);
}

const HOOKS = [
  ['gh', 'github'],
  ['gl', 'gitlab'],
  ['bb', 'bitbucket'],
  ['any', 'generic'],
] as const;

function randomRequest(r: Random): InjectRequest {
  const [hookId, hookSource] = r.pick(HOOKS);
  // Mostly the headers of the hook's own source, so that requests get past the signature.
  const source = r.next() < 0.85 ? hookSource : r.pick(HOOKS)[1];
  const body = randomBody(r, source);
  const headers: Record<string, string> = {};
  const sign = () => (r.next() < 0.8 ? signBody(SECRET, body) : r.pick(['sha256=', 'sha256=zz', signBody('other', body), signBody(SECRET, body).toUpperCase(), randomString(r)]));
  const delivery = () => (r.next() < 0.8 ? `d-${r.int(2000)}` : randomString(r));
  if (source === 'github') Object.assign(headers, { 'x-hub-signature-256': sign(), 'x-github-event': r.pick(['push', 'push', 'ping', 'pull_request', '', randomString(r)]), 'x-github-delivery': delivery() });
  if (source === 'gitlab') Object.assign(headers, { 'x-gitlab-token': r.next() < 0.8 ? SECRET : randomString(r), 'x-gitlab-event': r.pick(['Push Hook', 'Merge Request Hook', 'Pipeline Hook', randomString(r)]), 'x-gitlab-event-uuid': delivery() });
  if (source === 'bitbucket') Object.assign(headers, { 'x-hub-signature': sign(), 'x-event-key': r.pick(['repo:push', 'repo:push', 'diagnostics:ping', randomString(r)]), 'x-request-uuid': delivery() });
  if (source === 'generic') Object.assign(headers, { 'x-signature-256': sign(), 'x-delivery-id': delivery() });
  if (r.next() < 0.3) headers['content-type'] = r.pick(['application/json', 'application/x-www-form-urlencoded', 'text/plain', randomString(r)]);
  if (r.next() < 0.3) headers['x-forwarded-for'] = Array.from({ length: 1 + r.int(3) }, () => randomAddress(r)).join(r.pick([', ', ',', ' , ']));
  for (let i = r.int(3); i > 0; i--) headers[randomString(r).toLowerCase() || 'x'] = randomString(r);
  const hook = r.next() < 0.8 ? hookId : r.pick(['nope', '', '%', '%E0%A4%A', `${hookId}/extra`, encodeURIComponent(randomString(r).toWellFormed())]);
  const url = r.next() < 0.95 ? `/hooks/${hook}${r.next() < 0.1 ? '?x=1' : ''}` : r.pick(['/', '/health', '/health/ready', '/hooks', '*', 'http://x/hooks/gh', randomString(r)]);
  const method = r.next() < 0.9 ? 'POST' : r.pick(['GET', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'post', 'BREW']);
  return { method, url, headers, body, remoteAddress: randomAddress(r) };
}

let dir: string;
let db: Database;
let agent: Agent;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lifeline-webhooks-fuzz-'));
  writeFileSync(join(dir, 'agent.yaml'), CONFIG);
  const config = loadAgentConfig(join(dir, 'agent.yaml'), {}, { S: SECRET });
  db = openDatabase({ path: join(dir, 'agent.db'), migrations: agentMigrations });
  const queue = recordingQueue(db);
  // The reject-if-busy site is deploying, so its deliveries are answered 409.
  queue.occupy('busy');
  let clock = 0;
  // A tenth of a second passes per request, so rate limits refuse some requests and let others through.
  agent = buildAgent({ config, db, enqueue: queue.enqueue, securityLog: () => {}, now: () => (clock += 100) });
});
afterAll(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('webhook ingress under random input', () => {
  it(`answers ${RUNS} random requests without a 5xx or a throw, its memory bounded`, async () => {
    const r = prng(SEED);
    const statuses = new Map<number, number>();
    gc();
    const baseline = process.memoryUsage().heapUsed;
    for (let run = 0; run < RUNS; run++) {
      const request = randomRequest(r);
      const shown = () => `run ${run} (seed ${SEED}): ${JSON.stringify({ ...request, body: String(request.body).slice(0, 200) })}`;
      let response;
      try {
        response = await agent.inject(request);
      } catch (error) {
        throw new Error(`inject threw ${String(error)} for ${shown()}`);
      }
      expect(response.status, shown()).toBeLessThan(500);
      expect(() => response.json(), shown()).not.toThrow();
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
    }
    // What stays behind (rate-limit buckets, metrics) is bounded, whatever the input was.
    gc();
    const grownMiB = (process.memoryUsage().heapUsed - baseline) / 2 ** 20;
    expect(grownMiB, `heap grew by ${grownMiB.toFixed(1)} MiB (seed ${SEED})`).toBeLessThan(32);
    // The input reached every stage: refusals, parsing, filtering and the queue.
    for (const status of [200, 202, 400, 401, 403, 404, 405, 409, 429]) expect(statuses.get(status) ?? 0, `status ${status}: ${JSON.stringify([...statuses])}`).toBeGreaterThan(0);
  });
});
