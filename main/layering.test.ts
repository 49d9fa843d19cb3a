import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

// The runtime boundaries of DESIGN.md, enforced on every source file:
// - only main/electron/ and preload/index.ts import 'electron' (everything else must run under plain Node);
// - the renderer imports nothing from main/ or agent/, and from preload/ only the types of api.ts;
// - the agent runs on servers without the desktop code: it imports nothing from main/, preload/ or renderer/.

const ROOT = join(__dirname, '..');
const SOURCE_DIRS = ['main', 'preload', 'renderer', 'agent', 'e2e'];
const IMPORT = /(?:^|[\s;])(import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]|\b(?:require|import)\(\s*['"]([^'"]+)['"]\s*\)/g;

interface SourceFile {
  path: string; // relative to the repository, with forward slashes
  text: string;
}

function layeringViolations(files: SourceFile[]): string[] {
  const problems: string[] = [];
  for (const file of files) {
    for (const match of file.text.matchAll(IMPORT)) {
      const typeOnly = Boolean(match[2]);
      const specifier = match[3] ?? match[4];
      const target = specifier.startsWith('.') ? normalize(join(dirname(file.path), specifier)).replaceAll('\\', '/') : specifier;
      const problem = check(file.path, target, typeOnly);
      if (problem) problems.push(`${file.path}: imports '${specifier}': ${problem}`);
    }
  }
  return problems;
}

function check(from: string, target: string, typeOnly: boolean): string | undefined {
  const isTest = /\.test\.tsx?$/.test(from);
  if ((target === 'electron' || target.startsWith('electron/')) && !from.startsWith('main/electron/') && from !== 'preload/index.ts' && !(isTest && from.startsWith('preload/'))) {
    return "only main/electron/ and preload/index.ts may import 'electron'";
  }
  if (from.startsWith('renderer/')) {
    if (target.startsWith('main/') || target.startsWith('agent/')) return 'the renderer may not import main-side code';
    if (target.startsWith('preload/') && (target !== 'preload/api' || !typeOnly)) return "the renderer may import only types from preload/api.ts ('import type')";
  }
  if (from.startsWith('agent/') && /^(main|preload|renderer)\//.test(target)) return 'the agent may not depend on desktop code';
  if ((from.startsWith('main/') || from.startsWith('agent/')) && target.startsWith('renderer/')) return 'main-side code may not import the renderer';
  return undefined;
}

function sourceFiles(): SourceFile[] {
  const files: SourceFile[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      // This file's own examples of violations are strings, not imports.
      else if (/\.(ts|tsx|mts|cts)$/.test(entry.name) && path !== 'main/layering.test.ts') files.push({ path, text: readFileSync(join(ROOT, path), 'utf8') });
    }
  };
  SOURCE_DIRS.forEach(walk);
  return files;
}

describe('runtime layering', () => {
  it('holds for every source file', () => {
    const files = sourceFiles();
    expect(files.length).toBeGreaterThan(20);
    expect(layeringViolations(files)).toEqual([]);
  });

  it('catches each kind of violation', () => {
    const bad: SourceFile[] = [
      { path: 'main/web/server.ts', text: "import { app } from 'electron';" },
      { path: 'main/api/service.ts', text: "const { ipcMain } = require('electron');" },
      { path: 'renderer/src/App.tsx', text: "import { openLifelineStore } from '../../main/store';" },
      { path: 'renderer/src/x.ts', text: "import type { Thing } from '../../agent/config';" },
      { path: 'renderer/src/y.ts', text: "import { something } from '../../preload/api';" },
      { path: 'renderer/src/z.ts', text: "export * from '../../preload/index';" },
      { path: 'agent/app.ts', text: "import { LifelineService } from '../main/api/service';" },
      { path: 'main/api/q.ts', text: "const ui = await import('../../renderer/src/App');" },
    ];
    expect(layeringViolations(bad)).toHaveLength(bad.length);
  });

  it('allows what the design allows', () => {
    const good: SourceFile[] = [
      { path: 'main/electron/window.ts', text: "import { BrowserWindow } from 'electron';" },
      { path: 'preload/index.ts', text: "import { contextBridge } from 'electron';\nimport type { LifelineApi } from './api';" },
      { path: 'renderer/src/bridge/index.ts', text: "import type { LifelineApi, Result } from '../../../preload/api';\nimport { create } from 'zustand';" },
      { path: 'main/cli.ts', text: "import { runAgentCli } from '../agent/cli';" },
    ];
    expect(layeringViolations(good)).toEqual([]);
  });
});
