// Turns the benchmarks' rows into bench/RESULTS.md. A missed goal is a finding to read, not an error.
import type { BenchRow, Goal } from './support/record';

export interface Machine {
  readonly cores: number;
  readonly cpu: string;
  readonly node: string;
  readonly openssh: string;
  readonly date: string;
  /** The 1-minute load average as the run ended: other work on the machine skews both sides' figures. */
  readonly load: number;
}

export interface MeasuredBench {
  readonly name: string;
  readonly rows: readonly BenchRow[];
  readonly method: string;
}

export interface FailedBench {
  readonly name: string;
  readonly error: string;
}

export interface ResultsInput {
  readonly machine: Machine;
  readonly measured: readonly MeasuredBench[];
  readonly failed: readonly FailedBench[];
  /** Benchmarks of the issue that cannot run yet, and why. */
  readonly notYet: readonly string[];
}

export function resultsMarkdown(input: ResultsInput): string {
  const { machine } = input;
  const lines = [
    '# Benchmarks',
    '',
    'Written by `npm run bench`; do not edit by hand. Lifeline and its peer are measured in the same run,',
    'in alternating turns after warm-up, against the same OpenSSH `sshd` on 127.0.0.1. Ratio = Lifeline ÷ peer.',
    '',
    `Machine: ${machine.cores} cores (${machine.cpu}), Node ${machine.node}, ${machine.openssh}, ${machine.date}; load average ${machine.load.toFixed(1)} at the end of the run.`,
    '',
    '| benchmark | Lifeline | peer | ratio | goal | met? |',
    '| --- | ---: | ---: | ---: | ---: | :---: |',
    ...input.measured.flatMap((bench) => bench.rows.map(rowLine)),
    ...input.failed.map((bench) => `| ${bench.name} | not measured: ${oneLine(bench.error)} | | | | **failed** |`),
    '',
    '## How each was measured',
    '',
    ...input.measured.map((bench) => `- **${bench.name}**: ${bench.method}`),
  ];
  if (input.notYet.length > 0) lines.push('', '## Not measured yet', '', ...input.notYet.map((text) => `- ${text}`));
  return `${lines.join('\n')}\n`;
}

function rowLine(row: BenchRow): string {
  if (row.peer === undefined) return peerlessRowLine(row);
  const ratio = row.lifeline / row.peer;
  const absolute = row.goal?.absolute === true;
  const goal = row.goal ? (absolute ? goalText(row.goal, (amount) => value(amount, row.unit)) : goalText(row.goal)) : '';
  const met = row.goal ? (meets(absolute ? row.lifeline : ratio, row.goal) ? 'yes' : '**no**') : '';
  return `| ${row.benchmark} | ${value(row.lifeline, row.unit)} | ${value(row.peer, row.unit)} | ${ratioText(ratio)} | ${goal} | ${met} |`;
}

// Two decimals, or one significant digit below 0.01: a watcher 250 times faster than a poll is 0.004×, not 0.00×.
function ratioText(ratio: number): string {
  return `${ratio > 0 && ratio < 0.01 ? ratio.toPrecision(1) : ratio.toFixed(2)}×`;
}

/** A row without a peer: its goal is a figure in the row's own unit, not a ratio. */
function peerlessRowLine(row: BenchRow): string {
  const goal = row.goal ? goalText(row.goal, (amount) => value(amount, row.unit)) : '';
  const met = row.goal ? (meets(row.lifeline, row.goal) ? 'yes' : '**no**') : '';
  return `| ${row.benchmark} | ${value(row.lifeline, row.unit)} | — | — | ${goal} | ${met} |`;
}

function meets(figure: number, goal: Goal): boolean {
  return 'atMost' in goal ? figure <= goal.atMost : figure >= goal.atLeast;
}

function goalText(goal: Goal, show: (amount: number) => string = (ratio) => `${ratio.toFixed(1)}×`): string {
  return 'atMost' in goal ? `≤ ${show(goal.atMost)}` : `≥ ${show(goal.atLeast)}`;
}

function value(amount: number, unit: BenchRow['unit']): string {
  // Round trips of a few milliseconds need a decimal to be told apart, sub-millisecond ones two (a
  // bridge ping of 0.08 ms would read 0.1); throughput needs none.
  const digits = unit !== 'ms' ? 0 : amount < 1 ? 2 : amount < 100 ? 1 : 0;
  return `${amount.toFixed(digits)} ${unit}`;
}

/** A table cell holds one line and no column separators. */
function oneLine(text: string): string {
  return (text.split('\n')[0] ?? '').replaceAll('|', '\\|');
}
