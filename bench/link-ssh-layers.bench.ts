// Issue 5, the layers over SSH against OpenSSH's sshd and the agent run by the server's own user
// (main/links/adapters/testing): tmux send+capture, the trigger round trip over SFTP and the exec layer,
// each beside OpenSSH's ControlMaster doing the same where it can.
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandResult } from '../agent/protocol/messages';
import { ExecAdapter } from '../main/links/adapters/exec';
import type { LinkTarget } from '../main/links/adapters/layer';
import { runCommandArgv } from '../main/links/adapters/run-command-line';
import { startRemoteAgent, type RemoteAgent } from '../main/links/adapters/testing/remote-agent';
import { TmuxAdapter } from '../main/links/adapters/tmux';
import { TriggerAdapter } from '../main/links/adapters/trigger';
import { shellCommand } from '../main/ssh/shell-quote';
import { alternate, timed } from './support/alternate';
import { p50p99Rows, spread } from './support/link-rows';
import { sshOutput, tmuxOverControlMaster, tmuxOverSsh2, typeAndCapture } from './support/link-tmux-round-trip';
import { sshArgs, startControlMaster, type ControlMaster, type OpenSshTarget } from './support/openssh';
import { recordBench } from './support/record';

const SESSION = 'work';
const TMUX = { warmup: 5, runs: 60 };
const TMUX_COMMAND = { runs: 10 };
const TRIGGER = { warmup: 5, runs: 100 };
const EXEC = { warmup: 2, runs: 25 };

