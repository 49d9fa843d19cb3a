import type { DeliveryInput } from '../queue/job-queue';
import type { EnqueueOutcome } from '../queue/job';

export type { DeliveryInput } from '../queue/job-queue';
export type { EnqueueOutcome } from '../queue/job';
export type { DeployRequest } from '../queue/types';

/**
 * Where ingress hands a verified delivery: the job queue (dedupe record + job in one transaction, maybe
 * shared with other deliveries of the same moment); answered once that transaction has committed.
 */
export type EnqueueDelivery = (input: DeliveryInput) => EnqueueOutcome | Promise<EnqueueOutcome>;
