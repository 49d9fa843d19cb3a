import { join, resolve } from 'node:path';
import { build } from 'vite';

const ROOT = resolve(__dirname, '../../..');

/**
 * Node 20 cannot run TypeScript, so a test that needs the executor in a process of its own bundles the
 * entry first (better-sqlite3 stays a require). Returns what to spawn: `node <script>` with `env`, so
 * the bundle finds the repository's node_modules.
 */
export async function bundleChild(entry: string, outDir: string): Promise<{ script: string; env: NodeJS.ProcessEnv }> {
  await build({
    configFile: false,
    root: ROOT,
    logLevel: 'warn',
    build: {
      ssr: join(__dirname, entry),
      outDir,
      emptyOutDir: true,
      minify: false,
      rolldownOptions: { output: { format: 'cjs', entryFileNames: '[name].cjs' } },
    },
  });
  return { script: join(outDir, entry.replace(/\.ts$/, '.cjs')), env: { ...process.env, NODE_PATH: join(ROOT, 'node_modules') } };
}
