import { describe, expect, it } from 'vitest';
import { createEventFilter, globPattern } from './filters';
import type { WebhookEvent } from './payloads';

const push: WebhookEvent = { event: 'push', repository: 'Acme/Shop', branch: 'main', ref: 'refs/heads/main', commit: 'a'.repeat(40), deleted: false };

describe('globPattern', () => {
  it('lets * match any run of characters and everything else only itself', () => {
    expect(globPattern('release-*').test('release-1.2')).toBe(true);
    expect(globPattern('release-*').test('release-')).toBe(true);
    expect(globPattern('release-*').test('hotfix-release-1')).toBe(false);
    expect(globPattern('*').test('feature/x\ny')).toBe(true);
    expect(globPattern('a.b').test('axb')).toBe(false);
    expect(globPattern('(x)+[y]').test('(x)+[y]')).toBe(true);
    expect(globPattern('acme/*', true).test('ACME/shop')).toBe(true);
    expect(globPattern('acme/*').test('ACME/shop')).toBe(false);
  });
});

describe('createEventFilter', () => {
  it('takes an event of the hook with no filters', () => {
    expect(createEventFilter({ events: ['push'], filters: {} })(push)).toBeUndefined();
    expect(createEventFilter({ events: ['*'], filters: {} })({ ...push, event: 'release' })).toBeUndefined();
  });

  it('says which event it takes when the event is another', () => {
    expect(createEventFilter({ events: ['push', 'pull_request'], filters: {} })({ ...push, event: 'issues' })).toBe(
      `the event "issues" is not one of this hook's events (push, pull_request)`,
    );
  });

  it('matches repositories without regard to case, branches exactly', () => {
    const filter = createEventFilter({ events: ['push'], filters: { repository: ['acme/*'], branch: ['main', 'release-*'] } });
    expect(filter(push)).toBeUndefined();
    expect(filter({ ...push, branch: 'release-2' })).toBeUndefined();
    expect(filter({ ...push, branch: 'Main' })).toBe(`branch "Main" does not match this hook's filters.branch (main, release-*)`);
    expect(filter({ ...push, repository: 'other/shop' })).toBe(`repository "other/shop" does not match this hook's filters.repository (acme/*)`);
  });

  it('refuses an event without the value a filter asks about', () => {
    const filter = createEventFilter({ events: ['push'], filters: { branch: ['main'], action: ['closed'] } });
    expect(filter({ ...push, branch: undefined, ref: 'refs/tags/v1' })).toBe('the delivery names no branch, and this hook accepts only branch main');
    expect(filter(push)).toBe('the delivery names no action, and this hook accepts only action closed');
    expect(filter({ ...push, action: 'closed' })).toBeUndefined();
  });
});
