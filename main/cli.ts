import { resolve } from 'node:path';
import { runCli } from './cli/index';
import { processIo, type CliIo } from './cli/io';

// Entry of the `lifeline` command, bundled to out/main/cli.js (bin/lifeline.cjs loads it). It runs under
// plain Node: the web console and the agent live here, and the desktop app is started as a separate
// Electron process when a runtime exists. Paths are resolved here because this file's folder is the
// same relative to out/renderer in the bundle (out/main) as to the renderer sources in a test (main/).

export type { CliIo } from './cli/io';

export function main(argv: string[], io: CliIo = processIo): Promise<number> {
  return runCli(argv, io, { rendererDir: resolve(__dirname, '../renderer'), appDir: resolve(__dirname, '../..') });
}
