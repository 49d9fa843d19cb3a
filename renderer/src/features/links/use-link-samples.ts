import { useCallback, useEffect, useRef, useState } from 'react';
import type { LinkSamplePoint } from '../../../../preload/api';
import { useAppStore } from '../../store/store-context';
import { CHART_RANGES, type ChartRange } from './latency-chart-data';
import { throttle, type Throttled } from './throttle';

/** New probes of the shown server refetch its chart at most this often. */
const REFRESH_INTERVAL_MS = 5_000;

export interface LinkSamples {
  status: 'loading' | 'ready' | 'error';
  points: LinkSamplePoint[];
  error: string | null;
  /** When the points were asked for (ms since the epoch): the right end of the chart. */
  to: number;
  reload(): void;
}

/** One server's probe samples over the range, refetched (throttled) as new probes of it are announced. */
export function useLinkSamples(serverId: string, range: ChartRange): LinkSamples {
  const linkSamples = useAppStore((state) => state.linkSamples);
  // A plain string, so that only this server's new probes re-render the chart.
  const probedAt = useAppStore((state) =>
    state.links
      .filter((status) => status.serverId === serverId)
      .map((status) => status.lastProbeAt)
      .join(),
  );
  const [samples, setSamples] = useState<Omit<LinkSamples, 'reload'>>({ status: 'loading', points: [], error: null, to: Date.now() });
  const latest = useRef(0);

  const load = useCallback(async () => {
    const request = ++latest.current;
    const to = Date.now();
    const result = await linkSamples(serverId, new Date(to - CHART_RANGES[range].ms).toISOString());
    // Only the newest answer may show: an older one may be another server's or range's.
    if (request !== latest.current) return;
    if (result.ok) setSamples({ status: 'ready', points: result.value, error: null, to });
    else setSamples((current) => ({ ...current, status: 'error', error: result.message }));
  }, [linkSamples, serverId, range]);

  const refresh = useRef<Throttled | null>(null);
  useEffect(() => {
    setSamples({ status: 'loading', points: [], error: null, to: Date.now() });
    const throttled = throttle(() => void load(), REFRESH_INTERVAL_MS);
    refresh.current = throttled;
    // The first request runs at once: the initial load.
    throttled.request();
    return () => {
      throttled.dispose();
      // Answers to requests for a server or range no longer shown are dropped.
      latest.current++;
    };
  }, [load]);

  const shownProbes = useRef(probedAt);
  useEffect(() => {
    if (probedAt === shownProbes.current) return;
    shownProbes.current = probedAt;
    refresh.current?.request();
  }, [probedAt]);

  return { ...samples, reload: () => void load() };
}
