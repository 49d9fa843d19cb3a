// Test support (not shipped): a stored server that logs in to a test sshd with a vault key, set up only
// through the contract (dispatch), and a stand-in for the person who accepts its host key when asked.
import type { KeyInfo, PendingPrompt, Result, Server, Unsubscribe } from '../../preload/api';
import type { TestKey } from '../ssh/testing/keys';
import type { TestSshd } from '../ssh/testing/sshd';
import { dispatch } from './requests';
import type { LifelineService } from './service';

const VAULT_PASSPHRASE = 'terminal tests passphrase';

/** Calls a request through the one validation path the transports use; throws on a failed result. */
export async function call<T>(service: LifelineService, method: string, ...args: unknown[]): Promise<T> {
  const result = (await dispatch(service, method, args)) as Result<T>;
  if (!result.ok) throw new Error(`${method} failed: ${result.code} ${result.message}`);
  return result.value;
}

/** Sets up the vault, imports `key` and stores a server for `sshd` that logs in with it. */
export async function addSshdServer(service: LifelineService, sshd: TestSshd, key: TestKey, name = 'test-sshd'): Promise<Server> {
  await call(service, 'initializeVault', { passphrase: VAULT_PASSPHRASE });
  const imported = await call<KeyInfo>(service, 'importKey', { name: `${name}-key`, text: key.privateKey.toString('utf8') });
  return call<Server>(service, 'createServer', { name, host: sshd.host, port: sshd.port, user: sshd.user, auth: 'key', keyId: imported.id });
}

/** Answers every host-key question with `decision` through answerPrompt, as a window would; returns how to stop. */
export function answerHostKeys(service: LifelineService, decision: 'once' | 'remember' | 'cancel', asked: PendingPrompt[] = []): Unsubscribe {
  return service.events.promptsChanged((prompts) => {
    for (const prompt of prompts) {
      if (prompt.kind !== 'host-key' || asked.some((seen) => seen.id === prompt.id)) continue;
      asked.push(prompt);
      void dispatch(service, 'answerPrompt', [prompt.id, { kind: 'host-key', decision }]);
    }
  });
}
