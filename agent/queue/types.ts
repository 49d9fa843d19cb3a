import type { SiteConfig } from '../config';

// What a job carries. The queue stores it; ingress makes it from a delivery; the deploy runner reads it.

/** What a job asks the deploy runner to do: one site, one exact commit. Stored as JSON with the job. */
export interface DeployRequest {
  siteId: string;
  environment: string;
  repository: string;
  branch: string;
  commit: string;
  event: string;
  sender?: string;
  hookId?: string;
  deliveryId?: string;
}

/**
 * How a site takes a new deploy while another of its deploys is waiting or running:
 * `coalesce-latest` replaces the waiting ones, `fifo` queues behind them, `reject-if-busy` refuses.
 */
export type QueuePolicy = SiteConfig['queue'];
