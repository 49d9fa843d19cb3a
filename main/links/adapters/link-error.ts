import { SshError } from '../../ssh/errors';
import type { LayerName } from './layer';

/**
 * UNREACHABLE: the layer's way to the server or agent is down (nothing listens, no route, connection
 * lost, no tmux session, no trigger folder). AUTH: the server or agent did not accept our credentials, or
 * is not who it should be (host key, certificate pin). TIMEOUT: no answer in time, or the caller gave up.
 * PROTOCOL: the other end answered something this side cannot read. REFUSED: this layer cannot carry the
 * command to this server as configured (no agent installed where the layer looks, a folder we may not
 * write, an id the layer cannot spell) — trying again over the same layer will not help.
 */
export type LinkErrorCode = 'UNREACHABLE' | 'AUTH' | 'TIMEOUT' | 'PROTOCOL' | 'REFUSED';

/** Why a layer could not carry a command or answer a probe; the message says what to do. */
export class LinkError extends Error {
  override readonly name = 'LinkError';

  constructor(
    readonly layer: LayerName,
    readonly code: LinkErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const SSH_CODES: Record<SshError['code'], LinkErrorCode> = {
  REFUSED: 'UNREACHABLE',
  UNREACHABLE: 'UNREACHABLE',
  DISCONNECTED: 'UNREACHABLE',
  JUMP_FAILED: 'UNREACHABLE',
  TIMEOUT: 'TIMEOUT',
  CANCELLED: 'TIMEOUT',
  AUTH_FAILED: 'AUTH',
  HOST_KEY: 'AUTH',
  PROTOCOL: 'PROTOCOL',
};

/** Any failure as a LinkError of `layer`: SSH errors keep their message under the matching code. */
export function asLinkError(layer: LayerName, error: unknown): LinkError {
  if (error instanceof LinkError) return error;
  if (error instanceof SshError) {
    // A jump host that refused our key is a login problem like any other.
    const code = error.code === 'JUMP_FAILED' && error.cause instanceof SshError ? SSH_CODES[error.cause.code] : SSH_CODES[error.code];
    return new LinkError(layer, code, error.message, { cause: error });
  }
  return new LinkError(layer, 'PROTOCOL', `The ${layer} layer failed unexpectedly: ${(error as Error).message ?? String(error)}`, { cause: error });
}

/** What an abort means to a layer: the caller stopped waiting, usually at its per-layer time limit. */
export function abortedError(layer: LayerName, signal: AbortSignal): LinkError {
  if (signal.reason instanceof LinkError) return signal.reason;
  return new LinkError(
    layer,
    'TIMEOUT',
    `The ${layer} layer gave up waiting (time limit or cancelled). The command may still run on the server; retrying it with the same id never runs it twice.`,
    { cause: signal.reason },
  );
}

/** Rejects with the abort's LinkError when `signal` is already aborted. */
export function throwIfAborted(layer: LayerName, signal: AbortSignal): void {
  if (signal.aborted) throw abortedError(layer, signal);
}

/** Settles as `work` does (its errors unchanged), or rejects with TIMEOUT as soon as `signal` aborts; what `work` opens later stays its owner's. */
export function raceAbort<T>(layer: LayerName, signal: AbortSignal, work: Promise<T>): Promise<T> {
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.reject(abortedError(layer, signal));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortedError(layer, signal));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
