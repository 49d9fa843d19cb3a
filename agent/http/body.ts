import type { Readable } from 'node:stream';

/** What `readBody` gives when the sender exceeds the limit. */
export const TOO_LARGE = Symbol('too large');

/**
 * Collects a request body up to `limit` bytes. At the limit it stops reading (pausing, not destroying,
 * the stream, so a 413 answer can still be written) instead of buffering whatever a client sends.
 * Rejects when the client goes away before the body is complete.
 */
export function readBody(source: Readable, limit: number): Promise<Buffer | typeof TOO_LARGE> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      stop();
      source.pause();
      resolve(TOO_LARGE);
    };
    const onEnd = () => {
      stop();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (error: Error) => {
      stop();
      reject(error);
    };
    const onClose = () => onError(new Error('the client closed the connection before sending the whole body'));
    function stop() {
      source.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
    }
    source.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });
}
