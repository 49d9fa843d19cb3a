import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRemoteAgent, TEST_BRIDGE_TOKEN, type RemoteAgent } from '../links/adapters/testing/remote-agent';
import { lifeline } from './testing/run-cli';

// `lifeline servers add --agent …`, `run` and `links` in-process against a real agent's socket bridge
// (adapters/testing), with the vault opened from LIFELINE_VAULT_PASSPHRASE as a script would.

describe('lifeline servers add --agent, run and links', () => {
  let home: string;
  let remote: RemoteAgent;
  let agent: string;
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    remote = await startRemoteAgent({ serve: true });
    agent = `tcp://127.0.0.1:${remote.target.agent!.port}`;
    home = mkdtempSync(join(tmpdir(), 'lifeline-cli-links-'));
    process.env.LIFELINE_HOME = home;
    process.env.LIFELINE_VAULT_PASSPHRASE = 'a long vault passphrase';
    process.env.AGENT_TOKEN = TEST_BRIDGE_TOKEN;
  }, 120_000);

  afterAll(async () => {
    process.env = { ...savedEnv };
    await remote?.stop();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('refuses agent options it cannot use, saying what to give', async () => {
    const noToken = await lifeline('servers', 'add', 'x', '--host', '127.0.0.1', '--agent', agent);
    expect(noToken).toMatchObject({ code: 2 });
    expect(noToken.err).toMatch(/--agent-token-env VAR or --agent-token-file F/);
    const badUrl = await lifeline('servers', 'add', 'x', '--host', '127.0.0.1', '--agent', 'http://h:1/x', '--agent-token-env', 'AGENT_TOKEN');
    expect(badUrl.err).toMatch(/tcp:\/\/HOST:PORT/);
    const badLayers = await lifeline('servers', 'add', 'x', '--host', '127.0.0.1', '--layers', 'bridge,carrier-pigeon');
    expect(badLayers).toMatchObject({ code: 2 });
    expect(badLayers.err).toMatch(/"carrier-pigeon".*bridge, tmux, trigger, exec/);
    expect((await lifeline('servers', 'list', '--json')).out).toBe('[]');
  });

  it('attaches an agent with its token in the vault, never in clear in the database', async () => {
    const added = await lifeline('servers', 'add', 'box', '--host', '127.0.0.1', '--group', 'fleet', '--agent', agent, '--agent-token-env', 'AGENT_TOKEN', '--layers', 'bridge', '--tmux-session', 'work');
    expect(added).toMatchObject({ code: 0 });
    expect(added.err).toContain(`agent 127.0.0.1:${remote.target.agent!.port}, layers bridge`);
    const bytes = Buffer.concat(readdirSync(home).filter((name) => name.startsWith('lifeline.db')).map((name) => readFileSync(join(home, name))));
    expect(bytes.includes(Buffer.from(TEST_BRIDGE_TOKEN))).toBe(false);
  });

  it('runs a command with failover: output and exit status passed through, the layer on stderr', async () => {
    const ran = await lifeline('run', 'box', '--', 'sh', '-c', 'echo out; echo err >&2; exit 3');
    expect(ran.code).toBe(3);
    expect(ran.out).toBe('out');
    expect(ran.err).toContain('err');
    expect(ran.err).toMatch(/ran over bridge: exit 3/);

    const json = await lifeline('run', 'box', '--json', '--', 'echo', 'hi');
    expect(json.code).toBe(0);
    expect(JSON.parse(json.out)).toMatchObject({ state: 'finished', exitCode: 0, stdout: 'hi\n', layer: 'bridge', attempts: [{ layer: 'bridge', outcome: 'ok' }] });

    const refused = await lifeline('run', 'box', '--layer', 'pigeon', '--', 'true');
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/--layer must be one of bridge, tmux, trigger, exec/);
  });

  it('lists each layer with its state and latency, probing once when nothing was probed yet', async () => {
    const links = await lifeline('links', 'box', '--json');
    expect(links.code).toBe(0);
    const states = JSON.parse(links.out) as Array<{ server: string; layer: string; state: string; lastLatencyMs: number }>;
    expect(states).toMatchObject([{ server: 'box', layer: 'bridge', state: 'up' }]);
    expect(states[0]!.lastLatencyMs).toBeGreaterThanOrEqual(0);
    const table = await lifeline('links');
    expect(table.out).toMatch(/^box\tbridge\tup\t[\d.]+ ms$/);
  });

  it('runs on every server of a group, each output prefixed with its server', async () => {
    expect((await lifeline('servers', 'add', 'box2', '--host', '127.0.0.1', '--group', 'fleet', '--agent', agent, '--agent-token-env', 'AGENT_TOKEN', '--layers', 'bridge')).code).toBe(0);
    const ran = await lifeline('run', '@fleet', '--concurrency', '2', '--', 'echo', 'x');
    expect(ran.code).toBe(0);
    expect(ran.out.split('\n').sort()).toEqual(['box | x', 'box2 | x']);
    expect(ran.err).toMatch(/box: ran over bridge: exit 0/);
    const failing = await lifeline('run', '@fleet', '--json', '--', 'false');
    expect(failing.code).toBe(1);
    expect((JSON.parse(failing.out) as Array<{ exitCode: number }>).map((record) => record.exitCode)).toEqual([1, 1]);
    expect((await lifeline('run', '@nobody', '--', 'true')).err).toMatch(/No server is in a group named "nobody"/);
  });
});
