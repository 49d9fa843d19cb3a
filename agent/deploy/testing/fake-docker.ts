import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface DockerCall {
  argv: string[];
  cwd: string;
}

/**
 * A `docker` program for tests (there is no Docker daemon here): put `bin` first on PATH and every
 * call's argv and working directory is appended to `calls`, one JSON line each. It exits with the code
 * in $FAKE_DOCKER_EXIT (default 0).
 */
export function installFakeDocker(dir: string): { bin: string; calls: () => DockerCall[] } {
  const bin = join(dir, 'bin');
  const log = join(dir, 'docker-calls.jsonl');
  mkdirSync(bin, { recursive: true });
  const script = [
    `#!${process.execPath}`,
    `require('node:fs').appendFileSync(${JSON.stringify(log)}, JSON.stringify({ argv: process.argv.slice(2), cwd: process.cwd() }) + '\\n');`,
    `process.exit(Number(process.env.FAKE_DOCKER_EXIT ?? 0));`,
  ].join('\n');
  writeFileSync(join(bin, 'docker'), `${script}\n`, { mode: 0o755 });
  const calls = () => {
    try {
      return readFileSync(log, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as DockerCall);
    } catch {
      return [];
    }
  };
  return { bin, calls };
}
