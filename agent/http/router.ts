import type { Route } from './route';

export type RouteMatch = { route: Route; params: Record<string, string> } | { allowed: string[] } | undefined;

/**
 * Finds the route for a method and path. A path that exists under other methods gives the methods it
 * allows (for 405 and its Allow header); a path that does not exist gives undefined (404). A route with
 * fixed segments wins over one with parameters in their place (/jobs/stats over /jobs/:id).
 */
export function matchRoute(routes: readonly Route[], method: string, path: string): RouteMatch {
  const onPath = routes
    .flatMap((route) => {
      const params = matchPath(route.path, path);
      return params ? [{ route, params }] : [];
    })
    .sort((a, b) => parameterCount(a.route.path) - parameterCount(b.route.path));
  const found = onPath.find((candidate) => candidate.route.method === method);
  if (found) return found;
  return onPath.length ? { allowed: [...new Set(onPath.map((candidate) => candidate.route.method))] } : undefined;
}

function matchPath(pattern: string, path: string): Record<string, string> | undefined {
  const wanted = pattern.split('/');
  const given = path.split('/');
  if (wanted.length !== given.length) return undefined;
  const params: Record<string, string> = {};
  for (const [index, segment] of wanted.entries()) {
    const value = given[index] ?? '';
    if (!segment.startsWith(':')) {
      if (segment !== value) return undefined;
      continue;
    }
    if (!value) return undefined;
    try {
      params[segment.slice(1)] = decodeURIComponent(value);
    } catch {
      // Malformed percent-encoding names nothing that exists.
      return undefined;
    }
  }
  return params;
}

function parameterCount(pattern: string): number {
  return pattern.split('/').filter((segment) => segment.startsWith(':')).length;
}
