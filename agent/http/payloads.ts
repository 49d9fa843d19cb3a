import type { HookSource } from '../config';

// What a delivery says, in one shape whatever sent it. Every field is read defensively: a payload is
// authenticated, not trusted to have any particular form.

export interface WebhookEvent {
  /** Normalized: push, ping, pull_request, merge_request, pipeline, … (see eventName). */
  event: string;
  /** As the sender names it: owner/name (GitHub, Bitbucket) or group/project (GitLab). */
  repository?: string;
  /** The branch the event is about; absent for tags and events about no branch. */
  branch?: string;
  /** The full ref when the sender gave one (refs/heads/main, refs/tags/v1.2), for messages. */
  ref?: string;
  commit?: string;
  action?: string;
  sender?: string;
  /** A push that deleted its branch: there is nothing to deploy. */
  deleted: boolean;
}

export type Payload = Record<string, unknown>;
export type ParsedPayload = { ok: true; payload: Payload } | { ok: false; problem: string };

const DELIVERY_HEADERS: Record<HookSource, string> = {
  github: 'x-github-delivery',
  gitlab: 'x-gitlab-event-uuid',
  bitbucket: 'x-request-uuid',
  generic: 'x-delivery-id',
};

/** The header carrying a source's delivery id (the dedupe key with the hook id), lower case. */
export function deliveryHeader(source: HookSource): string {
  return DELIVERY_HEADERS[source];
}

/** The delivery id, when the header holds a usable one: 1 to 128 visible ASCII characters. */
export function deliveryIdOf(source: HookSource, headers: Record<string, string>): string | undefined {
  const id = headers[DELIVERY_HEADERS[source]];
  return id !== undefined && /^[\x21-\x7e]{1,128}$/.test(id) ? id : undefined;
}

/**
 * The JSON object a delivery carries. GitHub can also be set to send it form-encoded, as the `payload`
 * field; the signature still covers the raw body, which is why this runs only after it is checked.
 */
export function parsePayload(headers: Record<string, string>, body: Buffer): ParsedPayload {
  let json = body.toString('utf8');
  if (/^application\/x-www-form-urlencoded\b/i.test(headers['content-type'] ?? '')) {
    const field = new URLSearchParams(json).get('payload');
    if (field === null) return { ok: false, problem: 'the form-encoded body has no payload field' };
    json = field;
  }
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    // V8's message may quote the body; its first words say what is wrong.
    const reason = (error as Error).message.replace(/,? ".*$/s, '').replace(/ in JSON at position \d+.*$/s, '');
    return { ok: false, problem: `the body is not valid JSON (${reason})` };
  }
  return isObject(value) ? { ok: true, payload: value } : { ok: false, problem: 'the body is JSON but not an object' };
}

/** The event name, normalized so that a hook's `events` reads the same for every source. */
export function eventName(source: HookSource, headers: Record<string, string>, payload: Payload): string {
  switch (source) {
    case 'github':
      return headers['x-github-event'] ?? '';
    case 'gitlab': {
      // "Push Hook" → push, "Merge Request Hook" → merge_request: the same names as the body's object_kind.
      const header = headers['x-gitlab-event'];
      return header ? header.replace(/ Hook$/, '').trim().toLowerCase().replace(/\s+/g, '_') : (text(payload, 'object_kind') ?? '');
    }
    case 'bitbucket': {
      const key = headers['x-event-key'] ?? '';
      return { 'repo:push': 'push', 'diagnostics:ping': 'ping' }[key] ?? key;
    }
    case 'generic':
      return text(payload, 'event') ?? 'push';
  }
}

/** Reads the event, repository, branch, commit, action and sender of a delivery. */
export function normalizeEvent(source: HookSource, headers: Record<string, string>, payload: Payload): WebhookEvent {
  const event = eventName(source, headers, payload);
  const fields = { github, gitlab, bitbucket, generic }[source](event, payload);
  const deleted = fields.deleted === true || (fields.commit !== undefined && /^0+$/.test(fields.commit));
  return { event, ...fields, deleted };
}

