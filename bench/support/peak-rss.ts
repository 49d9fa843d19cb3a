// Peak resident memory of a process we did not spawn ourselves, read from /proc as `top` does.
import { readdirSync, readFileSync } from 'node:fs';

const SAMPLE_MS = 100;

/** The PID of the one process whose environment holds `NAME=value` (e.g. a web console's LIFELINE_HOME). */
export function pidWithEnv(name: string, value: string): number {
  const wanted = `${name}=${value}`;
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'latin1').split('\0').includes(wanted)) found.push(Number(entry));
    } catch {
      // The process ended while we looked, or is not ours to read: it is not the one we want.
    }
  }
  if (found.length !== 1) throw new Error(`Expected one process with ${wanted} in its environment, found ${found.length}: is the web console running?`);
  return found[0];
}

function rssBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`/proc/${pid}/status has no VmRSS line: the process has ended.`);
  return Number(match[1]) * 1024;
}

/** Samples the process's RSS every 100 ms until stop(), which returns the peak in bytes. */
export function watchPeakRss(pid: number): { stop(): number } {
  let peak = rssBytes(pid);
  const timer = setInterval(() => {
    peak = Math.max(peak, rssBytes(pid));
  }, SAMPLE_MS);
  return {
    stop: () => {
      clearInterval(timer);
      return Math.max(peak, rssBytes(pid));
    },
  };
}
