// Test support: a host key verifier that trusts exactly the given keys and records what it was asked.
import type { HostKeyInfo } from '../target';
import type { TestKey } from './keys';

export interface RecordingVerifier {
  readonly verifyHostKey: (info: HostKeyInfo) => Promise<true | Error>;
  readonly asked: HostKeyInfo[];
}

export function trustKeys(keys: () => readonly TestKey[]): RecordingVerifier {
  const asked: HostKeyInfo[] = [];
  return {
    asked,
    verifyHostKey: async (info) => {
      asked.push(info);
      if (keys().some((key) => key.blob.equals(info.key))) return true;
      return new Error(`the test does not trust ${info.keyType} ${info.fingerprint}`);
    },
  };
}
