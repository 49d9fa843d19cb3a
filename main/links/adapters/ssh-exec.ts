import type { SshConnection } from '../../ssh/connect';
import { abortedError, asLinkError, LinkError, raceAbort } from './link-error';
import type { LayerName, LinkTarget } from './layer';

/** The server's shared SSH connection, as a LinkError when there is none or it cannot be had. */
export async function connectionOf(layer: LayerName, target: LinkTarget, signal: AbortSignal): Promise<SshConnection> {
  if (!target.ssh) {
    throw new LinkError(layer, 'REFUSED', `Server ${target.serverId} has no SSH login, and the ${layer} layer runs over SSH: add a login to the server, or leave ${layer} out of its layers.`);
  }
  return raceAbort(layer, signal, target.ssh()).catch((error: unknown) => {
    throw asLinkError(layer, error);
  });
}

export interface ExecOutcome {
  /** null when a signal ended it (see `signal`) or no status came back. */
  readonly code: number | null;
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `argv` on the connection (each argument quoted by SshConnection.exec, never joined by hand),
 * with stdin closed, and collects its output up to `maxBytes` per stream; more is a PROTOCOL error,
 * since what the layers run answers in a bounded JSON line.
 */
export async function execCollect(layer: LayerName, connection: SshConnection, argv: readonly string[], signal: AbortSignal, maxBytes: number): Promise<ExecOutcome> {
  // Not raced against the signal: a channel opened after the caller gave up must still be closed, below.
  const channel = await connection.exec(argv).catch((error: unknown) => {
    throw asLinkError(layer, error);
  });
  channel.stdin.end();
  return new Promise<ExecOutcome>((resolve, reject) => {
    const chunks = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
    const sizes = { stdout: 0, stderr: 0 };
    let failure: LinkError | undefined;
    const fail = (error: LinkError) => {
      failure ??= error;
      channel.close();
    };
    const onAbort = () => fail(abortedError(layer, signal));
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) onAbort();
    for (const stream of ['stdout', 'stderr'] as const) {
      channel[stream].on('data', (chunk: Buffer) => {
        sizes[stream] += chunk.length;
        if (sizes[stream] > maxBytes) {
          fail(new LinkError(layer, 'PROTOCOL', `${argv[0]} on ${connection.endpoint} wrote more than ${maxBytes} bytes to ${stream}, more than its answer can be; check what the command runs there.`));
          return;
        }
        chunks[stream].push(chunk);
      });
    }
    channel.exit.then(
      (exit) => {
        signal.removeEventListener('abort', onAbort);
        if (failure) reject(failure);
        else resolve({ code: exit.code, signal: exit.signal, stdout: Buffer.concat(chunks.stdout).toString('utf8'), stderr: Buffer.concat(chunks.stderr).toString('utf8') });
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(failure ?? asLinkError(layer, error));
      },
    );
  });
}
