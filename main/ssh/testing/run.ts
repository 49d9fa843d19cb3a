// Test support: runs a system tool with an argv array (never a shell) and returns its stdout.
import { execFile } from 'node:child_process';

export interface RunOptions {
  /** Written to the tool's stdin, which is then closed. */
  input?: string;
  env?: NodeJS.ProcessEnv;
}

export function run(file: string, args: readonly string[], options: RunOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, { env: options.env ?? process.env, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${file} ${args.join(' ')} failed: ${stderr.trim() || error.message}`, { cause: error }));
      else resolve(stdout);
    });
    // A tool that exits without reading its input closes the pipe; its exit status tells what happened.
    child.stdin?.on('error', () => undefined);
    if (options.input === undefined) child.stdin?.end();
    else child.stdin?.end(options.input);
  });
}
