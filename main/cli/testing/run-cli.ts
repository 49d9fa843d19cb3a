import { EventEmitter } from 'node:events';
import { main } from '../../cli';
import type { CliIo } from '../io';

/** Runs the command line in this process, as a test drives it: its exit code and what it printed. */
export async function lifeline(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (line) => out.push(line), err: (line) => err.push(line), signals: new EventEmitter() };
  const code = await main(argv, io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}
