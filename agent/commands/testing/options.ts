import type { CommandsOptions } from '../options';

/** The executor's limits in tests and benchmarks: a minute per command, 64 KiB of each stream, a short kill grace. */
export const TEST_COMMANDS_OPTIONS: CommandsOptions = { timeoutSeconds: 60, outputCapBytes: 64 * 1024, killGraceMs: 200 };
