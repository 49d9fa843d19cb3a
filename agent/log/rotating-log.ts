import { mkdir, open, readdir, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { gzipFile } from './gzip-file';
import { checkRetention, filesToDelete, type KeptFile, type LogRetention } from './retention';
import { logFamily, msOfStamp, rotatedEntries, rotatedPath, type LogFamily } from './rotated-names';

export type { LogRetention } from './retention';

export interface RotatingLogOptions {
  /** A file is rotated before a write that would take it past this size; only a write larger than a whole file is split. */
  readonly maxBytes: number;
  readonly keep: LogRetention;
  /** Compress rotated files, in the background: writes never wait for it. */
  readonly gzip?: boolean;
  /** Of every file the log creates; default 0600 (logs tell a lot about a server). */
  readonly mode?: number;
  /** Epoch milliseconds, for rotated names and the age limit; defaults to Date.now. */
  readonly now?: () => number;
  /** Hears about failures of the background work (compressing, deleting), which do not stop the log. Defaults to stderr. */
  readonly onProblem?: (message: string) => void;
}

/**
 * An append-only log file that rotates by size: the full file is renamed to `<stem>.<UTC stamp><ext>`
 * (see rotated-names.ts), optionally compressed, and the rotated files beyond the retention limits are
 * deleted — after every rotation and at start-up, which also finishes what a crash interrupted.
 * Writes are asynchronous; like any Writable, `write()` returns false while too much is queued, which
 * the caller turns into backpressure on its source. `end()` finishes once the background work has.
 * One writer per path: two processes sharing a file would rotate and clean up under each other.
 */
export class RotatingLog extends Writable {
  readonly path: string;
  private readonly family: LogFamily;
  private readonly maxBytes: number;
  private readonly keep: LogRetention;
  private readonly gzip: boolean;
  private readonly mode: number;
  private readonly now: () => number;
  private readonly onProblem: (message: string) => void;
  private handle: FileHandle | undefined;
  private size = 0;
  /** Of the newest rotated name: a rotation in the same millisecond takes the next one, so names stay unique and in order. */
  private lastRotatedMs = 0;
  private tidying: Promise<void> | undefined;
  private tidyAgain = false;

  constructor(path: string, options: RotatingLogOptions) {
    // Before super(): the stream schedules _construct as soon as it exists.
    if (!(Number.isInteger(options.maxBytes) && options.maxBytes >= 1)) {
      throw new Error(`A rotating log's file size limit is a whole number of bytes of at least 1, not ${options.maxBytes}.`);
    }
    checkRetention(options.keep);
    super();
    this.path = path;
    this.family = logFamily(path);
    this.maxBytes = options.maxBytes;
    this.keep = options.keep;
    this.gzip = options.gzip ?? false;
    this.mode = options.mode ?? 0o600;
    this.now = options.now ?? Date.now;
    this.onProblem = options.onProblem ?? ((message) => process.stderr.write(`lifeline: ${message}\n`));
  }

  override _construct(callback: (error?: Error | null) => void): void {
    this.start().then(() => callback(), callback);
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.append(chunk).then(() => callback(), callback);
  }

  // Lines queued while a write is under way leave as one write: one file write per line could not keep
  // up with a busy agent (measured: its memory grew by 140 MB in 30 s of webhooks), batched it does.
  override _writev(chunks: { chunk: Buffer }[], callback: (error?: Error | null) => void): void {
    this.appendAll(chunks.map(({ chunk }) => chunk)).then(() => callback(), callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.closeFile()
      .then(() => this.idle())
      .then(() => callback(), callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.closeFile()
      .then(() => this.idle())
      .then(
        () => callback(error),
        (closeError: Error) => callback(error ?? closeError),
      );
  }

  private async start(): Promise<void> {
    // A folder only its owner can enter when the files are owner-only (0600 → 0700, 0644 → 0755).
    await mkdir(this.family.dir, { recursive: true, mode: this.mode | ((this.mode & 0o444) >> 2) });
    const newest = rotatedEntries(this.family, await readdir(this.family.dir)).at(-1);
    if (newest) this.lastRotatedMs = msOfStamp(newest.stamp);
    await this.openFile();
    this.tidySoon();
  }

  private async openFile(): Promise<void> {
    this.handle = await open(this.path, 'a', this.mode);
    this.size = (await this.handle.stat()).size;
  }

  private async closeFile(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close();
  }

  /** Writes runs of chunks that fit the current file at once; a chunk that does not fit goes through `append`. */
  private async appendAll(chunks: Buffer[]): Promise<void> {
    let batch: Buffer[] = [];
    let batchBytes = 0;
    const flush = async (): Promise<void> => {
      if (batch.length === 0) return;
      const data = batch.length === 1 ? batch[0] : Buffer.concat(batch, batchBytes);
      batch = [];
      batchBytes = 0;
      await this.writeFully(data);
      this.size += data.length;
    };
    for (const chunk of chunks) {
      if (this.size + batchBytes + chunk.length <= this.maxBytes) {
        batch.push(chunk);
        batchBytes += chunk.length;
        continue;
      }
      await flush();
      await this.append(chunk);
    }
    await flush();
  }

  private async append(chunk: Buffer): Promise<void> {
    let rest = chunk;
    while (rest.length > 0) {
      // Rotating before a write that does not fit keeps each write (a log line) whole in one file.
      if (this.size > 0 && this.size + Math.min(rest.length, this.maxBytes) > this.maxBytes) await this.rotate();
      const part = rest.subarray(0, this.maxBytes - this.size);
      await this.writeFully(part);
      this.size += part.length;
      rest = rest.subarray(part.length);
    }
  }

  private async writeFully(data: Buffer): Promise<void> {
    let offset = 0;
    while (offset < data.length) {
      const { bytesWritten } = await (this.handle as FileHandle).write(data, offset);
      offset += bytesWritten;
    }
  }

  private async rotate(): Promise<void> {
    await this.closeFile();
    this.lastRotatedMs = Math.max(this.now(), this.lastRotatedMs + 1);
    await rename(this.path, rotatedPath(this.family, this.lastRotatedMs)).catch((error: NodeJS.ErrnoException) => {
      // Somebody removed the file under us: there is nothing to keep, a new file starts.
      if (error.code !== 'ENOENT') throw error;
    });
    await this.openFile();
    this.tidySoon();
  }

  /** Runs tidy() in the background, one run at a time; a request during a run makes one more run. */
  private tidySoon(): void {
    if (this.tidying) {
      this.tidyAgain = true;
      return;
    }
    this.tidying = (async () => {
      do {
        this.tidyAgain = false;
        await this.tidy();
      } while (this.tidyAgain);
      this.tidying = undefined;
    })();
  }

  private async idle(): Promise<void> {
    while (this.tidying) await this.tidying;
  }

  /** Finishes interrupted compressions, compresses what is due and applies the retention limits. Never throws. */
  private async tidy(): Promise<void> {
    const { dir } = this.family;
    const names = await this.names();
    if (!names) return;
    const present = new Set(names);
    const plain: string[] = [];
    for (const entry of rotatedEntries(this.family, names)) {
      // Runs are one at a time and only they compress, so a `.tmp` seen here belongs to a run that died.
      if (entry.tmp) await this.remove(join(dir, entry.name));
      // Compressed before a crash that came before the plain file was removed.
      else if (!entry.gz && present.has(`${entry.name}.gz`)) await this.remove(join(dir, entry.name));
      else if (!entry.gz) plain.push(entry.name);
    }
    if (this.gzip) {
      for (const name of plain) {
        await gzipFile(join(dir, name), this.mode).catch((error: Error) =>
          this.onProblem(`Could not compress the rotated log ${join(dir, name)}: ${error.message}. It stays uncompressed; check the free space and permissions of ${dir}.`),
        );
      }
    }
    await this.applyRetention();
  }

  private async applyRetention(): Promise<void> {
    const names = await this.names();
    if (!names) return;
    const kept: KeptFile[] = [];
    for (const entry of rotatedEntries(this.family, names)) {
      if (entry.tmp) continue;
      const path = join(this.family.dir, entry.name);
      const stats = await stat(path).catch(() => undefined); // gone meanwhile: nothing to count
      if (stats) kept.push({ path, size: stats.size, mtimeMs: stats.mtimeMs });
    }
    for (const file of filesToDelete(kept, this.size, this.keep, this.now())) await this.remove(file.path);
  }

  private async names(): Promise<string[] | undefined> {
    try {
      return await readdir(this.family.dir);
    } catch (error) {
      this.onProblem(`Could not list ${this.family.dir} to rotate ${this.path}: ${(error as Error).message}. Old logs are not cleaned up until it can be read.`);
      return undefined;
    }
  }

  private async remove(path: string): Promise<void> {
    await unlink(path).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') this.onProblem(`Could not delete the old log ${path}: ${error.message}. Delete it by hand or fix the permissions of its folder.`);
    });
  }
}
