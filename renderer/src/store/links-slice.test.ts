import { describe, expect, it } from 'vitest';
import { createStore } from 'zustand/vanilla';
import type { LifelineApi, LinkSamplePoint, LinkStatus, Result } from '../../../preload/api';
import { createLinksSlice, type LinksSlice } from './links-slice';

type LinksApi = Pick<LifelineApi, 'listLinks' | 'probeLinks' | 'linkSamples'>;

/** Answers that the test releases one by one, in any order. */
class HeldApi implements LinksApi {
  readonly pending: Array<{ method: string; args: unknown[]; resolve(result: Result<unknown>): void }> = [];
  listLinks(): Promise<Result<LinkStatus[]>> {
    return this.hold('listLinks', []);
  }
  probeLinks(serverId?: string): Promise<Result<LinkStatus[]>> {
    return this.hold('probeLinks', [serverId]);
  }
  linkSamples(serverId: string, since: string): Promise<Result<LinkSamplePoint[]>> {
    return this.hold('linkSamples', [serverId, since]);
  }
  /** Answers the oldest pending call of `method`. */
  answer(method: string, result: Result<unknown>): void {
    const index = this.pending.findIndex((call) => call.method === method);
    if (index < 0) throw new Error(`No pending ${method} call`);
    this.pending.splice(index, 1)[0]!.resolve(result);
  }
  private hold<T>(method: string, args: unknown[]): Promise<Result<T>> {
    return new Promise((resolve) => this.pending.push({ method, args, resolve: resolve as (result: Result<unknown>) => void }));
  }
}

function storeWith(api: LinksApi) {
  return createStore<LinksSlice>()(createLinksSlice(api));
}

function link(serverId: string, layer: LinkStatus['layer'], state: LinkStatus['state']): LinkStatus {
  return { serverId, serverName: serverId, layer, state, failures: state === 'up' ? 0 : 3, lastLatencyMs: 1, lastError: null, lastProbeAt: '2025-01-01T00:00:00.000Z' };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('links slice', () => {
  it('loads the link states, and shows a failed load with its message', async () => {
    const api = new HeldApi();
    const store = storeWith(api);
    expect(store.getState().linksStatus).toBe('loading');
    const loading = store.getState().loadLinks();
    api.answer('listLinks', { ok: false, code: 'DISCONNECTED', message: 'The console is not reachable; it retries.' });
    await loading;
    expect(store.getState()).toMatchObject({ linksStatus: 'error', linksError: 'The console is not reachable; it retries.' });
    const again = store.getState().loadLinks();
    api.answer('listLinks', { ok: true, value: [link('a', 'bridge', 'up')] });
    await again;
    expect(store.getState()).toMatchObject({ linksStatus: 'ready', linksError: null, links: [link('a', 'bridge', 'up')] });
  });

  it('keeps a pushed list when an older load answers after it', async () => {
    const api = new HeldApi();
    const store = storeWith(api);
    const loading = store.getState().loadLinks();
    store.getState().receiveLinks([link('a', 'bridge', 'down')]);
    api.answer('listLinks', { ok: true, value: [link('a', 'bridge', 'up')] });
    await loading;
    expect(store.getState().links).toEqual([link('a', 'bridge', 'down')]);
  });

  it('marks the probed server busy until its probe answers, then shows the new states', async () => {
    const api = new HeldApi();
    const store = storeWith(api);
    const probing = store.getState().probeLinks('a');
    expect(store.getState().linkProbing).toEqual({ all: false, servers: ['a'] });
    expect(api.pending[0]!.args).toEqual(['a']);
    api.answer('probeLinks', { ok: true, value: [link('a', 'bridge', 'up'), link('b', 'bridge', 'down')] });
    const result = await probing;
    expect(result.ok).toBe(true);
    expect(store.getState()).toMatchObject({ linkProbing: { all: false, servers: [] }, linksStatus: 'ready', links: [link('a', 'bridge', 'up'), link('b', 'bridge', 'down')] });
  });

  it('tracks probing every server apart from probing one, and reports a failed probe without losing the list', async () => {
    const api = new HeldApi();
    const store = storeWith(api);
    store.getState().receiveLinks([link('a', 'exec', 'up')]);
    const all = store.getState().probeLinks();
    const one = store.getState().probeLinks('b');
    expect(store.getState().linkProbing).toEqual({ all: true, servers: ['b'] });
    api.answer('probeLinks', { ok: false, code: 'DISCONNECTED', message: 'The line is down; probe again once it is back.' });
    expect(await all).toMatchObject({ ok: false, message: 'The line is down; probe again once it is back.' });
    expect(store.getState().linkProbing).toEqual({ all: false, servers: ['b'] });
    expect(store.getState().links).toEqual([link('a', 'exec', 'up')]);
    api.answer('probeLinks', { ok: false, code: 'NOT_FOUND', message: 'No server b (deleted in another window?).' });
    await one;
    expect(store.getState().linkProbing).toEqual({ all: false, servers: [] });
  });

  it('lets a probe answer win over an older load still on its way', async () => {
    const api = new HeldApi();
    const store = storeWith(api);
    const loading = store.getState().loadLinks();
    const probing = store.getState().probeLinks();
    api.answer('probeLinks', { ok: true, value: [link('a', 'tmux', 'up')] });
    await probing;
    api.answer('listLinks', { ok: true, value: [link('a', 'tmux', 'unknown')] });
    await loading;
    await settle();
    expect(store.getState().links).toEqual([link('a', 'tmux', 'up')]);
  });

  it('passes sample requests through to the API', async () => {
    const api = new HeldApi();
    const store = storeWith(api);
    const samples = store.getState().linkSamples('a', '2025-01-01T00:00:00.000Z');
    expect(api.pending[0]).toMatchObject({ method: 'linkSamples', args: ['a', '2025-01-01T00:00:00.000Z'] });
    const points: LinkSamplePoint[] = [{ layer: 'bridge', at: '2025-01-01T00:00:10.000Z', latencyMs: 0.3, probes: 1, failures: 0 }];
    api.answer('linkSamples', { ok: true, value: points });
    expect(await samples).toEqual({ ok: true, value: points });
  });
});
