// Benchmark 2: one more command on a connection that is already open, the cost of every probe and
// every tmux call once Lifeline holds the line.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectSsh, type SshConnection } from '../main/ssh/connect';
import { alternate, timed } from './support/alternate';
import { runSsh, sshArgs, startControlMaster, type ControlMaster } from './support/openssh';
import { durationRows, recordBench } from './support/record';
import { finish, startSshBench, statusNote, type SshBench } from './support/ssh-fixture';

const WARMUP = 10;
const RUNS = 100;

describe('exec round trip on an open connection', () => {
  let bench: SshBench;
  let connection: SshConnection | undefined;
  let master: ControlMaster | undefined;
  let controlPath: string;
  beforeAll(async () => {
    bench = await startSshBench();
    connection = await connectSsh(bench.target, bench.connectOptions);
    controlPath = join(bench.dir, 'control');
    master = await startControlMaster(bench.openssh, controlPath, join(bench.dir, 'control-master.log'));
  });
  afterAll(async () => {
    master?.stop();
    await connection?.close();
    await bench?.dispose();
  });

  it('exec round trip on an open connection: `exec([\'true\'])` vs OpenSSH ControlMaster', async ({ task }) => {
    const open = connection as SshConnection;
    const loginsBefore = bench.logins();
    let lost = 0;
    const samples = await alternate({
      warmup: WARMUP,
      runs: RUNS,
      ours: () =>
        timed(async () => {
          if (!(await finish(await open.exec(['true'])))) lost++;
        }),
      peer: () => timed(() => runSsh(sshArgs(bench.openssh, ['-o', `ControlPath=${controlPath}`], ['true']))),
    });
    // ssh falls back to a login of its own when the master is gone: no new login proves every run shared it.
    expect(bench.logins()).toBe(loginsBefore);
    recordBench(task, {
      rows: durationRows('exec `true` on an open connection vs OpenSSH ControlMaster', samples, { atMost: 0.5 }),
      method: `one connection opened beforehand on each side (connectSsh; \`ssh -M -N -f\`), then an exec of \`true\` until its exit status; ${RUNS} runs a side after ${WARMUP} warm-up rounds. The peer is a \`ssh -o ControlPath=…\` process from spawn to exit, which is how a script reuses a connection with OpenSSH.${statusNote(lost, WARMUP + RUNS)}`,
    });
  });
});
