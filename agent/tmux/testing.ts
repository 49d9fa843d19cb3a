// Test support: a real tmux server on a private socket, so tests never touch the user's own sessions.
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { runTmux } from './tmux-command';

export interface TestTmuxServer {
  socketName: string;
  session: string;
  /** Starts another session on the same server running `argv`. */
  addSession(name: string, argv: readonly string[]): Promise<void>;
  /** Stops the server and everything in it; safe to call twice. */
  kill(): Promise<void>;
}

/** A server with one detached session `main` running `argv` (120×30, no user config). */
export async function startTmuxServer(argv: readonly string[] = ['cat']): Promise<TestTmuxServer> {
  const socketName = `lifeline-agent-tmux-${process.pid}-${randomBytes(4).toString('hex')}`;
  const server = { socketName };
  // -f /dev/null: the result must not depend on a ~/.tmux.conf.
  const newSession = (name: string, command: readonly string[]) =>
    runTmux(server, ['-f', '/dev/null', 'new-session', '-d', '-s', name, '-x', '120', '-y', '30', '--', ...command]).then(() => undefined);
  await newSession('main', argv);
  const socketPath = (await runTmux(server, ['display-message', '-p', '#{socket_path}'])).trim();
  return {
    socketName,
    session: 'main',
    addSession: newSession,
    kill: async () => {
      await runTmux(server, ['kill-server']).catch(() => undefined); // already gone: killed before, or its last session ended
      // kill-server returns before the server has exited; a client started meanwhile meets a dying server.
      for (;;) {
        const answered = await runTmux(server, ['list-sessions']).then(() => true, (error: Error) => !/No tmux server is running/.test(error.message));
        if (!answered) break;
        await sleep(10);
      }
      // tmux leaves its socket file behind when the server exits.
      await rm(socketPath, { force: true });
    },
  };
}
