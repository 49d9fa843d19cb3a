import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { describeIssues } from '../protocol/client';
import { runParamsSchema, type RunParams } from '../protocol/messages';
import { requestTempName } from './names';

export type RequestReading = { params: RunParams } | { refused: string } | { gone: true };

// O_NOFOLLOW: a symlink swapped in after the lstat fails to open instead of being followed.
// O_NONBLOCK: a FIFO swapped in opens at once instead of hanging the watcher until a writer comes.
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

const HOW = (id: string) => `write the request as ${requestTempName(id)}, then rename it to the final name`;

/**
 * Reads and checks the request in `<dir>/<name>` (named after command `id`). Never follows a link, never
 * reads past the size limit, and says in words why a file is refused; `gone` when it vanished meanwhile.
 * Synchronous on purpose: this is the pickup path, and five calls on one small local file take
 * microseconds where five trips through the thread pool double the time from rename to run.
 */
export function readRequest(dir: string, name: string, id: string, maxBytes: number): RequestReading {
  const path = join(dir, name);
  let fd: number;
  try {
    const unfit = checkEntry(name, lstatSync(path), maxBytes, id);
    if (unfit) return { refused: unfit };
    fd = openSync(path, OPEN_FLAGS);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { gone: true };
    if (code === 'ELOOP') return { refused: symlinkRefusal(name, id) };
    throw error;
  }
  let bytes: Buffer;
  try {
    // The file may have changed since the lstat: the open descriptor is the truth.
    const changed = checkEntry(name, fstatSync(fd), maxBytes, id);
    if (changed) return { refused: changed };
    const buffer = Buffer.allocUnsafe(maxBytes + 1);
    const bytesRead = readSync(fd, buffer, 0, buffer.length, 0);
    if (bytesRead > maxBytes) return { refused: tooLarge(name, bytesRead, maxBytes) };
    bytes = buffer.subarray(0, bytesRead);
  } finally {
    closeSync(fd);
  }
  return parseRequest(name, id, bytes);
}

function parseRequest(name: string, id: string, bytes: Buffer): RequestReading {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { refused: `${name} is not UTF-8 text; write the command's RunParams as one JSON object in UTF-8.` };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { refused: `${name} is not valid JSON (${(error as Error).message}); write the command's RunParams as one JSON object.` };
  }
  const parsed = runParamsSchema.safeParse(json);
  if (!parsed.success) return { refused: `${name} is not a valid request: ${describeIssues(parsed.error.issues, 'request')}.` };
  if (parsed.data.commandId !== id) {
    return { refused: `${name} carries commandId "${parsed.data.commandId}" but is named after "${id}"; name the file after its command id (${parsed.data.commandId}.json).` };
  }
  return { params: parsed.data };
}

function checkEntry(name: string, info: Stats, maxBytes: number, id: string): string | null {
  if (info.isSymbolicLink()) return symlinkRefusal(name, id);
  if (!info.isFile()) return `${name} is ${kindOf(info)}, not a regular file; ${HOW(id)}.`;
  if (info.size > maxBytes) return tooLarge(name, info.size, maxBytes);
  return null;
}

function tooLarge(name: string, size: number, maxBytes: number): string {
  return `${name} has ${size} bytes or more, over the agent's limit of ${maxBytes}; send a shorter request (a named command keeps long argv in the agent's config).`;
}

function kindOf(info: Stats): string {
  if (info.isDirectory()) return 'a folder';
  if (info.isFIFO()) return 'a FIFO';
  if (info.isSocket()) return 'a socket';
  return 'a device';
}

function symlinkRefusal(name: string, id: string): string {
  return `${name} is a symbolic link; the agent reads only regular files in the trigger folder: ${HOW(id)}.`;
}
