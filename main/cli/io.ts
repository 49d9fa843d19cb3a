import { readSecretFromTty } from './tty';

/** Where a command writes and which signals end it; tests pass their own. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  signals: NodeJS.EventEmitter;
  /** Raw streams, for commands that pass bytes through (exec). */
  streams?: { stdin: NodeJS.ReadableStream & { isTTY?: boolean }; stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream };
  /** Asks the person at the terminal; absent (or null answer) when there is no one to ask. */
  ask?(question: string, options: { secret: boolean }): Promise<string | null>;
}

export const processIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  signals: process,
  streams: { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr },
  ask: process.stdin.isTTY ? (question, options) => readSecretFromTty(question, options) : undefined,
};

/** Where the built parts of the app are, resolved by the entry file (main/cli.ts). */
export interface AppPaths {
  /** The built renderer (out/renderer). */
  rendererDir: string;
  /** The folder Electron is started on (its package.json names the main entry). */
  appDir: string;
}

/** Exit codes: 0 done, 1 failed while running, 2 refused before starting (usage, configuration, data). */
export const EXIT_USAGE = 2;

export function say(io: CliIo, text: string): number {
  io.out(text);
  return 0;
}

/** One line saying what went wrong and what to do, then exit code 2. */
export function refuse(io: CliIo, message: string): number {
  io.err(`Lifeline: ${message}`);
  return EXIT_USAGE;
}

/** The web console's port when none is given: the same address from one start to the next (a free port is taken when it is busy). */
export const DEFAULT_WEB_PORT = 7420;

export function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) throw new Error(`--port must be a whole number from 0 to 65535, not "${text}".`);
  return port;
}
