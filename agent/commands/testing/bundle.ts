import { cpSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'vite';

const ROOT = resolve(__dirname, '../../..');

// The native driver (and what it loads its addon with) cannot be bundled; a standalone bundle carries a
// copy of them in its own node_modules.
const NATIVE_PACKAGES = ['better-sqlite3', 'bindings', 'file-uri-to-path'];

/**
 * Node 20 cannot run TypeScript, so a test that needs the executor in a process of its own bundles the
 * entry first. Returns what to spawn: `node <script>` with `env`.
 * - By default the dependencies stay requires, found through NODE_PATH in the repository's node_modules.
 * - `standalone`: for a process run by another account (the test sshd's user), which may not be able to
 *   read the checkout at all: everything but the native driver is bundled in, and the driver is copied
 *   beside the bundle, so the output folder alone is enough.
 */
export async function bundleChild(entry: string, outDir: string, options: { standalone?: boolean } = {}): Promise<{ script: string; env: NodeJS.ProcessEnv }> {
  await build({
    configFile: false,
    root: ROOT,
    logLevel: 'warn',
    ...(options.standalone ? { ssr: { noExternal: true, external: NATIVE_PACKAGES } } : {}),
    build: {
      ssr: join(__dirname, entry),
      outDir,
      emptyOutDir: true,
      minify: false,
      rolldownOptions: { output: { format: 'cjs', entryFileNames: '[name].cjs' } },
    },
  });
  const script = join(outDir, entry.replace(/\.ts$/, '.cjs'));
  if (!options.standalone) return { script, env: { ...process.env, NODE_PATH: join(ROOT, 'node_modules') } };
  for (const name of NATIVE_PACKAGES) {
    const from = join(ROOT, 'node_modules', name);
    // Sources, tests and the C++ deps are not needed to load the built addon.
    cpSync(from, join(outDir, 'node_modules', name), { recursive: true, filter: (path) => !/[/\\](src|deps|test)([/\\]|$)/.test(path.slice(from.length)) });
  }
  const { NODE_PATH: _ignored, ...env } = process.env;
  return { script, env };
}
