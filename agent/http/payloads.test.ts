import { describe, expect, it } from 'vitest';
import { deliveryHeader, deliveryIdOf, eventName, normalizeEvent, parsePayload, type Payload } from './payloads';

const SHA = '6113728f27ae82c7b1a177c8d03f9e96e0adf246';
const ZERO = '0'.repeat(40);

function json(value: unknown, headers: Record<string, string> = {}) {
  return parsePayload(headers, Buffer.from(JSON.stringify(value)));
}

describe('parsePayload', () => {
  it('reads a JSON object', () => {
    expect(json({ ref: 'refs/heads/main' })).toEqual({ ok: true, payload: { ref: 'refs/heads/main' } });
  });

  it("reads GitHub's form-encoded payload field", () => {
    const body = Buffer.from(`payload=${encodeURIComponent(JSON.stringify({ zen: 'Keep it simple.' }))}`);
    expect(parsePayload({ 'content-type': 'application/x-www-form-urlencoded' }, body)).toEqual({ ok: true, payload: { zen: 'Keep it simple.' } });
    expect(parsePayload({ 'content-type': 'application/x-www-form-urlencoded' }, Buffer.from('other=1'))).toEqual({
      ok: false,
      problem: 'the form-encoded body has no payload field',
    });
  });

  it('says why a body is not a JSON object, without quoting it', () => {
    const broken = parsePayload({}, Buffer.from('{"ref": secret-looking-text'));
    expect(broken.ok).toBe(false);
    expect(!broken.ok && broken.problem).toMatch(/^the body is not valid JSON \(/);
    expect(!broken.ok && broken.problem).not.toContain('secret-looking-text');
    expect(parsePayload({}, Buffer.alloc(0))).toMatchObject({ ok: false });
    for (const value of [[1, 2], 'text', 42, null, true]) expect(json(value), JSON.stringify(value)).toEqual({ ok: false, problem: 'the body is JSON but not an object' });
  });
});

describe('delivery ids', () => {
  it("reads each source's delivery header", () => {
    const cases = [
      ['github', 'x-github-delivery'],
      ['gitlab', 'x-gitlab-event-uuid'],
      ['bitbucket', 'x-request-uuid'],
      ['generic', 'x-delivery-id'],
    ] as const;
    for (const [source, header] of cases) {
      expect(deliveryHeader(source)).toBe(header);
      expect(deliveryIdOf(source, { [header]: '72d3162e-cc78-11e3-81ab-4c9367dc0958' })).toBe('72d3162e-cc78-11e3-81ab-4c9367dc0958');
      expect(deliveryIdOf(source, {})).toBeUndefined();
    }
  });

  it('refuses an empty, long or unprintable id', () => {
    for (const id of ['', 'x'.repeat(129), 'a b', 'tab\there', 'é']) expect(deliveryIdOf('generic', { 'x-delivery-id': id }), id).toBeUndefined();
    expect(deliveryIdOf('generic', { 'x-delivery-id': 'x'.repeat(128) })).toBe('x'.repeat(128));
  });
});

describe('GitHub', () => {
  const push: Payload = {
    ref: 'refs/heads/main',
    before: ZERO,
    after: SHA,
    deleted: false,
    repository: { full_name: 'acme/shop' },
    sender: { login: 'octocat' },
    head_commit: { id: SHA },
  };

  it('reads a push', () => {
    expect(normalizeEvent('github', { 'x-github-event': 'push' }, push)).toEqual({
      event: 'push',
      repository: 'acme/shop',
      ref: 'refs/heads/main',
      branch: 'main',
      commit: SHA,
      sender: 'octocat',
      action: undefined,
      deleted: false,
    });
  });

  it('keeps slashes in branch names and has no branch for a tag', () => {
    expect(normalizeEvent('github', { 'x-github-event': 'push' }, { ...push, ref: 'refs/heads/feature/x' }).branch).toBe('feature/x');
    const tag = normalizeEvent('github', { 'x-github-event': 'push' }, { ...push, ref: 'refs/tags/v1.0' });
    expect(tag.branch).toBeUndefined();
    expect(tag.ref).toBe('refs/tags/v1.0');
  });

  it('marks a push that deleted its branch', () => {
    expect(normalizeEvent('github', { 'x-github-event': 'push' }, { ...push, after: ZERO, deleted: true, head_commit: null }).deleted).toBe(true);
    expect(normalizeEvent('github', { 'x-github-event': 'push' }, { ...push, after: ZERO }).deleted).toBe(true);
  });

  it('reads a merged pull request as its target branch at the merge commit', () => {
    const event = normalizeEvent(
      'github',
      { 'x-github-event': 'pull_request' },
      { action: 'closed', pull_request: { merged: true, base: { ref: 'main' }, merge_commit_sha: SHA }, repository: { full_name: 'acme/shop' }, sender: { login: 'octocat' } },
    );
    expect(event).toMatchObject({ event: 'pull_request', action: 'closed', branch: 'main', commit: SHA, repository: 'acme/shop' });
  });

  it('reads ping and an event with no header', () => {
    expect(eventName('github', { 'x-github-event': 'ping' }, { zen: 'Design for failure.' })).toBe('ping');
    expect(eventName('github', {}, push)).toBe('');
  });

  it('takes nothing of the wrong type or inherited from Object.prototype', () => {
    const event = normalizeEvent('github', { 'x-github-event': 'push' }, { ref: 42, after: ['x'], repository: 'acme/shop', sender: { login: { toString: 'x' } } });
    expect(event).toEqual({ event: 'push', repository: undefined, ref: undefined, branch: undefined, commit: undefined, sender: undefined, action: undefined, deleted: false });
    expect(normalizeEvent('github', { 'x-github-event': 'push' }, JSON.parse('{"repository": {}}') as Payload).repository).toBeUndefined();
    expect(normalizeEvent('github', { 'x-github-event': 'push' }, { repository: { full_name: '' } }).repository).toBeUndefined();
    expect(normalizeEvent('github', { 'x-github-event': 'push' }, { sender: { constructor: 'x' } }).sender).toBeUndefined();
  });
});

describe('GitLab', () => {
  const push: Payload = {
    object_kind: 'push',
    ref: 'refs/heads/main',
    after: SHA,
    checkout_sha: SHA,
    user_username: 'jsmith',
    project: { path_with_namespace: 'group/shop' },
  };

  it('normalizes the X-Gitlab-Event names', () => {
    expect(eventName('gitlab', { 'x-gitlab-event': 'Push Hook' }, push)).toBe('push');
    expect(eventName('gitlab', { 'x-gitlab-event': 'Tag Push Hook' }, push)).toBe('tag_push');
    expect(eventName('gitlab', { 'x-gitlab-event': 'Merge Request Hook' }, push)).toBe('merge_request');
    expect(eventName('gitlab', {}, push)).toBe('push');
    expect(eventName('gitlab', {}, {})).toBe('');
  });

  it('reads a push, and a deleted branch (checkout_sha null)', () => {
    expect(normalizeEvent('gitlab', { 'x-gitlab-event': 'Push Hook' }, push)).toEqual({
      event: 'push',
      repository: 'group/shop',
      ref: 'refs/heads/main',
      branch: 'main',
      commit: SHA,
      sender: 'jsmith',
      deleted: false,
    });
    expect(normalizeEvent('gitlab', { 'x-gitlab-event': 'Push Hook' }, { ...push, after: ZERO, checkout_sha: null }).deleted).toBe(true);
  });

  it('reads a merge request and a pipeline (its status as the action)', () => {
    const mr = normalizeEvent(
      'gitlab',
      { 'x-gitlab-event': 'Merge Request Hook' },
      { user: { username: 'jsmith' }, project: { path_with_namespace: 'group/shop' }, object_attributes: { action: 'merge', target_branch: 'main', merge_commit_sha: SHA } },
    );
    expect(mr).toMatchObject({ event: 'merge_request', action: 'merge', branch: 'main', commit: SHA, sender: 'jsmith' });
    const pipeline = { project: { path_with_namespace: 'group/shop' }, object_attributes: { status: 'success', ref: 'main', tag: false, sha: SHA } };
    expect(normalizeEvent('gitlab', { 'x-gitlab-event': 'Pipeline Hook' }, pipeline)).toMatchObject({ event: 'pipeline', action: 'success', branch: 'main', commit: SHA });
    const tagPipeline = { ...pipeline, object_attributes: { ...pipeline.object_attributes, ref: 'v1', tag: true } };
    expect(normalizeEvent('gitlab', { 'x-gitlab-event': 'Pipeline Hook' }, tagPipeline).branch).toBeUndefined();
  });
});

describe('Bitbucket', () => {
  const change = (name: string, hash: string) => ({ old: null, new: { type: 'branch', name, target: { hash } } });
  const push = (changes: unknown[]): Payload => ({ push: { changes }, repository: { full_name: 'team/shop' }, actor: { nickname: 'bb' } });

  it('reads repo:push as push, with the first branch it moved', () => {
    expect(normalizeEvent('bitbucket', { 'x-event-key': 'repo:push' }, push([{ new: { type: 'tag', name: 'v1' } }, change('main', SHA), change('dev', ZERO.replace(/0/g, 'a'))]))).toEqual({
      event: 'push',
      repository: 'team/shop',
      sender: 'bb',
      branch: 'main',
      ref: 'refs/heads/main',
      commit: SHA,
      deleted: false,
    });
  });

  it('marks a push that only deleted a branch, and reads diagnostics:ping as ping', () => {
    expect(normalizeEvent('bitbucket', { 'x-event-key': 'repo:push' }, push([{ old: { type: 'branch', name: 'x' }, new: null }])).deleted).toBe(true);
    expect(normalizeEvent('bitbucket', { 'x-event-key': 'repo:push' }, { push: 'nonsense' })).toEqual({
      event: 'push',
      repository: undefined,
      sender: undefined,
      deleted: false,
    });
    expect(eventName('bitbucket', { 'x-event-key': 'diagnostics:ping' }, {})).toBe('ping');
    expect(eventName('bitbucket', { 'x-event-key': 'pullrequest:fulfilled' }, {})).toBe('pullrequest:fulfilled');
  });

  it('reads a fulfilled pull request as its destination at the merge commit', () => {
    const event = normalizeEvent(
      'bitbucket',
      { 'x-event-key': 'pullrequest:fulfilled' },
      { pullrequest: { destination: { branch: { name: 'main' } }, merge_commit: { hash: SHA } }, actor: { display_name: 'B B' } },
    );
    expect(event).toMatchObject({ branch: 'main', commit: SHA, sender: 'B B' });
  });
});

describe('generic', () => {
  it('reads its own fields, push by default, and a branch from a ref', () => {
    expect(normalizeEvent('generic', {}, { repository: 'shop', branch: 'main', commit: SHA, sender: 'ci' })).toEqual({
      event: 'push',
      repository: 'shop',
      ref: undefined,
      branch: 'main',
      commit: SHA,
      action: undefined,
      sender: 'ci',
      deleted: false,
    });
    expect(normalizeEvent('generic', {}, { event: 'release', ref: 'refs/heads/prod', commit: SHA })).toMatchObject({ event: 'release', branch: 'prod' });
    expect(eventName('generic', {}, { event: 'ping' })).toBe('ping');
  });
});
