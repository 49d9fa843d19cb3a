#!/usr/bin/env node
'use strict';
// The `lifeline` launcher. From a checkout it first rebuilds out/ when a source is newer than the last
// build (so `npm start` and `npx lifeline` always run the code on disk); then it hands over to the
// bundled command line in out/main/cli.js.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const outputs = ['out/main/cli.js', 'out/main/electron.js', 'out/preload/index.js', 'out/renderer/index.html'];
const sources = ['main', 'preload', 'renderer', 'agent', 'resources', 'package.json', 'electron.vite.config.ts'];

function newestMtime(target) {
  let stat;
  try {
    stat = fs.statSync(target);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return /\.test\.tsx?$/.test(target) ? 0 : stat.mtimeMs;
  let newest = 0;
  for (const entry of fs.readdirSync(target)) {
    if (entry !== 'node_modules') newest = Math.max(newest, newestMtime(path.join(target, entry)));
  }
  return newest;
}

function oldestOutput() {
  let oldest = Infinity;
  for (const file of outputs) {
    try {
      oldest = Math.min(oldest, fs.statSync(path.join(root, file)).mtimeMs);
    } catch {
      return 0;
    }
  }
  return oldest;
}

function buildIfNeeded() {
  const builder = path.join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js');
  const isCheckout = fs.existsSync(path.join(root, 'electron.vite.config.ts')) && fs.existsSync(builder);
  if (!isCheckout) return;
  const built = oldestOutput();
  const changed = Math.max(...sources.map((source) => newestMtime(path.join(root, source))));
  if (built > changed) return;
  process.stderr.write(built ? 'Lifeline: sources changed; rebuilding…\n' : 'Lifeline: building (first run)…\n');
  // Build output goes to stderr so stdout carries only what the command itself prints (the console URL).
  const result = spawnSync(process.execPath, [builder, 'build'], { cwd: root, stdio: ['ignore', 2, 2] });
  if (result.status !== 0) {
    process.stderr.write('Lifeline: the build failed (see above). Fix the error, or run "npm run build" to retry.\n');
    process.exit(1);
  }
}

buildIfNeeded();
const cli = path.join(root, 'out', 'main', 'cli.js');
if (!fs.existsSync(cli)) {
  process.stderr.write(`Lifeline: ${cli} is missing and cannot be built here; reinstall Lifeline.\n`);
  process.exit(1);
}
require(cli)
  .main(process.argv.slice(2))
  .then((code) => process.exit(code))
  .catch((error) => {
    process.stderr.write(`Lifeline: unexpected failure: ${error && error.stack ? error.stack : error}\n`);
    process.exit(1);
  });
