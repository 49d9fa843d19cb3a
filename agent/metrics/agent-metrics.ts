import { registerProcessMetrics } from './process';
import { Counter, Gauge, Histogram, Registry } from './registry';

/** What the scrape reads from the queue; the JobQueue provides it. */
export interface QueueReadings {
  counts(): Record<string, number>;
  oldestQueuedAgeSeconds(): number | null;
  /** Sites whose deploy holds a lease now. */
  leasedSites(): string[];
}

// Webhook senders give up after 10 s (GitHub); the interesting part is well below that.
const ACK_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10];
// Deploys take from seconds (a restart) to many minutes (an image build).
const DEPLOY_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600];

/** The agent's metrics, one registry per agent. Names carry the `lifeline_` prefix. */
export class AgentMetrics {
  readonly registry = new Registry();
  readonly webhookRequests = this.registry.register(
    new Counter('lifeline_webhook_requests_total', 'Webhook requests by hook and result (accepted, duplicate, ignored, busy, unauthorized, …).', ['hook', 'result']),
  );
  readonly ackSeconds = this.registry.register(
    new Histogram('lifeline_webhook_ack_seconds', 'Time from a webhook request to its answer, the job committed.', ['hook'], ACK_BUCKETS),
  );
  readonly deploys = this.registry.register(new Counter('lifeline_deploys_total', 'Finished deploys by site and result.', ['site', 'result']));
  readonly deployDuration = this.registry.register(new Histogram('lifeline_deploy_duration_seconds', 'Deploy durations by site.', ['site'], DEPLOY_BUCKETS));
  readonly rollbacks = this.registry.register(new Counter('lifeline_rollbacks_total', 'Rollbacks to a previous release, by site.', ['site']));

  constructor(queue: QueueReadings) {
    this.registry.register(
      new Gauge('lifeline_jobs', 'Jobs by state.', ['state'], () => Object.entries(queue.counts()).map(([state, value]) => ({ labels: { state }, value }))),
    );
    this.registry.register(
      new Gauge('lifeline_oldest_queued_job_age_seconds', 'Age of the oldest job waiting to run (0 when none waits).', [], () => [{ value: queue.oldestQueuedAgeSeconds() ?? 0 }]),
    );
    this.registry.register(
      new Gauge('lifeline_site_lease_held', 'Whether a deploy of the site holds its lease now (1) or not (0 is not listed).', ['site'], () =>
        queue.leasedSites().map((site) => ({ labels: { site }, value: 1 })),
      ),
    );
    registerProcessMetrics(this.registry);
  }
}
