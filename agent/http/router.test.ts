import { describe, expect, it } from 'vitest';
import { jsonResponse } from './json';
import type { Route } from './route';
import { Router } from './router';

const route = (method: Route['method'], path: string): Route => ({ method, path, handle: () => jsonResponse(200, path) });
const routes = [route('GET', '/health'), route('POST', '/hooks/:id'), route('GET', '/jobs/:id/log'), route('GET', '/jobs/stats'), route('GET', '/jobs/:id'), route('DELETE', '/jobs/:id')];

describe('Router', () => {
  it('matches fixed paths', () => {
    expect(new Router(routes).match('GET', '/health')).toEqual({ route: routes[0], params: {} });
  });

  it('gives the decoded value of each parameter', () => {
    expect(new Router(routes).match('POST', '/hooks/example')).toEqual({ route: routes[1], params: { id: 'example' } });
    expect(new Router(routes).match('POST', '/hooks/a%20b')).toEqual({ route: routes[1], params: { id: 'a b' } });
    expect(new Router(routes).match('GET', '/jobs/42/log')).toEqual({ route: routes[2], params: { id: '42' } });
  });

  it('prefers a fixed segment over a parameter', () => {
    expect(new Router(routes).match('GET', '/jobs/stats')).toEqual({ route: routes[3], params: {} });
    expect(new Router(routes).match('GET', '/jobs/7')).toEqual({ route: routes[4], params: { id: '7' } });
  });

  it('gives the allowed methods of a path that exists under others', () => {
    expect(new Router(routes).match('GET', '/hooks/example')).toEqual({ allowed: ['POST'] });
    expect(new Router(routes).match('PUT', '/jobs/7')).toEqual({ allowed: ['GET', 'DELETE'] });
    // DELETE /jobs/stats would reach /jobs/:id.
    expect(new Router(routes).match('POST', '/jobs/stats')).toEqual({ allowed: ['GET', 'DELETE'] });
  });

  it('matches nothing for an empty parameter, extra segments or malformed percent-encoding', () => {
    for (const path of ['/hooks/', '/hooks', '/hooks/a/b', '/hooks/%E0%A4%A', '/hooks/%', '/health/', '/jobs//log']) {
      expect(new Router(routes).match('POST', path), path).toBeUndefined();
    }
  });
});
