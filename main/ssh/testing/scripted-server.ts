// Test support: an SSH server whose keyboard-interactive prompts a test scripts. OpenSSH's sshd offers
// keyboard-interactive only through PAM (or BSD auth), and the test sshd runs with UsePAM off, so these
// prompts are played by ssh2's own Server class instead. Everything else is tested against the real sshd.
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// ssh2 is CommonJS without named exports that Node's ESM loader can see, hence the default import.
import ssh2, { type Connection } from 'ssh2';
import { makeTestKey, type TestKey } from './keys';

export interface ScriptedPrompt {
  readonly prompt: string;
  readonly echo: boolean;
  /** The answer that lets the login through. */
  readonly answer: string;
}

export interface ScriptedServerOptions {
  readonly user: string;
  /** Sent as one round, in this order. */
  readonly prompts: readonly ScriptedPrompt[];
  readonly name?: string;
  readonly instructions?: string;
}

/** What the server saw, in order: each authentication request and, for keyboard-interactive, the answers. */
export type ScriptedEvent =
  | { readonly kind: 'auth'; readonly method: string; readonly user: string }
  | { readonly kind: 'answers'; readonly answers: readonly string[]; readonly accepted: boolean }
  | { readonly kind: 'exec'; readonly command: string };

export interface ScriptedSshServer {
  readonly host: string;
  readonly port: number;
  readonly hostKey: TestKey;
  readonly events: readonly ScriptedEvent[];
  close(): Promise<void>;
}

export async function startScriptedSshServer(options: ScriptedServerOptions): Promise<ScriptedSshServer> {
  const dir = mkdtempSync(join(tmpdir(), 'lifeline-scripted-ssh-'));
  try {
    const hostKey = await makeTestKey(dir, 'ed25519', 'host_key');
    const events: ScriptedEvent[] = [];
    const connections = new Set<Connection>();
    const server = new ssh2.Server({ hostKeys: [hostKey.privateKey] }, (connection) => {
      connections.add(connection);
      connection.on('close', () => connections.delete(connection));
      // A client that resets the socket must not crash the test run.
      connection.on('error', () => undefined);
      play(connection, options, events);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    return {
      host: '127.0.0.1',
      port,
      hostKey,
      events,
      async close() {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const connection of connections) connection.end();
        await closed;
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

function play(connection: Connection, options: ScriptedServerOptions, events: ScriptedEvent[]): void {
  connection.on('authentication', (context) => {
    events.push({ kind: 'auth', method: context.method, user: context.username });
    if (context.method !== 'keyboard-interactive' || context.username !== options.user) {
      context.reject(['keyboard-interactive']);
      return;
    }
    const prompts = options.prompts.map(({ prompt, echo }) => ({ prompt, echo }));
    context.prompt(prompts, options.name ?? '', options.instructions ?? '', (answers) => {
      const accepted = answers.length === options.prompts.length && answers.every((answer, i) => answer === options.prompts[i].answer);
      events.push({ kind: 'answers', answers, accepted });
      if (accepted) context.accept();
      else context.reject(['keyboard-interactive']);
    });
  });
  // After login, `exec` answers with the command it was given, so a test can see the session works.
  connection.on('session', (accept) => {
    accept().on('exec', (acceptExec, _reject, info) => {
      events.push({ kind: 'exec', command: info.command });
      const channel = acceptExec();
      channel.write(`${info.command}\n`);
      channel.exit(0);
      channel.end();
    });
  });
}
