// The one results writer: a vitest reporter, so it runs in the main process after every benchmark file
// has finished, and rewrites bench/RESULTS.md from what each benchmark recorded in its test's meta.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import type { Reporter, TestCase, TestModule, TestRunEndReason } from 'vitest/node';
import { resultsMarkdown, type FailedBench, type Machine, type MeasuredBench } from './results-table';

// Every benchmark issue 3 lists runs now; a benchmark that cannot run yet goes here with the reason.
const NOT_YET: readonly string[] = [];

export default class ResultsReporter implements Reporter {
  private readonly path: string;

  /** `path`: where RESULTS.md goes, relative to the directory npm runs in (the repository root). */
  constructor(options: { path: string }) {
    this.path = options.path;
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>, _unhandledErrors: unknown, reason: TestRunEndReason): void {
    // An interrupted run measured only part of the list: the previous table stays as it was.
    if (reason === 'interrupted') return;
    const measured: MeasuredBench[] = [];
    const failed: FailedBench[] = [];
    const modules = [...testModules].sort((a, b) => a.moduleId.localeCompare(b.moduleId));
    for (const module of modules) {
      const moduleError = module.errors()[0];
      if (moduleError && module.children.size === 0) failed.push({ name: module.relativeModuleId, error: moduleError.message });
      for (const test of module.children.allTests()) {
        const record = test.meta().bench;
        if (test.result().state === 'passed' && record) measured.push({ name: test.name, rows: record.rows, method: record.method });
        else failed.push({ name: test.name, error: whyNotMeasured(test) });
      }
    }
    writeFileSync(this.path, resultsMarkdown({ machine: thisMachine(), measured, failed, notYet: NOT_YET }));
  }
}

function whyNotMeasured(test: TestCase): string {
  const result = test.result();
  if (result.state === 'failed') return result.errors[0]?.message ?? 'the benchmark failed without a message';
  // A failed beforeAll leaves its tests unrun: the reason is on the suite or the module.
  for (let parent = test.parent; ; parent = parent.parent) {
    const error = parent.errors()[0];
    if (error) return error.message;
    if (parent.type === 'module') break;
  }
  if (result.state === 'passed') return 'the benchmark passed but recorded no results (recordBench was not called)';
  return `the benchmark did not run (${result.state})`;
}

function thisMachine(): Machine {
  // `ssh -V` prints its version on stderr.
  const openssh = spawnSync('ssh', ['-V'], { encoding: 'utf8' }).stderr.trim();
  return {
    cores: availableParallelism(),
    cpu: cpus()[0]?.model.trim() ?? 'unknown CPU',
    node: process.version,
    openssh: openssh || 'OpenSSH (version unknown)',
    date: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
    load: loadavg()[0],
  };
}
