import { CONTENT_TYPE, type Registry } from '../metrics/registry';
import type { Route } from './route';

/** GET /metrics: the Prometheus text exposition of the agent's registry. */
export function metricsRoutes(registry: Registry): Route[] {
  return [
    {
      method: 'GET',
      path: '/metrics',
      handle: () => ({ status: 200, headers: { 'content-type': CONTENT_TYPE, 'cache-control': 'no-store' }, body: registry.render() }),
    },
  ];
}
