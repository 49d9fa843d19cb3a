// Test support: the client side of the trigger protocol on a local folder, as main/links does over SFTP.
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CommandResult, RunParams } from '../protocol/messages';
import { requestName, requestTempName, resultName } from './names';

/** Writes `<id>.json.tmp`, then renames it to `<id>.json`: the agent never sees half a request. */
export async function submitRequest(dir: string, params: RunParams | Record<string, unknown>, id = String(params.commandId)): Promise<void> {
  await writeFile(join(dir, requestTempName(id)), JSON.stringify(params), { mode: 0o600 });
  await rename(join(dir, requestTempName(id)), join(dir, requestName(id)));
}

/** The answer in `<dir>/<name>` (default: the result of `id`) once it appears; fails after `timeoutMs`. */
export async function awaitAnswer(dir: string, id: string, name = resultName(id), timeoutMs = 10_000): Promise<CommandResult> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await readFile(join(dir, name), 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return null;
      throw error;
    });
    if (text !== null) return JSON.parse(text) as CommandResult;
    if (Date.now() > deadline) throw new Error(`no ${name} in ${dir} after ${timeoutMs} ms`);
    await sleep(10);
  }
}
