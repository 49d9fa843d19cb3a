import { mkdir, open, rename, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';

export interface LogRotation {
  /** A log file is rotated before it would grow beyond this. */
  readonly maxBytes: number;
  /** Files kept: the current one and `files - 1` rotated ones (`.1` the newest). */
  readonly files: number;
}

export const DEFAULT_LOG_ROTATION: LogRotation = { maxBytes: 10 * 1024 * 1024, files: 5 };

// Ids become folder and file names: anything else could climb out of the logs folder.
const SAFE_ID = /^[A-Za-z0-9_-]{1,128}$/;

/** `<dataDir>/logs/<server id>/<UTC date>-<terminal id>.log` */
export function sessionLogPath(dataDir: string, serverId: string, terminalId: string, now: Date): string {
  for (const id of [serverId, terminalId]) {
    if (!SAFE_ID.test(id)) throw new Error(`"${id}" cannot name a log file: ids are letters, digits, "_" and "-". This is a bug; please report it.`);
  }
  return join(dataDir, 'logs', serverId, `${now.toISOString().slice(0, 10)}-${terminalId}.log`);
}

/**
 * An append-only file that rotates by size: `path` → `path.1` → … → `path.<files-1>`, the oldest
 * dropped. Writes are asynchronous; like any Writable, `write()` returns false while too much is
 * queued, which the caller turns into backpressure on its source.
 */
export class RotatingLog extends Writable {
  private handle: FileHandle | undefined;
  private size = 0;

  constructor(
    readonly path: string,
    private readonly rotation: LogRotation = DEFAULT_LOG_ROTATION,
  ) {
    super();
    if (!(rotation.maxBytes > 0 && Number.isInteger(rotation.files) && rotation.files >= 1)) {
      throw new Error('Log rotation needs a positive size and at least one file.');
    }
  }

  override _construct(callback: (error?: Error | null) => void): void {
    this.openFile().then(() => callback(), callback);
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.append(chunk).then(() => callback(), callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.closeFile().then(() => callback(), callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.closeFile().then(
      () => callback(error),
      (closeError: Error) => callback(error ?? closeError),
    );
  }

  private async openFile(): Promise<void> {
    // Transcripts hold whatever crossed the terminal, passwords typed at prompts included: owner only.
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    this.handle = await open(this.path, 'a', 0o600);
    this.size = (await this.handle.stat()).size;
  }

  private async closeFile(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close();
  }

  private async append(chunk: Buffer): Promise<void> {
    let rest = chunk;
    while (rest.length > 0) {
      if (this.size >= this.rotation.maxBytes) await this.rotate();
      const part = rest.subarray(0, this.rotation.maxBytes - this.size);
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
    for (let index = this.rotation.files - 1; index >= 1; index--) {
      const from = index === 1 ? this.path : `${this.path}.${index - 1}`;
      await rename(from, `${this.path}.${index}`).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      });
    }
    if (this.rotation.files === 1) {
      // Nothing to rotate into: start the one file over.
      this.handle = await open(this.path, 'w', 0o600);
      this.size = 0;
      return;
    }
    await this.openFile();
  }
}
