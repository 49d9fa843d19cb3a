import { useId, useMemo, useState } from 'react';
import { CartesianGrid, Line, LineChart, Tooltip, XAxis, YAxis, type DotItemDotProps, type TooltipContentProps } from 'recharts';
import type { LinkLayer, Server } from '../../../../preload/api';
import { buildChartData, CHART_RANGES, describeSlot, failedIn, failureMarkY, latencyOf, summarize, type ChartRange, type ChartRow } from './latency-chart-data';
import { LAYER_STYLE } from './layer-style';
import { formatLatency } from './link-format';
import { MATRIX_LAYERS } from './link-matrix';
import { useLinkSamples } from './use-link-samples';

const RANGES = Object.keys(CHART_RANGES) as ChartRange[];

/** The latency of one server's layers over the last hour or day, with failed probes marked. */
export function LatencyPanel({ server, layers }: { server: Server; layers: LinkLayer[] }) {
  const [range, setRange] = useState<ChartRange>('hour');
  const samples = useLinkSamples(server.id, range);
  const headingId = useId();
  const data = useMemo(() => buildChartData(samples.points, range, samples.to), [samples.points, range, samples.to]);
  const summary = useMemo(() => summarize(samples.points, layers), [samples.points, layers]);
  const [low, high] = data.yDomain;
  const failureKeys = useMemo(() => new Map(layers.map((layer, index) => [layer, failureKey(layer, failureMarkY([low, high], index))])), [layers, low, high]);
  const empty = samples.status === 'ready' && samples.points.length === 0;
  return (
    <section className="panel latency-panel" aria-labelledby={headingId} data-testid="latency-panel">
      <div className="latency-head">
        <h2 id={headingId}>Latency of {server.name}</h2>
        <div className="range-toggle" role="group" aria-label="Time range">
          {RANGES.map((option) => (
            <button key={option} type="button" aria-pressed={range === option} onClick={() => setRange(option)}>
              {CHART_RANGES[option].label}
            </button>
          ))}
        </div>
      </div>
      {samples.status === 'error' && (
        <div className="panel error-panel" role="alert">
          <p>
            <strong>Could not load the latency samples.</strong> {samples.error}
          </p>
          <button type="button" className="button" onClick={samples.reload}>
            Retry
          </button>
        </div>
      )}
      {layers.length === 0 ? (
        <p className="muted">No layer of {server.name} is set up, so nothing is probed. Edit the server on the Servers page to set up its agent.</p>
      ) : (
        <>
          <div className="latency-chart" data-testid="latency-chart" aria-busy={samples.status === 'loading' || undefined}>
            <LineChart responsive style={{ width: '100%', height: '100%' }} data={data.rows} margin={{ top: 8, right: 16, bottom: 4, left: 4 }}>
              <CartesianGrid strokeDasharray="3 3" vertical={false} />
              <XAxis dataKey="t" type="number" scale="time" domain={data.xDomain} ticks={data.xTicks} tickFormatter={(ms: number) => clock(ms)} allowDataOverflow />
              <YAxis
                type="number"
                scale="log"
                domain={data.yDomain}
                ticks={data.yTicks}
                tickFormatter={(ms: number) => formatLatency(ms)}
                allowDataOverflow
                width={64}
              />
              <Tooltip content={(props) => <SlotTooltip {...props} layers={layers} slotMs={data.slotMs} />} isAnimationActive={false} />
              {layers.map((layer) => (
                <Line
                  key={layer}
                  dataKey={LATENCY_KEYS[layer]}
                  name={layer}
                  stroke={LAYER_STYLE[layer].color}
                  strokeDasharray={LAYER_STYLE[layer].dash}
                  strokeWidth={2}
                  dot={(props: DotItemDotProps) => <IsolatedDot {...props} key={`${layer}-${props.index}`} color={LAYER_STYLE[layer].color} />}
                  connectNulls={false}
                  isAnimationActive={false}
                />
              ))}
              {layers.map((layer) => (
                <Line
                  key={`${layer}-failed`}
                  dataKey={failureKeys.get(layer)}
                  name={`${layer} failed`}
                  stroke="none"
                  dot={(props: DotItemDotProps) => <FailureMark key={`${layer}-${props.index}`} cx={props.cx} cy={props.cy} color={LAYER_STYLE[layer].color} />}
                  activeDot={false}
                  legendType="none"
                  tooltipType="none"
                  isAnimationActive={false}
                />
              ))}
            </LineChart>
            {(samples.status === 'loading' || empty) && (
              <div className="latency-chart-overlay">
                {samples.status === 'loading' ? (
                  <>
                    <span className="spinner" aria-hidden="true" /> Loading samples…
                  </>
                ) : (
                  `No probes of ${server.name} in the ${CHART_RANGES[range].label.toLowerCase()}. Probe it now, or wait for the next round.`
                )}
              </div>
            )}
          </div>
          <Legend layers={layers} />
          <table className="latency-summary" data-testid="latency-summary">
            <caption className="visually-hidden">
              Latency of {server.name} per layer, {CHART_RANGES[range].label.toLowerCase()}
            </caption>
            <thead>
              <tr>
                <th scope="col">Layer</th>
                <th scope="col">Probes</th>
                <th scope="col">Failed</th>
                <th scope="col">Mean</th>
                <th scope="col">Slowest</th>
              </tr>
            </thead>
            <tbody>
              {summary.map((line) => (
                <tr key={line.layer}>
                  <th scope="row">{line.layer}</th>
                  <td>{line.probes}</td>
                  <td>{line.failures}</td>
                  <td>{formatLatency(line.meanMs)}</td>
                  <td>{formatLatency(line.maxMs)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}

// Made once per layer: a new function on every render would make recharts recompute every line.
const LATENCY_KEYS = Object.fromEntries(MATRIX_LAYERS.map((layer) => [layer, (row: ChartRow) => latencyOf(row, layer)])) as Record<LinkLayer, (row: ChartRow) => number | null>;

function failureKey(layer: LinkLayer, y: number): (row: ChartRow) => number | null {
  return (row) => (failedIn(row, layer) ? y : null);
}

// A point between two gaps has no line to show it: it gets a dot.
function IsolatedDot({ cx, cy, index, points, color }: DotItemDotProps & { color: string }) {
  if (cx === undefined || cy === undefined || points[index - 1]?.y != null || points[index + 1]?.y != null) return null;
  return <circle cx={cx} cy={cy} r={2.5} fill={color} />;
}

function FailureMark({ cx, cy, color }: { cx: number | undefined; cy: number | undefined; color: string }) {
  if (cx === undefined || cy === undefined || !Number.isFinite(cx) || !Number.isFinite(cy)) return null;
  return <path d={`M${cx - 4},${cy - 4}L${cx + 4},${cy + 4}M${cx - 4},${cy + 4}L${cx + 4},${cy - 4}`} stroke={color} strokeWidth={2} />;
}

function SlotTooltip({ active, payload, layers, slotMs }: TooltipContentProps & { layers: LinkLayer[]; slotMs: number }) {
  const row = payload?.[0]?.payload as ChartRow | undefined;
  if (!active || !row) return null;
  return (
    <div className="latency-tooltip">
      <strong>
        {clock(row.t, slotMs < 60_000)}–{clock(row.t + slotMs, slotMs < 60_000)}
      </strong>
      <ul>
        {layers.map((layer) => (
          <li key={layer}>
            <span style={{ color: LAYER_STYLE[layer].color }}>{layer}</span>: {describeSlot(row, layer)}
          </li>
        ))}
      </ul>
    </div>
  );
}

function Legend({ layers }: { layers: LinkLayer[] }) {
  return (
    <ul className="latency-legend" aria-label="Legend">
      {layers.map((layer) => (
        <li key={layer}>
          <svg width="28" height="10" aria-hidden="true">
            <line x1="1" y1="5" x2="27" y2="5" stroke={LAYER_STYLE[layer].color} strokeWidth="2" strokeDasharray={LAYER_STYLE[layer].dash} />
          </svg>
          {layer}
        </li>
      ))}
      <li>
        <svg width="12" height="12" aria-hidden="true">
          <path d="M2,2L10,10M2,10L10,2" stroke="currentColor" strokeWidth="2" />
        </svg>
        failed probe (along the bottom); a gap: no probe worked
      </li>
    </ul>
  );
}

function clock(ms: number, seconds = false): string {
  return new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', ...(seconds ? { second: '2-digit' } : {}) });
}
