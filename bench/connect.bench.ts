// Benchmark 1: a fresh connection, login and one command, as a script or a new tab pays it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectSsh } from '../main/ssh/connect';
import { alternate, timed } from './support/alternate';
import { runSsh, sshArgs } from './support/openssh';
import { durationRows, recordBench } from './support/record';
import { finish, startSshBench, statusNote, type SshBench } from './support/ssh-fixture';

const WARMUP = 3;
const RUNS = 25;

describe('connect + auth + exec', () => {
  let bench: SshBench;
  beforeAll(async () => {
    bench = await startSshBench();
  });
  afterAll(async () => {
    await bench?.dispose();
  });

  it('connect + auth + exec `true`: connectSsh vs `ssh host true`', async ({ task }) => {
    const loginsBefore = bench.logins();
    let lost = 0;
    const samples = await alternate({
      warmup: WARMUP,
      runs: RUNS,
      // Closing is counted too: `ssh host true` has also torn its connection down when it exits.
      ours: () =>
        timed(async () => {
          const connection = await connectSsh(bench.target, bench.connectOptions);
          try {
            if (!(await finish(await connection.exec(['true'])))) lost++;
          } finally {
            await connection.close();
          }
        }),
      peer: () => timed(() => runSsh(sshArgs(bench.openssh, [], ['true']))),
    });
    // Each run must have been a real login; a reused connection would flatter either side.
    expect(bench.logins() - loginsBefore).toBe(2 * (WARMUP + RUNS));
    recordBench(task, {
      rows: durationRows('connect + auth + exec `true` vs `ssh host true`', samples, { atMost: 0.7 }),
      method: `a fresh connection per run, ed25519 key, until the command's exit and the connection closed; ${RUNS} runs a side after ${WARMUP} warm-up rounds. The peer is the \`ssh\` process from spawn to exit.${statusNote(lost, WARMUP + RUNS)}`,
    });
  });
});
