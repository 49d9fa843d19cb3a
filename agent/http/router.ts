import type { Route } from './route';

export type RouteMatch = { route: Route; params: Record<string, string> } | { allowed: string[] } | undefined;

/**
 * Finds the route for a method and path. A path that exists under other methods gives the methods it
 * allows (for 405 and its Allow header); a path that does not exist gives undefined (404). A route with
 * fixed segments wins over one with parameters in their place (/jobs/stats over /jobs/:id).
 */
/**
 * The routes table, its patterns split once: matching runs for every request, so it must not re-split
 * every pattern each time.
 */
export class Router {
  private readonly entries: { route: Route; segments: readonly string[] }[];

  constructor(routes: readonly Route[]) {
    this.entries = routes
      .map((route) => ({ route, segments: route.path.split('/') }))
      // Fewest parameters first, so that the first match on a path is the most specific one.
      .sort((a, b) => parameterCount(a.segments) - parameterCount(b.segments));
  }

  match(method: string, path: string): RouteMatch {
    const given = path.split('/');
    const onPath: { route: Route; params: Record<string, string> }[] = [];
    for (const { route, segments } of this.entries) {
      const params = matchSegments(segments, given);
      if (!params) continue;
      if (route.method === method) return { route, params };
      onPath.push({ route, params });
    }
    return onPath.length ? { allowed: [...new Set(onPath.map((candidate) => candidate.route.method))] } : undefined;
  }
}

function matchSegments(wanted: readonly string[], given: readonly string[]): Record<string, string> | undefined {
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

function parameterCount(segments: readonly string[]): number {
  return segments.filter((segment) => segment.startsWith(':')).length;
}
