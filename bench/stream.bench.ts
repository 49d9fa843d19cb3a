// Benchmark 3: bulk output from the server, the ceiling for a terminal flood or a log download.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectSsh } from '../main/ssh/connect';
import { shellCommand } from '../main/ssh/shell-quote';
import { alternate } from './support/alternate';
import { runSsh, sshArgs } from './support/openssh';
import { recordBench } from './support/record';
import { startSshBench, type SshBench } from './support/ssh-fixture';
import { quantile } from './support/stats';

const BYTES = 1024 ** 3;
const WARMUP = 1;
const RUNS = 3;
/**
 * Both sides use this cipher. connectSsh offers no way to choose one; ssh2 puts it first on CPUs with
 * AES instructions, and the sshd log is checked below, so a machine where ssh2 picks another fails
 * loudly instead of comparing two ciphers.
 */
const CIPHER = 'aes128-gcm@openssh.com';
/**
 * The remote command. It says "go" on stderr before the first byte of output: both clocks start when
 * that arrives, so the transfer is timed without the login before it. OpenSSH gets the line connectSsh
 * sends for this argv, so the server runs the same command for both.
 */
const ARGV = ['sh', '-c', `printf go >&2; exec head -c ${BYTES} /dev/zero`];

const mibPerSecond = (bytes: number, ms: number): number => bytes / 1024 ** 2 / (ms / 1000);

describe('stream from the server', () => {
  let bench: SshBench;
  beforeAll(async () => {
    // DEBUG1 makes sshd log the cipher each connection negotiated.
    bench = await startSshBench({ logLevel: 'DEBUG1' });
  });
  afterAll(async () => {
    await bench?.dispose();
  });

  async function ours(): Promise<number> {
    const connection = await connectSsh(bench.target, bench.connectOptions);
    try {
      const channel = await connection.exec(ARGV);
      let start: number | undefined;
      let bytes = 0;
      channel.stderr.on('data', () => {
        start ??= performance.now();
      });
      channel.stdout.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
      });
      const exit = await channel.exit;
      const end = performance.now();
      if (exit.code !== 0 || bytes !== BYTES || start === undefined) {
        throw new Error(`The stream ended with status ${exit.signal ?? exit.code} after ${bytes} of ${BYTES} bytes${start === undefined ? ', without its start marker' : ''}.`);
      }
      return mibPerSecond(bytes, end - start);
    } finally {
      await connection.close();
    }
  }

  async function peer(): Promise<number> {
    const run = await runSsh(sshArgs(bench.openssh, ['-c', CIPHER], [shellCommand(ARGV)]));
    const end = performance.now();
    // ssh exits 0 only when head did, that is when every byte was written to its /dev/null stdout.
    if (run.firstStderrAt === undefined || !run.stderr.startsWith('go')) throw new Error(`ssh streamed without the start marker: ${run.stderr.trim()}`);
    return mibPerSecond(BYTES, end - run.firstStderrAt);
  }

  it('1 GiB stream from the server: exec `head -c 1G /dev/zero` vs `ssh host head … > /dev/null`', async ({ task }) => {
    const logFrom = bench.sshd.log().length;
    const samples = await alternate({ warmup: WARMUP, runs: RUNS, ours, peer });
    const ciphers = [...bench.sshd.log().slice(logFrom).matchAll(/kex: server->client cipher: (\S+)/g)].map((match) => match[1]);
    expect(ciphers, `every connection must have used ${CIPHER}`).toEqual(Array(2 * (WARMUP + RUNS)).fill(CIPHER));
    recordBench(task, {
      rows: [
        { benchmark: '1 GiB stream from the server, median', unit: 'MiB/s', lifeline: quantile(samples.ours, 0.5), peer: quantile(samples.peer, 0.5), goal: { atLeast: 1.0 } },
        { benchmark: '1 GiB stream from the server, slowest run', unit: 'MiB/s', lifeline: Math.min(...samples.ours), peer: Math.min(...samples.peer) },
      ],
      method: `\`head -c ${BYTES} /dev/zero\` on the server, read to the end by connectSsh's exec channel vs \`ssh host … > /dev/null\`, both on ${CIPHER} (checked in sshd's log); timed from the command's first stderr byte to its exit, so the login is not counted; a fresh connection per run; ${RUNS} runs a side after ${WARMUP} warm-up round.`,
    });
  });
});
