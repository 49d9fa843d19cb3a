import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const ROOT = resolve(__dirname, '../../..');
const SOURCES = [join(ROOT, 'agent/store/sqlite.ts'), ...sourcesUnder(join(ROOT, 'agent/queue'))];

function sourcesUnder(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return sourcesUnder(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

/**
 * Node 20 cannot run TypeScript, so a test that needs the queue in another process compiles the queue's
 * own sources (and the store they open the database with) into `dir` as CommonJS, keeping their layout.
 * Returns what to spawn: `node <script>`, with `env` so the copy finds the repository's node_modules.
 */
export function buildQueueChild(dir: string): { script: string; env: NodeJS.ProcessEnv } {
  for (const source of SOURCES) {
    const output = ts.transpileModule(readFileSync(source, 'utf8'), {
      fileName: source,
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    }).outputText;
    const target = join(dir, relative(ROOT, source)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, output);
  }
  // The repository's package.json has no "type", but a parent folder of `dir` might.
  writeFileSync(join(dir, 'package.json'), '{ "type": "commonjs" }\n');
  return {
    script: join(dir, 'agent/queue/testing/queue-child.js'),
    env: { ...process.env, NODE_PATH: join(ROOT, 'node_modules') },
  };
}
