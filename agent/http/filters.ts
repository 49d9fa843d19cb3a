import type { HookConfig } from '../config';
import type { WebhookEvent } from './payloads';

/** Says why a hook does not take an event (undefined when it does). */
export type EventFilter = (event: WebhookEvent) => string | undefined;

/** "release-*" → /^release-.*$/: `*` matches any run of characters, everything else itself. */
export function globPattern(pattern: string, ignoreCase = false): RegExp {
  const source = pattern.split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*');
  return new RegExp(`^${source}$`, ignoreCase ? 'is' : 's');
}

/**
 * A hook's events and filters, compiled once. Repository names compare without regard to case, as
 * GitHub, GitLab and Bitbucket treat them; branches, events and actions exactly.
 */
export function createEventFilter(hook: Pick<HookConfig, 'events' | 'filters'>): EventFilter {
  const events = hook.events.map((event) => globPattern(event));
  const checks = (
    [
      ['repository', hook.filters.repository, true],
      ['branch', hook.filters.branch, false],
      ['action', hook.filters.action, false],
    ] as const
  ).flatMap(([name, patterns, ignoreCase]) =>
    patterns ? [{ name, patterns, regexps: patterns.map((pattern) => globPattern(pattern, ignoreCase)) }] : [],
  );

  return (event) => {
    if (!events.some((regexp) => regexp.test(event.event))) {
      return `the event "${event.event}" is not one of this hook's events (${hook.events.join(', ')})`;
    }
    for (const { name, patterns, regexps } of checks) {
      const value = event[name];
      if (value === undefined) return `the delivery names no ${name}, and this hook accepts only ${name} ${patterns.join(', ')}`;
      if (!regexps.some((regexp) => regexp.test(value))) return `${name} "${value}" does not match this hook's filters.${name} (${patterns.join(', ')})`;
    }
    return undefined;
  };
}
