// The two shapes the queue takes from outside it. They stand here until the config schema
// (agent/config.ts) declares them; the queue needs nothing more of either than what is written here.

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
export type QueuePolicy = 'coalesce-latest' | 'fifo' | 'reject-if-busy';
