import { describe, expect, it } from 'vitest';
import { registerProcessMetrics } from './process';
import { Counter, Gauge, Histogram, Registry } from './registry';

/** The sample lines of an exposition, as name{labels} → value; HELP and TYPE lines are checked apart. */
function samples(text: string): Map<string, number> {
  const found = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{.*\})?) (\S+)$/.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    found.set(match[1], Number(match[2]));
  }
  return found;
}

describe('Registry', () => {
  it('renders counters with HELP, TYPE and escaped label values', () => {
    const registry = new Registry();
    const requests = registry.register(new Counter('webhook_requests_total', 'Webhook requests.\nBy hook and result.', ['hook', 'result']));
    requests.inc({ hook: 'a"b\\c\nd', result: 'accepted' });
    requests.inc({ hook: 'a"b\\c\nd', result: 'accepted' }, 2);
    requests.inc({ hook: 'x', result: 'unauthorized' });

    const text = registry.render();
    expect(text).toContain('# HELP webhook_requests_total Webhook requests.\\nBy hook and result.\n# TYPE webhook_requests_total counter\n');
    expect(samples(text)).toEqual(
      new Map([
        ['webhook_requests_total{hook="a\\"b\\\\c\\nd",result="accepted"}', 3],
        ['webhook_requests_total{hook="x",result="unauthorized"}', 1],
      ]),
    );
  });

  it('refuses a counter going down, wrong labels, bad names and a name registered twice', () => {
    const registry = new Registry();
    const counter = registry.register(new Counter('deploys_total', 'Deploys.', ['site']));
    expect(() => counter.inc({ site: 'a' }, -1)).toThrow(/cannot go down/);
    expect(() => counter.inc()).toThrow(/takes the labels site/);
    expect(() => new Counter('bad-name', 'x')).toThrow(/not a valid/);
    expect(() => new Counter('ok', 'x', ['le'])).toThrow(/cannot be a label/);
    expect(() => registry.register(new Counter('deploys_total', 'again'))).toThrow(/registered twice/);
  });

  it('renders histograms with cumulative buckets, +Inf, sum and count', () => {
    const registry = new Registry();
    const durations = registry.register(new Histogram('deploy_duration_seconds', 'Deploy durations.', ['site'], [1, 0.1, 10]));
    for (const value of [0.05, 0.1, 0.5, 3, 30]) durations.observe({ site: 'web' }, value);

    const found = samples(registry.render());
    expect(found.get('deploy_duration_seconds_bucket{site="web",le="0.1"}')).toBe(2);
    expect(found.get('deploy_duration_seconds_bucket{site="web",le="1"}')).toBe(3);
    expect(found.get('deploy_duration_seconds_bucket{site="web",le="10"}')).toBe(4);
    expect(found.get('deploy_duration_seconds_bucket{site="web",le="+Inf"}')).toBe(5);
    expect(found.get('deploy_duration_seconds_sum{site="web"}')).toBeCloseTo(33.65);
    expect(found.get('deploy_duration_seconds_count{site="web"}')).toBe(5);
  });

  it('reads gauges at scrape time, and leaves out only a gauge whose source fails', () => {
    const registry = new Registry();
    let waiting = 3;
    registry.register(new Gauge('jobs', 'Jobs by state.', ['state'], () => [{ labels: { state: 'queued' }, value: waiting }]));
    registry.register(new Gauge('broken', 'Fails.', [], () => {
      throw new Error('database is locked');
    }));
    registry.register(new Counter('after_total', 'Still rendered.')).inc();

    expect(samples(registry.render()).get('jobs{state="queued"}')).toBe(3);
    waiting = 7;
    const text = registry.render();
    expect(samples(text).get('jobs{state="queued"}')).toBe(7);
    expect(text).toContain('# broken unavailable: database is locked');
    expect(samples(text).get('after_total')).toBe(1);
  });

  it('exports the usual process metrics with live values', () => {
    const registry = new Registry();
    registerProcessMetrics(registry);
    const found = samples(registry.render());
    expect(found.get('process_resident_memory_bytes')).toBeGreaterThan(1024 * 1024);
    expect(found.get('process_open_fds')).toBeGreaterThan(2);
    expect(Math.abs((found.get('process_start_time_seconds') ?? 0) - (Date.now() / 1000 - process.uptime()))).toBeLessThan(5);
  });
});
