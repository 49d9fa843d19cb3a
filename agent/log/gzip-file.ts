import { createReadStream, createWriteStream } from 'node:fs';
import { rename, stat, unlink, utimes } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

/**
 * Replaces `source` with `source.gz`. The archive is written as `source.gz.tmp`, flushed to disk and only
 * then renamed, so a crash at any point leaves either the plain file or a complete archive — a
 * `.gz.tmp` left behind is garbage to delete and `source` is still whole. The archive keeps the plain
 * file's times: age limits count from when the log was written, not from when it was compressed.
 */
export async function gzipFile(source: string, mode: number): Promise<void> {
  const target = `${source}.gz`;
  const temp = `${target}.tmp`;
  const { atime, mtime } = await stat(source);
  try {
    await pipeline(createReadStream(source), createGzip(), createWriteStream(temp, { mode, flush: true }));
    await utimes(temp, atime, mtime);
    await rename(temp, target);
  } catch (error) {
    await unlink(temp).catch(() => undefined); // best effort: start-up removes it otherwise
    throw error;
  }
  await unlink(source);
}