type Fields = Omit<WebhookEvent, 'event' | 'deleted'> & { deleted?: boolean };

function github(event: string, p: Payload): Fields {
  const common = { repository: text(p, 'repository', 'full_name'), sender: text(p, 'sender', 'login'), action: text(p, 'action') };
  if (event === 'pull_request') {
    // A merged pull request deploys its target branch at the merge commit.
    return { ...common, branch: text(p, 'pull_request', 'base', 'ref'), commit: text(p, 'pull_request', 'merge_commit_sha') };
  }
  const ref = text(p, 'ref');
  return { ...common, ref, branch: branchOf(ref), commit: text(p, 'after') ?? text(p, 'head_commit', 'id'), deleted: p.deleted === true };
}

function gitlab(event: string, p: Payload): Fields {
  const repository = text(p, 'project', 'path_with_namespace');
  if (event === 'merge_request') {
    return {
      repository,
      sender: text(p, 'user', 'username'),
      action: text(p, 'object_attributes', 'action'),
      branch: text(p, 'object_attributes', 'target_branch'),
      commit: text(p, 'object_attributes', 'merge_commit_sha'),
    };
  }
  if (event === 'pipeline') {
    // The action is the pipeline's status, so a hook can deploy on "success" only.
    const tag = field(p, 'object_attributes', 'tag') === true;
    return {
      repository,
      sender: text(p, 'user', 'username'),
      action: text(p, 'object_attributes', 'status'),
      branch: tag ? undefined : text(p, 'object_attributes', 'ref'),
      commit: text(p, 'object_attributes', 'sha'),
    };
  }
  const ref = text(p, 'ref');
  // checkout_sha is null when the push deleted the branch.
  return { repository, sender: text(p, 'user_username'), ref, branch: branchOf(ref), commit: text(p, 'checkout_sha') ?? text(p, 'after') };
}

function bitbucket(event: string, p: Payload): Fields {
  const common = {
    repository: text(p, 'repository', 'full_name'),
    sender: text(p, 'actor', 'nickname') ?? text(p, 'actor', 'display_name'),
  };
  if (event === 'pullrequest:fulfilled') {
    return { ...common, branch: text(p, 'pullrequest', 'destination', 'branch', 'name'), commit: text(p, 'pullrequest', 'merge_commit', 'hash') };
  }
  // One push may move several refs; the first branch it moved (not deleted) is the one deployed.
  const changes = field(p, 'push', 'changes');
  const list = Array.isArray(changes) ? changes : [];
  const moved = list.find((change) => text(change, 'new', 'type') === 'branch');
  if (!moved) return { ...common, deleted: list.some((change) => field(change, 'new') === null) };
  const branch = text(moved, 'new', 'name');
  return { ...common, branch, ref: branch && `refs/heads/${branch}`, commit: text(moved, 'new', 'target', 'hash') };
}

function generic(_event: string, p: Payload): Fields {
  const ref = text(p, 'ref');
  return {
    repository: text(p, 'repository'),
    ref,
    branch: text(p, 'branch') ?? branchOf(ref),
    commit: text(p, 'commit'),
    action: text(p, 'action'),
    sender: text(p, 'sender'),
  };
}

function branchOf(ref: string | undefined): string | undefined {
  return ref?.startsWith('refs/heads/') && ref.length > 'refs/heads/'.length ? ref.slice('refs/heads/'.length) : undefined;
}

function isObject(value: unknown): value is Payload {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value at a path of own properties (never one inherited from Object.prototype). */
function field(value: unknown, ...keys: string[]): unknown {
  let current = value;
  for (const key of keys) {
    if (!isObject(current) || !Object.hasOwn(current, key)) return undefined;
    current = current[key];
  }
  return current;
}

/** A non-empty string at a path, else undefined. */
function text(value: unknown, ...keys: string[]): string | undefined {
  const found = field(value, ...keys);
  return typeof found === 'string' && found !== '' ? found : undefined;
}
