import { lstatSync, watch, type FSWatcher } from 'node:fs';
import { lstat, readdir, rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../log/logger';
import { refusedResult, type CommandResult, type RunParams } from '../protocol/messages';
import { prepareTriggerFolder } from './folder';
import { classifyEntry, refusalName, resultName, type TriggerEntry } from './names';
import type { TriggerOptions } from './options';
import { readRequest } from './request-file';
import { writeAnswer } from './result-file';

/**
 * Runs the command files dropped into the trigger folder (see names.ts for the protocol). fs.watch brings
 * a request in as soon as it is renamed into place; a rescan every `rescanMs` catches what a watch
 * missed, retries a request whose run failed, checks the folder again (recreating it when it was
 * deleted, pausing while others can reach it) and deletes answers older than the retention. A request
 * stays until its answer is written, so one left by a crash is picked up at the next start, where the
 * executor's dedupe answers it without running it twice.
 */
export class TriggerWatcher {
  private watcher: FSWatcher | null = null;
  /** The folder the watch is on: a folder deleted and made again is a new inode and needs a new watch. */
  private watchedIno: number | null = null;
  private timer: NodeJS.Timeout | null = null;
  private scanning: Promise<void> | null = null;
  /** Why the folder cannot be used right now; nothing is picked up meanwhile. */
  private folderProblem: string | null = null;
  /** Entries being handled, so that a watch event and a rescan never handle one twice at once. */
  private readonly handling = new Map<string, Promise<void>>();
  /** Refused entries that could not be deleted (a folder with files in it): answered once, then left alone. */
  private readonly stuck = new Set<string>();
  private state: 'new' | 'started' | 'stopped' = 'new';

  constructor(
    private readonly options: TriggerOptions,
    private readonly run: (params: RunParams) => Promise<CommandResult>,
    private readonly log: Logger,
  ) {}

  /** Checks (or creates) the folder, rejecting with a TriggerError when unsafe; handles what is there; watches. */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new Error('TriggerWatcher.start called twice');
    this.state = 'started';
    await prepareTriggerFolder(this.options.dir);
    await this.rescan();
    if (this.state === 'started') this.timer = setInterval(() => void this.rescan(), this.options.rescanMs);
  }

  /** Stops picking up files and waits for the ones being handled (their commands included). */
  async stop(): Promise<void> {
    this.state = 'stopped';
    this.unwatch();
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.scanning;
    await Promise.allSettled([...this.handling.values()]);
  }

  private watch(ino: number): void {
    this.unwatch();
    try {
      // Buffer names: a name that is not UTF-8 must still be found on disk to be removed.
      const watcher = watch(this.options.dir, { encoding: 'buffer' }, (_event, name) => {
        if (name) this.consider(name);
        else void this.rescan();
      });
      watcher.on('error', (error) => {
        this.log.warn('trigger folder watch failed; the periodic rescan goes on and watches again', { error });
        if (this.watcher === watcher) this.unwatch();
      });
      this.watcher = watcher;
      this.watchedIno = ino;
    } catch (error) {
      this.log.warn('trigger folder cannot be watched; the periodic rescan picks files up meanwhile', { error });
    }
  }

  private unwatch(): void {
    this.watcher?.close();
    this.watcher = null;
    this.watchedIno = null;
  }

  private rescan(): Promise<void> {
    if (this.state !== 'started') return Promise.resolve();
    // One scan at a time: a slow one (a huge folder) is not stacked up by the interval.
    this.scanning ??= this.scan().finally(() => (this.scanning = null));
    return this.scanning;
  }

  private async scan(): Promise<void> {
    let names: Buffer[];
    try {
      const folder = await prepareTriggerFolder(this.options.dir);
      if (this.state !== 'started') return;
      if (folder.ino !== this.watchedIno) this.watch(folder.ino);
      names = await readdir(this.options.dir, { encoding: 'buffer' });
    } catch (error) {
      const problem = (error as Error).message;
      // Said once, not at every rescan, until it changes or goes away.
      if (problem !== this.folderProblem) this.log.error('trigger folder cannot be used; requests wait until it can', { error, dir: this.options.dir });
      this.folderProblem = problem;
      return;
    }
    if (this.folderProblem !== null) this.log.info('trigger folder usable again', { dir: this.options.dir });
    this.folderProblem = null;
    const present = new Set<string>();
    for (const name of names) {
      present.add(name.toString('latin1'));
      this.consider(name);
    }
    for (const name of this.stuck) if (!present.has(name)) this.stuck.delete(name);
    await this.expireAnswers(names);
  }

  private consider(rawName: Buffer): void {
    if (this.state !== 'started' || this.folderProblem !== null) return;
    const key = rawName.toString('latin1');
    if (this.handling.has(key) || this.stuck.has(key)) return;
    const name = rawName.toString('utf8');
    const entry: TriggerEntry | null = Buffer.from(name, 'utf8').equals(rawName) ? classifyEntry(name) : null;
    if (entry?.kind === 'answer' || entry?.kind === 'partial') return;
    const task = (entry ? this.handle(name, entry) : this.dropUnnamable(rawName))
      .catch((error: unknown) => this.log.error('trigger request failed; the next rescan retries it', { error, file: name }))
      .finally(() => this.handling.delete(key));
    this.handling.set(key, task);
  }

  private async handle(name: string, entry: Extract<TriggerEntry, { kind: 'request' | 'stranger' }>): Promise<void> {
    if (entry.kind === 'stranger') {
      // fs.watch also reports changes to the folder itself (a chmod) under the folder's own name: only a
      // file that is really in the folder is a stranger to answer.
      if (!this.present(name)) return;
      const why = `${name} is not a trigger request: a request is named <id>.json, where the id is 8 to 128 letters, digits, "_" or "-" (no dots), starting with a letter or digit.`;
      await this.refuse(name, name, refusalName(name), why);
      return;
    }
    const reading = readRequest(this.options.dir, name, entry.id, this.options.maxFileBytes);
    if ('gone' in reading) return;
    if ('refused' in reading) {
      await this.refuse(name, entry.id, resultName(entry.id), reading.refused);
      return;
    }
    const result = await this.run(reading.params);
    await writeAnswer(this.options.dir, resultName(entry.id), result);
    await this.remove(name);
    this.log.info('trigger request answered', { commandId: entry.id, state: result.state, exitCode: result.exitCode, replayed: result.replayed });
  }

  private async refuse(name: string, commandId: string, answerName: string, why: string): Promise<void> {
    this.log.warn('trigger file refused', { file: name, reason: why });
    await writeAnswer(this.options.dir, answerName, refusedResult(commandId, why, new Date())).catch((error: unknown) => {
      // e.g. a name so long that the answer's name would exceed the file system's limit
      this.log.warn('trigger refusal could not be written; the file is removed unanswered', { error, file: name });
    });
    await this.remove(name);
  }

  private present(name: string): boolean {
    try {
      lstatSync(join(this.options.dir, name));
      return true;
    } catch {
      return false;
    }
  }

  /** A name that is not UTF-8 cannot be named in an answer: it is removed, and the log says so. */
  private async dropUnnamable(rawName: Buffer): Promise<void> {
    this.log.warn('trigger file refused: its name is not UTF-8; removed unanswered', { file: rawName.toString('hex') });
    await this.remove(rawName);
  }

  /** Removes a handled entry (a link itself, never its target); a folder only when empty. */
  private async remove(name: string | Buffer): Promise<void> {
    const path = typeof name === 'string' ? join(this.options.dir, name) : Buffer.concat([Buffer.from(`${this.options.dir}/`), name]);
    try {
      const info = await lstat(path);
      if (info.isDirectory()) await rmdir(path);
      else await rm(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      const key = typeof name === 'string' ? Buffer.from(name).toString('latin1') : name.toString('latin1');
      this.stuck.add(key);
      this.log.warn('a handled trigger file could not be removed; it is left alone until it goes', { error, file: name.toString() });
    }
  }

  /** Deletes answers and abandoned partial files older than the retention. */
  private async expireAnswers(names: Buffer[]): Promise<void> {
    const oldest = Date.now() - this.options.retentionMs;
    for (const rawName of names) {
      const name = rawName.toString('utf8');
      const kind = classifyEntry(name).kind;
      if (kind !== 'answer' && kind !== 'partial') continue;
      const info = await lstat(join(this.options.dir, name)).catch(() => null);
      if (info && info.mtimeMs < oldest) await this.remove(name);
    }
  }
}
