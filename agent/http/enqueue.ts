import type { DeliveryInput } from '../queue/job-queue';
import type { EnqueueOutcome } from '../queue/job';

export type { DeliveryInput } from '../queue/job-queue';
export type { EnqueueOutcome } from '../queue/job';
export type { DeployRequest } from '../queue/types';

/** Where ingress hands a verified delivery: the job queue's enqueueDelivery (dedupe record + job in one transaction). */
export type EnqueueDelivery = (input: DeliveryInput) => EnqueueOutcome;