describe('link layers over SSH', () => {
  let remote: RemoteAgent | undefined;
  let dir: string;
  let socketName: string;
  let openssh: OpenSshTarget;
  let controlPath: string;
  let master: ControlMaster | undefined;
  const tmuxLayer = new TmuxAdapter();
  const triggerLayer = new TriggerAdapter();
  const execLayer = new ExecAdapter();
  const signal = new AbortController().signal;
  let target: LinkTarget;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lifeline-bench-layers-'));
    remote = await startRemoteAgent({ serve: true });
    socketName = await remote.startTmux(SESSION);
    target = { ...remote.target, tmuxSession: SESSION, tmuxSocketName: socketName };
    // The test server's key, which startRemoteAgent made beside the agent's data folder.
    const keyPath = join(dirname(remote.dataDir), 'id_ed25519');
    if (!existsSync(keyPath)) throw new Error(`No key at ${keyPath}: startRemoteAgent keeps its key elsewhere now; give the ControlMaster that key.`);
    openssh = { host: remote.sshd.host, port: remote.sshd.port, user: remote.sshd.user, keyPath };
    controlPath = join(dir, 'control');
    master = await startControlMaster(openssh, controlPath, join(dir, 'control-master.log'));
  }, 180_000);
  afterAll(async () => {
    master?.stop();
    tmuxLayer.dispose();
    triggerLayer.dispose();
    execLayer.dispose();
    await remote?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const logins = () => (remote as RemoteAgent).sshd.log().split('Accepted publickey for ').length - 1;
  const checked = (result: CommandResult) => {
    if (result.exitCode !== 0 || result.replayed) throw new Error(`The command ended ${JSON.stringify(result)}`);
  };

  it('tmux send+capture over SSH: ssh2 connection vs OpenSSH ControlMaster', async ({ task }) => {
    const server = remote as RemoteAgent;
    const ours = tmuxOverSsh2(server.connection, { socketName });
    const peer = tmuxOverControlMaster(openssh, controlPath, { socketName });
    const captures = { ours: 0, peer: 0 };
    const loginsBefore = logins();
    const samples = await alternate({
      ...TMUX,
      ours: () => timed(async () => (captures.ours += await typeAndCapture(ours, SESSION))),
      peer: () => timed(async () => (captures.peer += await typeAndCapture(peer, SESSION))),
    });
    expect(logins()).toBe(loginsBefore);
    const rounds = TMUX.warmup + TMUX.runs;
    recordBench(task, {
      rows: p50p99Rows('tmux send-keys + capture-pane over SSH vs OpenSSH ControlMaster', samples, { atMost: 15, absolute: true }),
      method: `a line typed into a tmux session of the server's user (its own tmux server, \`tmux -L\`) with send-keys, then capture-pane (last 20 rows) until what the line printed is on screen, captures back to back. Lifeline: each tmux command one exec on the ssh2 connection the layers share (execCollect with tmuxArgv, as TmuxAdapter runs them); peer: each a \`ssh -o ControlPath=…\` process through a ControlMaster logged in beforehand (no new login during the runs, checked in sshd's log). Captures per round: ours ${(captures.ours / rounds).toFixed(1)}, peer ${(captures.peer / rounds).toFixed(1)}. ${TMUX.runs} runs a side after ${TMUX.warmup} warm-up rounds, alternating. Ours ${spread(samples.ours)}; peer ${spread(samples.peer)}. Goal: p50 ≤ 15 ms absolute.`,
    });
  });

  it('tmux layer: a command end to end through TmuxAdapter.run', async ({ task }) => {
    const samples: number[] = [];
    for (let run = 0; run < TMUX_COMMAND.runs; run++) {
      samples.push(await timed(async () => checked(await tmuxLayer.run(target, { commandId: randomUUID(), argv: ['true'] }, signal))));
    }
    recordBench(task, {
      rows: p50p99Rows('tmux layer: `true` end to end through TmuxAdapter.run', { ours: samples }),
      method: `what a command costs over the tmux layer, for reading the row above: TmuxAdapter.run checks the pane (one tmux exec), types \`run-command --id … -- true\` in a subshell (one exec), then captures until the end marker, looking again after 20, 40, 80… ms (main/links/adapters/poll.ts); run-command is a Node process of the agent (the tests' standalone bundle) that opens the ledger, runs \`true\` and prints its result. ${TMUX_COMMAND.runs} runs, no warm-up beyond the row above. ${spread(samples)}. No peer and no goal: the issue's goal is the send+capture round trip above.`,
    });
  });

  it('trigger round trip over SFTP: TriggerAdapter.run to the agent\'s watcher', async ({ task }) => {
    const samples: number[] = [];
    for (let run = 0; run < TRIGGER.warmup + TRIGGER.runs; run++) {
      const ms = await timed(async () => checked(await triggerLayer.run(target, { commandId: randomUUID(), argv: ['true'] }, signal)));
      if (run >= TRIGGER.warmup) samples.push(ms);
    }
    recordBench(task, {
      rows: p50p99Rows('trigger round trip over SFTP: `true` through TriggerAdapter.run', { ours: samples }, { atMost: 15, absolute: true }),
      method: `TriggerAdapter.run on the SFTP session it keeps on the shared ssh2 connection: writes \`<id>.json.tmp\` (0600), renames it to \`<id>.json\` in the folder the agent's TriggerWatcher watches (the agent a process of the server's user, fs.watch plus a rescan every 500 ms), then reads \`<id>.result.json\` until it is there — at once, then after 20, 40, 80… ms (main/links/adapters/poll.ts) — and deletes it. The agent runs \`true\` through its CommandExecutor and writes the answer atomically. ${TRIGGER.runs} runs after ${TRIGGER.warmup} warm-up runs. ${spread(samples)}. No peer: OpenSSH has no ready-made way to do this; the watcher's own pickup is the row against the polling loop. Goal: p50 ≤ 15 ms absolute.`,
    });
  });

  it('exec layer: ExecAdapter.run vs the same run-command through OpenSSH ControlMaster', async ({ task }) => {
    const remoteCommand = (remote as RemoteAgent).target.remoteCommand;
    const loginsBefore = logins();
    const samples = await alternate({
      ...EXEC,
      ours: () => timed(async () => checked(await execLayer.run(target, { commandId: randomUUID(), argv: ['true'] }, signal))),
      peer: () =>
        timed(async () => {
          const argv = runCommandArgv(remoteCommand, { commandId: randomUUID(), argv: ['true'] });
          const answer = await sshOutput(sshArgs(openssh, ['-o', `ControlPath=${controlPath}`], [shellCommand(argv)]));
          checked(JSON.parse(answer.trim().split('\n').pop() ?? '') as CommandResult);
        }),
    });
    expect(logins()).toBe(loginsBefore);
    recordBench(task, {
      rows: p50p99Rows('exec layer: `run-command -- true` on an open connection vs OpenSSH ControlMaster', samples, { atMost: 5, absolute: true }),
      method: `ExecAdapter.run: one exec of the agent's \`run-command --id … --json -- true\` on the shared ssh2 connection, its JSON answer read and checked. Peer: the same run-command argv (quoted the same way) in a \`ssh -o ControlPath=…\` process through a ControlMaster logged in beforehand. Both start run-command, a Node process of the agent (the tests' standalone bundle) that opens the ledger, records the id, runs \`true\` and prints the result: that start is most of both figures. The transport alone, exec of \`true\` vs ControlMaster, is the row of the exec round-trip benchmark. ${EXEC.runs} runs a side after ${EXEC.warmup} warm-up rounds, alternating. Ours ${spread(samples.ours)}; peer ${spread(samples.peer)}. Goal: p50 ≤ 5 ms absolute.`,
    });
  });
});
