import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { dirname, extname, join, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { resolveDataDir } from './data-dir';

// The agent's settings. One schema, strict at every level so that a misspelt key is reported instead of
// silently falling back to its default. Later sections (webhooks, queue, deploys) add keys here.

const hostMessage = 'must be an IP address to listen on (like 127.0.0.1, or 0.0.0.0 for every interface) or localhost';
const portMessage = 'must be a whole number between 1 and 65535';
const timeoutMessage = 'must be a whole number of seconds from 0 to 600';

/** An object section whose unknown keys are reported with the keys that are allowed there. */
function section<T extends z.core.$ZodLooseShape>(shape: T) {
  const allowed = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown setting (the settings here are: ${allowed})`
        : `must be a mapping of settings (${allowed})`,
  });
}

const listenHost = z
  .string({ error: hostMessage })
  .refine((host) => host === 'localhost' || isIP(host) !== 0, { error: hostMessage });

const port = (min: number, message: string) =>
  z.number({ error: message }).int({ error: message }).min(min, { error: message }).max(65535, { error: message });

export const agentConfigSchema = section({
  http: section({
    host: listenHost.default('127.0.0.1'),
    port: port(1, portMessage).default(8787),
  }).prefault({}),
  dataDir: z.string({ error: 'must be a folder path' }).min(1, { error: 'must be a folder path' }).optional(),
  shutdownTimeoutSeconds: z
    .number({ error: timeoutMessage })
    .int({ error: timeoutMessage })
    .min(0, { error: timeoutMessage })
    .max(600, { error: timeoutMessage })
    .default(10),
});

// Command-line overrides get the same host rule; port 0 is allowed there (it picks a free port).
const overridesSchema = z.strictObject({
  host: listenHost.optional(),
  port: port(0, 'must be a whole number between 0 and 65535 (0 picks a free port)').optional(),
});

export type AgentConfig = Omit<z.output<typeof agentConfigSchema>, 'dataDir'> & { dataDir: string };

export interface AgentConfigOverrides {
  host?: string;
  port?: number;
}

/** A configuration that cannot be used; each problem is one line naming the file and the setting. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'ConfigError';
  }
}

/**
 * Reads the agent's settings from a YAML (.yaml, .yml) or JSON (.json) file, or takes the defaults when
 * there is no file, then applies the command-line overrides. Throws ConfigError listing every problem.
 */
export function loadAgentConfig(
  file: string | undefined,
  overrides: AgentConfigOverrides,
  env: NodeJS.ProcessEnv = process.env,
): AgentConfig {
  const raw = file === undefined ? {} : readConfigFile(file);
  const problems: string[] = [];
  const parsed = agentConfigSchema.safeParse(raw);
  if (!parsed.success) problems.push(...describeIssues(file ?? 'defaults', parsed.error.issues));
  const cli = overridesSchema.safeParse(overrides);
  if (!cli.success) problems.push(...describeIssues('command line', cli.error.issues, '--'));
  if (!parsed.success || !cli.success) throw new ConfigError(problems);

  const { dataDir, http, ...rest } = parsed.data;
  return {
    ...rest,
    http: { ...http, ...definedOnly(cli.data) },
    // A relative folder in a config file means "next to this file", not "wherever the agent was started".
    dataDir: dataDir ? resolve(file ? dirname(resolve(file)) : '.', dataDir) : join(resolveDataDir(env), 'agent'),
  };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function readConfigFile(file: string): unknown {
  const format = { '.yaml': 'yaml', '.yml': 'yaml', '.json': 'json' }[extname(file).toLowerCase()];
  if (!format) {
    throw new ConfigError([`${file}: the config file must end in .yaml, .yml or .json, so its format is known; rename it.`]);
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError([describeReadError(file, error as NodeJS.ErrnoException)]);
  }
  return format === 'yaml' ? parseYaml(file, text) : parseJson(file, text);
}

function describeReadError(file: string, error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'ENOENT':
      return `${file}: no such file. Check the path given to --config, or leave --config out to use the defaults.`;
    case 'EACCES':
    case 'EPERM':
      return `${file}: permission denied. Make the file readable by the user running the agent.`;
    case 'EISDIR':
      return `${file}: is a folder, not a file. Give the path of the config file itself to --config.`;
    default:
      return `${file}: cannot be read (${error.message}). Check the file and try again.`;
  }
}

function parseYaml(file: string, text: string): unknown {
  const doc = parseDocument(text);
  const [error] = doc.errors;
  if (error) {
    const at = error.linePos ? `line ${error.linePos[0].line}, column ${error.linePos[0].col}: ` : '';
    // The library appends the position and a source excerpt; the position is already in front.
    const reason = error.message.replace(/ at line \d+, column \d+:[\s\S]*$/, '');
    throw new ConfigError([`${file}: ${at}YAML syntax error: ${reason}. Fix the file and start the agent again.`]);
  }
  // An empty file is an empty mapping: every setting takes its default.
  return doc.toJS() ?? {};
}

function parseJson(file: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = (error as SyntaxError).message;
    const at = jsonErrorLine(text, message);
    // Node's message may quote the whole file; the line number is what the reader needs.
    const reason = message.replace(/, [\s\S]*is not valid JSON$/, '').replace(/ in JSON at position \d+$/, '');
    throw new ConfigError([`${file}: ${at ? `line ${at}: ` : ''}JSON syntax error: ${reason}. Fix the file and start the agent again.`]);
  }
}

/**
 * The line of a JSON syntax error. Node 20 gives a character position for some errors only; for the rest,
 * YAML's parser (JSON is a subset of YAML 1.2) locates the first offending token.
 */
function jsonErrorLine(text: string, message: string): number | undefined {
  const position = /at position (\d+)/.exec(message);
  if (position) return text.slice(0, Number(position[1])).split('\n').length;
  if (/end of JSON input/.test(message)) return text.split('\n').length;
  return parseDocument(text, { schema: 'json' }).errors[0]?.linePos?.[0].line;
}

function describeIssues(source: string, issues: readonly z.core.$ZodIssue[], prefix = ''): string[] {
  return issues.flatMap((issue) => {
    const keys = issue.code === 'unrecognized_keys' ? issue.keys.map((key) => [...issue.path, key]) : [issue.path];
    return keys.map((path) => {
      const where = path.length ? `${prefix}${path.map(String).join('.')}: ` : '';
      return `${source}: ${where}${issue.message}`;
    });
  });
}
