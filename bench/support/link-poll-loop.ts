// The trigger watcher's peer: the seed design's bash loop, which looked for command files every 200 ms.
// It notes when it found each one ($EPOCHREALTIME, bash's own microsecond clock: no process per stamp)
// and takes it away, as the seed's loop moved a file it picked up out of the folder.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

// $1: the folder; $2: the log of "<epoch seconds.micros> <file name>" lines.
const LOOP = `
dir=$1 log=$2
while :; do
  for f in "$dir"/*.json; do
    [ -e "$f" ] || continue
    printf '%s %s\\n' "$EPOCHREALTIME" "\${f##*/}" >> "$log"
    rm -f -- "$f"
  done
  sleep 0.2
done
`;
const LOOK_EVERY_MS = 2;
const GIVE_UP_MS = 5000;

export interface PollLoop {
  /** Wall-clock ms (performance.timeOrigin + performance.now()) when the loop found `name`. */
  pickedUp(name: string): Promise<number>;
  stop(): Promise<void>;
}

export function startPollLoop(dir: string, log: string): PollLoop {
  // Its own process group, so that stop() ends the loop and the `sleep` it may be waiting on together.
  const child: ChildProcess = spawn('bash', ['-c', LOOP, 'poll-loop', dir, log], { stdio: 'ignore', detached: true, env: { ...process.env, LC_ALL: 'C' } });
  const exited = once(child, 'exit');
  return {
    pickedUp: async (name) => {
      const until = Date.now() + GIVE_UP_MS;
      for (;;) {
        const line = readLog(log).find((entry) => entry.endsWith(` ${name}`));
        if (line) return Number(line.split(' ')[0]) * 1000;
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`The polling loop ended (${child.exitCode ?? child.signalCode}) before it found ${name}.`);
        if (Date.now() > until) throw new Error(`The polling loop did not find ${name} within ${GIVE_UP_MS} ms.`);
        await sleep(LOOK_EVERY_MS);
      }
    },
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
      process.kill(-child.pid, 'SIGTERM');
      await exited;
    },
  };
}

function readLog(log: string): string[] {
  try {
    return readFileSync(log, 'utf8').split('\n');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}
