import { endpointOf, SshError } from './errors';
import { fingerprintOf } from './fingerprint';
import { keyTypeOfBlob } from './known-hosts';
import type { ConnectOptions } from './target';

export interface HostVerifierHooks {
  /** A person may be deciding: stop the login clock. */
  pause(): void;
  resume(): void;
  /** The key was refused. Called before ssh2 is told, so that this is the reason the login ends. */
  refuse(error: SshError): void;
  /** The login already ended (timeout, cancel): a late answer must not touch the dead connection. */
  isOver(): boolean;
}

/**
 * ssh2's `hostVerifier` in its asynchronous form (key, callback), which ssh2 calls during key exchange,
 * before any authentication, with the wire-format host key.
 */
export function makeHostVerifier(
  target: { host: string; port: number },
  verifyHostKey: ConnectOptions['verifyHostKey'],
  hooks: HostVerifierHooks,
): (key: Buffer, verify: (valid: boolean) => void) => void {
  const where = endpointOf(target);
  let accepted: Buffer | undefined;
  return (key, verify) => {
    // ssh2 asks again at each re-key; the server may not swap keys in the middle of a connection.
    if (accepted) {
      if (accepted.equals(key)) verify(true);
      else {
        hooks.refuse(new SshError('HOST_KEY', `${where} presented a different host key (${fingerprintOf(key)}) in the middle of the connection. This may be an attack; the connection was closed. Reconnect to check the key again.`));
        verify(false);
      }
      return;
    }
    const info = { host: target.host, port: target.port, keyType: keyTypeOfBlob(key) ?? 'unknown', key: Buffer.from(key), fingerprint: fingerprintOf(key) };
    hooks.pause();
    Promise.resolve()
      .then(() => verifyHostKey(info))
      .catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))))
      .then((verdict) => {
        hooks.resume();
        if (hooks.isOver()) return;
        if (verdict === true) {
          accepted = info.key;
          verify(true);
          return;
        }
        hooks.refuse(new SshError('HOST_KEY', `The host key of ${where} was not accepted: ${verdict.message}`, { cause: verdict }));
        verify(false);
      });
  };
}
