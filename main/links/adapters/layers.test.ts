import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BridgeAdapter } from './bridge';
import { ExecAdapter } from './exec';
import type { LayerAdapter } from './layer';
import { startRemoteAgent, type RemoteAgent } from './testing/remote-agent';
import { TmuxAdapter } from './tmux';
import { TriggerAdapter } from './trigger';

// All four layers to one server whose agent keeps one ledger: a command id that ran over one layer is
// replayed over every other, never run again — what failover relies on.

let server: RemoteAgent;
let socketName: string;
const layers: LayerAdapter[] = [new BridgeAdapter({ connectTimeoutMs: 5000 }), new TmuxAdapter(), new TriggerAdapter(), new ExecAdapter()];

beforeAll(async () => {
  server = await startRemoteAgent({ serve: true });
  socketName = await server.startTmux('work');
}, 120_000);
afterAll(async () => {
  for (const layer of layers) layer.dispose();
  await server?.stop();
});

const signal = () => new AbortController().signal;

describe('one command id over every layer', () => {
  it('probes every layer up', async () => {
    const target = { ...server.target, tmuxSession: 'work', tmuxSocketName: socketName };
    for (const layer of layers) await expect(layer.probe(target, signal()), layer.layer).resolves.toBeUndefined();
  });

  it.each(layers.map((layer) => [layer.layer, layer] as const))('runs over %s first and is replayed over the others', async (first, layer) => {
    const target = { ...server.target, tmuxSession: 'work', tmuxSocketName: socketName };
    const marker = `runs-${first}`;
    const params = { commandId: `all-layers-${first}`, argv: ['sh', '-c', `echo ran >> ${marker}; echo "ran first over ${first}"; exit 7`], cwd: server.dataDir };
    const result = await layer.run(target, params, signal());
    expect(result).toMatchObject({ state: 'finished', exitCode: 7, stdout: `ran first over ${first}\n`, replayed: false });
    for (const other of layers.filter((each) => each !== layer)) {
      const replay = await other.run(target, params, signal());
      expect(replay, other.layer).toMatchObject({ exitCode: 7, stdout: result.stdout, startedAt: result.startedAt, replayed: true });
    }
    expect(server.linesIn(marker)).toBe(1);
  });
});
