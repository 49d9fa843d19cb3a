import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Runs Doyensec's Electronegativity over the sources (not out/, whose bundles hide where a finding
// comes from) and fails on any HIGH or MEDIUM finding that the allowlist beside this file does not
// explain. The tool's CLI exits 0 whatever it finds, so its findings are read, not its exit code.

const root = resolve(__dirname, '../..');
const SCANNED = ['main', 'preload', 'renderer'];
// Its own lookup of the newest Electron release needs network; the version we ship is pinned anyway.
const ELECTRON_VERSION = '45.4.1';
const SCAN_TIMEOUT_MS = 120_000;

interface Finding {
  check: string;
  severity: string;
  confidence: string;
  file: string;
  location: string;
  description: string;
}

interface AllowlistEntry {
  check: string;
  file: string;
  reason: string;
}

interface Scan {
  findings: Finding[];
  errors: unknown[];
}

const allowlist = JSON.parse(readFileSync(join(__dirname, 'electronegativity-allowlist.json'), 'utf8')) as AllowlistEntry[];

interface RawIssue {
  id: string;
  severity: { name: string };
  confidence: { name: string };
  file: string;
  location: { line: number; column: number };
  description: string;
}

type Run = (options: Record<string, unknown>) => Promise<{ issues: RawIssue[]; errors: unknown[] }>;

// Called in-process rather than through its CLI: the CLI writes its CSV header and rows with two
// unsynchronised writes, so under load the report comes out mangled.
const runElectronegativity = createRequire(join(root, 'package.json'))('@doyensec/electronegativity') as Run;

/** Scans `folder` (its files reported relative to it) and returns the findings and any parse errors. */
async function scan(folder: string): Promise<Scan> {
  const { issues, errors } = await runElectronegativity({
    input: folder,
    isRelative: true,
    electronVersionOverride: ELECTRON_VERSION,
    customScan: [],
    excludeFromScan: [],
  });
  const findings = issues.map((issue) => ({
    check: issue.id,
    severity: issue.severity.name,
    confidence: issue.confidence.name,
    file: issue.file,
    location: `${issue.location.line}:${issue.location.column}`,
    description: issue.description,
  }));
  return { findings, errors };
}

/** A folder of links to the real source folders, so one scan sees main, preload and renderer together. */
function linkSources(into: string): string {
  const sources = join(into, 'sources');
  mkdirSync(sources);
  for (const name of SCANNED) {
    if (existsSync(join(root, name))) symlinkSync(join(root, name), join(sources, name), 'dir');
  }
  return sources;
}

const blocking = (finding: Finding) => finding.severity === 'HIGH' || finding.severity === 'MEDIUM';
const explained = (finding: Finding) => allowlist.some((entry) => entry.check === finding.check && entry.file === finding.file);
const describeFinding = (f: Finding) => `${f.check} (${f.severity}, ${f.confidence}) ${f.file}:${f.location} ${f.description}`;

let workDir: string;
let project: Scan;
let insecure: Scan;

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'lifeline-electronegativity-'));
  mkdirSync(join(workDir, 'project'));
  mkdirSync(join(workDir, 'insecure'));
  // A deliberately unsafe window, to show this check notices one.
  const unsafe = join(workDir, 'insecure', 'app');
  mkdirSync(unsafe);
  writeFileSync(
    join(unsafe, 'main.ts'),
    "import { BrowserWindow } from 'electron';\n" +
      "new BrowserWindow({ webPreferences: { nodeIntegration: true, contextIsolation: false, sandbox: false } });\n",
  );
  [project, insecure] = await Promise.all([
    scan(linkSources(join(workDir, 'project'))),
    scan(unsafe),
  ]);
}, SCAN_TIMEOUT_MS);

afterAll(() => {
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe('Electronegativity', () => {
  it('finds no HIGH or MEDIUM issue in main/, preload/ and renderer/ that the allowlist does not explain', () => {
    const unexplained = project.findings.filter((f) => blocking(f) && !explained(f)).map(describeFinding);
    expect(unexplained, 'fix these, or add them to electronegativity-allowlist.json with the reason they are safe').toEqual([]);
  });

  it('parsed every source file', () => {
    expect(project.errors).toEqual([]);
  });

  it('gives every allowlist entry a reason and a finding it still explains', () => {
    for (const entry of allowlist) {
      expect(entry.reason.trim().length, `${entry.check} in ${entry.file} needs a reason`).toBeGreaterThan(40);
      const matched = project.findings.some((f) => blocking(f) && f.check === entry.check && f.file === entry.file);
      expect(matched, `${entry.check} in ${entry.file} no longer occurs; remove it from the allowlist`).toBe(true);
    }
  });

  it('reports an insecure window, so the check above can fail', () => {
    const checks = insecure.findings.filter(blocking).map((f) => f.check);
    expect(checks).toEqual(expect.arrayContaining(['CONTEXT_ISOLATION_JS_CHECK', 'SANDBOX_JS_CHECK']));
  });
});
