import { resolve } from 'node:path';
import { parseCommandArgs } from './cli-args';
import type { AgentCliIo } from './cli';
import { USAGE } from './cli-usage';
import { initAgent, InitRefusal } from './init';

/** `lifeline agent init --dir DIR`: 0 when written, 2 for bad arguments or a file in the way. */
export function runInit(argv: string[], io: AgentCliIo): number {
  const args = parseCommandArgs(argv, { dir: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, false, 'init takes only options');
  if ('error' in args) {
    io.err(`lifeline agent init: ${args.error} Run "lifeline agent --help" for the options.`);
    return 2;
  }
  const { values } = args;
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  if (!values.dir) {
    io.err('lifeline agent init: say where to write the files with --dir DIR (for example --dir /etc/lifeline).');
    return 2;
  }
  // Run as `lifeline`, argv[1] is its launcher script; without one, systemd finds `lifeline` in /usr/bin and the like.
  const script = process.argv[1];
  const launcher = io.launcher ?? (script ? [process.execPath, resolve(script)] : ['lifeline']);
  let files;
  try {
    files = initAgent({ dir: values.dir, launcher });
  } catch (error) {
    if (error instanceof InitRefusal) {
      io.err(`lifeline agent init: ${error.message}`);
      return 2;
    }
    io.err(`lifeline agent init: could not write into ${resolve(values.dir)} (${(error as Error).message}); check that you may write there.`);
    return 2;
  }
  [
    `Wrote ${files.config}: settings with an example site "example" and a GitHub hook "example" (edit the site's repository and steps).`,
    `Wrote ${files.secret}: the webhook secret, readable by its owner only.`,
    `Wrote ${files.bridgeToken}: the socket bridge's token, readable by its owner only (the desktop needs it).`,
    `Wrote ${files.service}: a systemd unit.`,
    '',
    'Next:',
    `  Try it:        lifeline agent --config ${files.config}`,
    `  At GitHub:     Settings > Webhooks > Add webhook: Payload URL https://<this server>/hooks/example,`,
    `                 content type application/json, secret: the contents of ${files.secret}`,
    `  As a service:  sudo cp ${files.service} /etc/systemd/system/`,
    '                 sudo systemctl daemon-reload && sudo systemctl enable --now lifeline-agent',
  ].forEach((line) => io.out(line));
  return 0;
}
