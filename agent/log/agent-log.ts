import type { AgentConfig } from '../config';
import { RotatingLog } from './rotating-log';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * One of the agent's own log files (its main log, its security log) with the configured limits; the
 * limits apply to each file and its rotated files separately. Rotated files are compressed: JSON lines
 * shrink about tenfold, and they are read by tools (zcat, jq, log shippers) rather than by eye.
 */
export function openAgentLog(file: string, limits: AgentConfig['logs'], onProblem?: (message: string) => void): RotatingLog {
  return new RotatingLog(file, {
    maxBytes: limits.maxFileBytes,
    keep: { totalBytes: limits.maxTotalBytes, maxAgeMs: limits.maxAgeDays * DAY_MS },
    gzip: true,
    onProblem,
  });
}
