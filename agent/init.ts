import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import exampleConfig from '../resources/agent.example.yaml?raw';
import serviceTemplate from '../resources/lifeline-agent.service?raw';

// The folders agent.example.yaml names (dataDir and the example site's parent), relative to it; the
// service may write there and nowhere else.
const WRITABLE = ['data', 'sites'];

export interface InitOptions {
  /** Where the files go; created when missing. */
  dir: string;
  /** The command that runs `lifeline` (node and its script), for the service's ExecStart. */
  launcher: readonly string[];
}

export interface InitResult {
  config: string;
  secret: string;
  /** The socket bridge's token, for the desktop that attaches this server's agent. */
  bridgeToken: string;
  service: string;
}

/** Init would overwrite something; the message names what and what to do. */
export class InitRefusal extends Error {
  override readonly name = 'InitRefusal';
}

/**
 * `lifeline agent init`: writes a commented config with a ready example (site "example", a GitHub hook
 * "example" deploying pushes to main), a random webhook secret and a random socket-bridge token, each
 * readable by its owner only, and a hardened systemd unit. Never overwrites: when any of them exists,
 * nothing is written.
 */
export function initAgent(options: InitOptions): InitResult {
  const dir = resolve(options.dir);
  const files: InitResult = {
    config: join(dir, 'agent.yaml'),
    secret: join(dir, 'webhook.secret'),
    bridgeToken: join(dir, 'bridge.token'),
    service: join(dir, 'lifeline-agent.service'),
  };
  const existing = Object.values(files).filter((file) => existsSync(file));
  if (existing.length) {
    const [verb, them] = existing.length > 1 ? ['exist', 'them'] : ['exists', 'it'];
    throw new InitRefusal(`${existing.join(' and ')} already ${verb}; init never overwrites. Move ${them} away or choose another --dir.`);
  }

  mkdirSync(dir, { recursive: true });
  const writable = WRITABLE.map((name) => join(dir, name));
  writable.forEach((folder) => mkdirSync(folder, { recursive: true, mode: 0o750 }));
  const service = fillTemplate(serviceTemplate, {
    // Only in comments, as a shell command's argument.
    CONFIG_DIR: dir,
    EXEC_START: [...options.launcher, 'agent', '--config', files.config].map((word) => systemdWord(word, 'command')).join(' '),
    READ_WRITE_PATHS: writable.map((path) => systemdWord(path, 'path')).join(' '),
  });

  const written: string[] = [];
  try {
    // "wx": a file that appeared since the check above is refused, not overwritten.
    for (const [file, text, mode] of [
      [files.secret, `${randomBytes(32).toString('hex')}\n`, 0o600],
      [files.bridgeToken, `${randomBytes(32).toString('hex')}\n`, 0o600],
      [files.config, exampleConfig, 0o644],
      [files.service, service, 0o644],
    ] as const) {
      writeFileSync(file, text, { flag: 'wx', mode });
      written.push(file);
    }
  } catch (error) {
    written.forEach((file) => rmSync(file, { force: true }));
    throw error;
  }
  return files;
}

function fillTemplate(template: string, values: Record<string, string>): string {
  return template.replace(/@([A-Z_]+)@/g, (placeholder, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`The service template has an unknown placeholder ${placeholder}.`);
    return value;
  });
}

/**
 * One word of a unit file's command line (ExecStart) or path list (ReadWritePaths). systemd expands "%"
 * specifiers in both and "$" variables in command lines, and splits both at spaces; a word with a space or
 * a quote is put in double quotes.
 */
export function systemdWord(word: string, kind: 'command' | 'path'): string {
  let escaped = word.replace(/%/g, '%%');
  if (kind === 'command') escaped = escaped.replace(/\$/g, '$$$$');
  return /^[^\s"'\\]+$/.test(escaped) ? escaped : `"${escaped.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}
