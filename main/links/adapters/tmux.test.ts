import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRemoteAgent, type RemoteAgent } from './testing/remote-agent';
import { findAnswer, TmuxAdapter, typedLine } from './tmux';

// The tmux layer against OpenSSH's sshd and a real tmux server of the server's user, on a private socket.

let server: RemoteAgent;
const adapter = new TmuxAdapter();
let socketName: string;

beforeAll(async () => {
  server = await startRemoteAgent({ serve: false });
  socketName = await server.startTmux('work');
  await server.sh(['tmux', '-L', socketName, 'new-session', '-d', '-s', 'busy', '--', 'sleep', '600']);
}, 120_000);
afterAll(async () => {
  adapter.dispose();
  await server?.stop();
});

const signal = () => new AbortController().signal;
const target = (session: string) => ({ ...server.target, tmuxSession: session, tmuxSocketName: socketName });

describe('the tmux layer', () => {
  it('answers a probe when the session is at a shell', async () => {
    await expect(adapter.probe(target('work'), signal())).resolves.toBeUndefined();
  });

  it('runs a command once: output and exit code come back, and the same id is replayed, not run again', async () => {
    // Output a terminal would act on or mangle: the answer travels as base64.
    const argv = ['sh', '-c', 'echo ran >> tmux-runs; printf "hello \\033[2J\\302\\233 w\\303\\266rld\\n"; echo oops >&2; exit 5'];
    const params = { commandId: 'tmux-once-0001', argv, cwd: server.dataDir };
    const first = await adapter.run(target('work'), params, signal());
    expect(first).toMatchObject({ commandId: 'tmux-once-0001', state: 'finished', exitCode: 5, stdout: 'hello \u001b[2J\u009b wörld\n', stderr: 'oops\n', replayed: false });
    const second = await adapter.run(target('work'), params, signal());
    expect(second).toMatchObject({ exitCode: 5, stdout: first.stdout, replayed: true });
    expect(server.linesIn('tmux-runs')).toBe(1);
  });

  it('carries a large answer that wraps over many rows', async () => {
    const result = await adapter.run(target('work'), { commandId: 'tmux-large-001', argv: ['sh', '-c', 'seq 1 5000'] }, signal());
    expect(result.stdout.split('\n')).toHaveLength(5001);
  });

  it('is UNREACHABLE when the session does not exist, saying how to start it', async () => {
    await expect(adapter.probe(target('nosuch'), signal())).rejects.toMatchObject({ layer: 'tmux', code: 'UNREACHABLE', message: expect.stringContaining('tmux new-session') });
  });

  it('is REFUSED when the pane runs a program instead of a shell', async () => {
    await expect(adapter.run(target('busy'), { commandId: 'tmux-busy-0001', argv: ['true'] }, signal())).rejects.toMatchObject({ code: 'REFUSED', message: expect.stringContaining('running sleep') });
  });

  it('is REFUSED, with what to do, when run-command is missing in the session', async () => {
    const missing = { ...target('work'), remoteCommand: ['lifeline-not-installed-here'] };
    await expect(adapter.run(missing, { commandId: 'tmux-missing-01', argv: ['true'] }, signal())).rejects.toMatchObject({ code: 'REFUSED', message: expect.stringContaining('was not found') });
  });
});

describe('the typed line', () => {
  it('never shows its own markers: only what it prints matches', () => {
    const line = typedLine("run --id x -- echo 'hi'", 'abc123');
    expect(findAnswer(line, 'abc123')).toBeUndefined();
    expect(line).not.toContain('LIFELINE-END-abc123');
    expect(findAnswer(`${line}\nLIFELINE-RESULT-abc123 0 eyJ9\nLIFELINE-END-abc123`, 'abc123')).toEqual({ status: 0, payload: 'eyJ9' });
    expect(findAnswer('LIFELINE-RESULT-abc123 127 ', 'abc123')).toEqual({ status: 127, payload: '' });
  });
});
