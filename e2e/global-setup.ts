import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { CHROMIUM_LAUNCH } from './chromium-launch';

const ROOT = resolve(__dirname, '..');
const CHROMIUM = CHROMIUM_LAUNCH.executablePath;

/**
 * Fails early with what to do instead of one timeout per test, and lets the launcher rebuild out/ once
 * (it does so whenever a source is newer) before the tests start timing console start-ups.
 */
export default function globalSetup(): void {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`The end-to-end tests need Debian's Chromium at ${CHROMIUM}: run "apt-get install chromium", then try again.`);
  }
  const launcher = resolve(ROOT, 'bin/lifeline.cjs');
  const result = spawnSync(process.execPath, [launcher, '--version'], { cwd: ROOT, encoding: 'utf8', timeout: 180_000 });
  if (result.status !== 0) {
    throw new Error(
      `"node bin/lifeline.cjs --version" failed (exit ${result.status ?? result.signal}), so the web console cannot start:\n${result.stderr}\nFix the build ("npm run build" shows the errors), then run the tests again.`,
    );
  }
}
