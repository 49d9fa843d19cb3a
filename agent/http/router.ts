import type { Route } from './route';

export type RouteMatch = { route: Route } | { allowed: string[] } | undefined;

/**
 * Finds the route for a method and path. A path that exists under other methods gives the methods it
 * allows (for 405 and its Allow header); a path that does not exist gives undefined (404).
 */
export function matchRoute(routes: readonly Route[], method: string, path: string): RouteMatch {
  const onPath = routes.filter((route) => route.path === path);
  const route = onPath.find((candidate) => candidate.method === method);
  if (route) return { route };
  return onPath.length ? { allowed: onPath.map((candidate) => candidate.method) } : undefined;
}
