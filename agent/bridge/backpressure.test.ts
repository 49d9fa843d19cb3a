import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../deploy/testing/processes';
import { BridgeClient } from '../protocol/client';
import type { CommandResult, RunParams } from '../protocol/messages';
import type { BridgeServer } from './server';
import { RawPeer, spawnRun, startBridge, testHandlers, TEST_TOKEN } from './testing';

// A run whose output outpaces its reader: a reader that keeps up gets every byte; one that stops reading
// is disconnected instead of making the agent buffer its output without bound.

const servers: BridgeServer[] = [];
const peers: RawPeer[] = [];

afterEach(async () => {
  peers.splice(0).forEach((peer) => peer.destroy());
  await Promise.all(servers.splice(0).map((server) => server.close(0)));
});

const CHUNK = 'x'.repeat(64 * 1024);

/** A run that writes `chunks` 64 KiB pieces of output as fast as the event loop lets it. */
function flood(chunks: number) {
  return async (params: RunParams, onOutput: (stream: 'stdout' | 'stderr', text: string) => void): Promise<CommandResult> => {
    for (let index = 0; index < chunks; index += 1) {
      onOutput('stdout', CHUNK);
      if (index % 16 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    return spawnRun({ ...params, argv: ['true'] }, () => undefined);
  };
}

describe('bridge backpressure', () => {
  it('delivers all of a large output to a client that reads it', async () => {
    const started = await startBridge({ limits: { writeBufferBytes: 64 * 1024 } }, testHandlers({ run: flood(160) }));
    servers.push(started.server);
    const client = await BridgeClient.connect({ host: '127.0.0.1', port: started.port, token: TEST_TOKEN, timeoutMs: 5_000 });
    let received = 0;
    const result = await client.call('run', { commandId: 'cmd-flood-001', argv: ['ignored'] }, { onOutput: (_stream, data) => (received += data.length) });
    client.close();
    expect(result.exitCode).toBe(0);
    expect(received).toBe(160 * CHUNK.length);
  });

  it('disconnects a client that stops reading once its unsent output passes the cap', async () => {
    const started = await startBridge({ limits: { writeBufferBytes: 64 * 1024, maxWriteBufferBytes: 4 * 1024 * 1024 } }, testHandlers({ run: flood(1024) }));
    servers.push(started.server);
    const peer = await RawPeer.authenticated(started.port);
    peers.push(peer);
    peer.socket.pause();
    peer.send({ type: 'call', id: 1, method: 'run', params: { commandId: 'cmd-flood-002', argv: ['ignored'] } });
    await waitFor('the agent to drop the stalled client', () => started.server.clients === 0);
    expect(started.log.records().some((line) => line.msg === 'bridge client disconnected: it stopped reading')).toBe(true);
  });

  it('disconnects a client whose buffer stays full past the stall limit', async () => {
    const started = await startBridge({ limits: { writeBufferBytes: 64 * 1024, stalledWriteMs: 200 } }, testHandlers({ run: flood(400) }));
    servers.push(started.server);
    const peer = await RawPeer.authenticated(started.port);
    peers.push(peer);
    peer.socket.pause();
    peer.send({ type: 'call', id: 1, method: 'run', params: { commandId: 'cmd-flood-003', argv: ['ignored'] } });
    await waitFor('the agent to drop the stalled client', () => started.server.clients === 0);
    expect(started.log.records().some((line) => line.msg === 'bridge client disconnected: it read nothing for too long')).toBe(true);
  });
});
