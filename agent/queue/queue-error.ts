export type QueueErrorCode = 'NOT_FOUND' | 'NOT_RETRYABLE';

/** An operator asked for something the queue cannot do; the message says why and what to do instead. */
export class QueueError extends Error {
  override readonly name = 'QueueError';

  constructor(
    readonly code: QueueErrorCode,
    message: string,
  ) {
    super(message);
  }
}
