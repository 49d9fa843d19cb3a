/** What a rotating log keeps of its rotated files; any combination, at least one. */
export interface LogRetention {
  /** Files in all, the one being written included. */
  readonly files?: number;
  /** Bytes of all files together (compressed sizes where compressed), the one being written included. */
  readonly totalBytes?: number;
  /** Rotated files last written longer ago than this are deleted. */
  readonly maxAgeMs?: number;
}

export interface KeptFile {
  readonly path: string;
  readonly size: number;
  readonly mtimeMs: number;
}

export function checkRetention(keep: LogRetention): void {
  const limits = [keep.files, keep.totalBytes, keep.maxAgeMs].filter((limit) => limit !== undefined);
  if (limits.length === 0) {
    throw new Error('A rotating log needs a limit on what it keeps (files, totalBytes or maxAgeMs); without one it fills the disk.');
  }
  for (const limit of limits) {
    if (!(Number.isInteger(limit) && limit >= 1)) throw new Error(`Log retention limits are whole numbers of at least 1, not ${limit}.`);
  }
}

/**
 * The rotated files to delete, given oldest first: those past the age limit, then the oldest until the
 * count and the total fit. The file being written is never among them, so a single file larger than
 * the total cap stays (it rotates soon enough).
 */
export function filesToDelete(rotated: readonly KeptFile[], currentBytes: number, keep: LogRetention, now: number): KeptFile[] {
  let files = rotated.length + 1;
  let bytes = rotated.reduce((sum, file) => sum + file.size, currentBytes);
  const doomed: KeptFile[] = [];
  for (const file of rotated) {
    const tooMany = keep.files !== undefined && files > keep.files;
    const tooBig = keep.totalBytes !== undefined && bytes > keep.totalBytes;
    const tooOld = keep.maxAgeMs !== undefined && now - file.mtimeMs > keep.maxAgeMs;
    if (!(tooMany || tooBig || tooOld)) continue;
    doomed.push(file);
    files -= 1;
    bytes -= file.size;
  }
  return doomed;
}
