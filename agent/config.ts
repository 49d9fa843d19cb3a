import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { dirname, extname, join, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { resolveDataDir } from './data-dir';
import { parseCidr } from './http/cidr';

// The agent's settings. One schema, strict at every level so that a misspelt key is reported instead of
// silently falling back to its default. What the schema cannot see (ids shared by two entries, a hook
// naming a missing site, what a secret reference points at) is checked once the file has the right shape.

const hostMessage = 'must be an IP address to listen on (like 127.0.0.1, or 0.0.0.0 for every interface) or localhost';
const portMessage = 'must be a whole number between 1 and 65535';
const timeoutMessage = 'must be a whole number of seconds from 0 to 600';
const idMessage = 'must be 1 to 64 letters, digits, dots, dashes or underscores (it appears in URLs and folder names)';
const secretMessage =
  'must say where the secret is, not hold it: write env:NAME (an environment variable) or file:PATH (a file holding only the secret; a relative PATH is next to this config file)';
const cidrListMessage = 'must be a list of addresses or CIDR networks, like [192.0.2.0/24, 2001:db8::/32]';
const patternsMessage = 'must be a list of patterns (* matches anything), like [main, release-*]';

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

/** A whole number from min to max; the message names the range and, after it, what the number means. */
const whole = (min: number, max: number, unit: string, meaning = '') => {
  const message = `must be a whole number ${unit ? `of ${unit} ` : ''}from ${min} to ${max}${meaning}`;
  return z.number({ error: message }).int({ error: message }).min(min, { error: message }).max(max, { error: message });
};

const seconds = (max: number) => {
  const message = `must be a number of seconds above 0, up to ${max}`;
  return z.number({ error: message }).positive({ error: message }).max(max, { error: message });
};

const text = (message: string) => z.string({ error: message }).min(1, { error: message });

const id = z.string({ error: idMessage }).regex(/^[A-Za-z0-9._-]{1,64}$/, { error: idMessage });

// Checked for form here; what it points at is read once the whole file is valid (see resolveSecret).
const secretRef = z
  .string({ error: secretMessage })
  .regex(/^(env:[A-Za-z_][A-Za-z0-9_]*|file:.+)$/s, { error: secretMessage });

const cidrList = z.array(
  z.string({ error: cidrListMessage }).refine((entry) => parseCidr(entry) !== undefined, {
    error: (issue) => `${JSON.stringify(issue.input)} is not an address or a CIDR network (like 192.0.2.0/24 or 2001:db8::/32)`,
  }),
  { error: cidrListMessage },
);

const patterns = z.array(text(patternsMessage), { error: patternsMessage });

const hookSchema = section({
  id,
  source: z.enum(['github', 'gitlab', 'bitbucket', 'generic'], { error: 'must be one of github, gitlab, bitbucket, generic' }),
  secret: secretRef,
  events: z
    .array(text('must be an event name, like push'), { error: 'must be a list of event names, like [push]' })
    .min(1, { error: 'must name at least one event, like [push]' })
    .default(['push']),
  filters: section({
    repository: patterns.optional(),
    branch: patterns.optional(),
    action: patterns.optional(),
  }).prefault({}),
  site: text('must be the id of a site from sites'),
  priority: whole(-1000, 1000, '', ' (a higher priority is deployed first)').default(0),
  rateLimit: section({
    perMinute: whole(1, 100_000, 'requests per minute from one address').default(60),
    loopback: z
      .boolean({
        error: 'must be true (limit requests from this machine too) or false (exempt them, as a reverse proxy here forwards from there)',
      })
      .default(false),
  }).prefault({}),
  allow: cidrList.optional(),
});

const commandStep = section({
  kind: z.literal('command'),
  name: text('must be a short name for the log').optional(),
  argv: z
    .array(text('must be a program or an argument'), { error: 'must be a list: the program, then its arguments, like [npm, ci] (no shell runs it)' })
    .min(1, { error: 'must name the program to run, like [npm, ci]' }),
  cwd: text('must be a folder path (a relative path is inside the release)').optional(),
  env: z.record(z.string(), z.string({ error: 'must be text' }), { error: 'must map variable names to values' }).optional(),
  timeoutSeconds: whole(1, 86_400, 'seconds').optional(),
});

const composeStep = section({
  kind: z.literal('compose'),
  file: text('must be the compose file, relative to the release').optional(),
  timeoutSeconds: whole(1, 86_400, 'seconds').optional(),
});

const healthUrlMessage = 'must be an http:// or https:// URL';
const healthStep = section({
  kind: z.literal('health'),
  url: z
    .string({ error: healthUrlMessage })
    .refine((url) => URL.canParse(url) && /^https?:$/.test(new URL(url).protocol), { error: healthUrlMessage })
    .optional(),
  argv: z
    .array(text('must be a program or an argument'), { error: 'must be a list: the program, then its arguments (exit 0 means healthy)' })
    .min(1, { error: 'must name the program to run' })
    .optional(),
  retries: whole(1, 1000, '').default(10),
  intervalSeconds: seconds(3600).default(1),
  deadlineSeconds: seconds(86_400).default(60),
}).refine((step) => (step.url === undefined) !== (step.argv === undefined), {
  error: 'a health step needs exactly one of url (a GET expecting 2xx) or argv (a command expecting exit code 0)',
});

const stepSchema = z.discriminatedUnion('kind', [section({ kind: z.literal('git') }), commandStep, composeStep, healthStep], {
  error: (issue) =>
    issue.code === 'invalid_union' ? 'must be git, command, compose or health' : 'must be a step: a mapping with a kind (git, command, compose or health)',
});

const branchesMessage = 'must map each branch to deploy to its environment, like { main: production }';
const siteSchema = section({
  id,
  dir: text('must be a folder path (a relative path is next to this config file)'),
  repository: text('must be the git URL or local path to fetch from'),
  branches: z
    .record(z.string(), text('must be an environment name, like production'), { error: branchesMessage })
    .refine((branches) => Object.keys(branches).length > 0, { error: branchesMessage }),
  steps: z
    .array(stepSchema, { error: 'must be a list of steps (kind: git, command, compose or health)' })
    .min(1, { error: 'must list at least one step, like - kind: git' }),
  queue: z
    .enum(['coalesce-latest', 'fifo', 'reject-if-busy'], {
      error:
        'must be coalesce-latest (a newer push replaces a waiting deploy), fifo (every push deploys, in order) or reject-if-busy (answer 409 while a deploy runs)',
    })
    .default('coalesce-latest'),
  timeoutSeconds: whole(1, 86_400, 'seconds').default(900),
  releasesKept: whole(1, 100, '', ' (release folders kept for rollback)').default(5),
});

const MB = 1024 * 1024;

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
  // Below this much free space for the data dir, /health/ready says not ready: enqueueing would soon fail.
  minFreeDiskBytes: whole(0, 1024 * 1024 * MB, 'bytes').default(256 * MB),
  // GitHub's own cap on a delivery.
  bodyLimitBytes: whole(1024, 100 * MB, 'bytes').default(25 * MB),
  trustedProxies: cidrList.default([]),
  apiToken: secretRef.optional(),
  hooks: z.array(hookSchema, { error: 'must be a list of hooks' }).default([]),
  sites: z.array(siteSchema, { error: 'must be a list of sites' }).default([]),
  queue: section({
    concurrency: whole(1, 64, '', ' (deploys running at once, across sites)').default(2),
    leaseSeconds: whole(10, 600, 'seconds').default(60),
    maxAttempts: whole(1, 100, '').default(3),
    backoffSeconds: whole(1, 3600, 'seconds').default(10),
    // Senders redeliver for days; the issue promises a week of memory at least.
    dedupeDays: whole(7, 365, 'days').default(7),
  }).prefault({}),
  // The socket bridge (issue 5): the desktop's first layer. Off until it has a token: a bridge anyone on
  // the host could drive would run commands for them.
  bridge: section({
    host: listenHost.default('127.0.0.1'),
    port: port(1, portMessage).default(8899),
    token: secretRef.optional(),
    // "self-signed": a certificate made once in the data dir, whose fingerprint the desktop pins.
    tls: z
      .union([z.literal('self-signed'), section({ cert: text('must be the path of a PEM certificate file'), key: text('must be the path of a PEM key file') })], {
        error: 'must be "self-signed" or { cert: FILE, key: FILE }',
      })
      .optional(),
    maxFrameBytes: whole(1024, 64 * MB, 'bytes').default(MB),
  }).prefault({}),
  // Trigger files: commands dropped over SFTP into a folder the agent watches.
  trigger: section({
    enabled: z.boolean({ error: 'must be true or false' }).default(true),
    dir: text('must be a folder path').optional(),
    rescanSeconds: whole(1, 3600, 'seconds').default(2),
    retentionHours: whole(1, 24 * 365, 'hours').default(24),
    maxFileBytes: whole(1024, 16 * MB, 'bytes').default(64 * 1024),
  }).prefault({}),
  // What the bridge, trigger files and run-command may run.
  commands: section({
    allow: z.array(section({ argv: z.array(text('must be a non-empty pattern')).min(1, { error: 'needs at least the program' }) })).optional(),
    named: z
      .record(
        id,
        section({
          argv: z.array(z.string({ error: 'must be text' })).min(1, { error: 'needs at least the program' }),
          cwd: text('must be a folder path').optional(),
          env: z.record(z.string(), z.string({ error: 'must be text' })).optional(),
          timeoutSeconds: whole(1, 86_400, 'seconds').optional(),
        }),
      )
      .optional(),
    timeoutSeconds: whole(1, 86_400, 'seconds').default(300),
    outputCapBytes: whole(1024, 64 * MB, 'bytes').default(MB),
  }).prefault({}),
  // The private tmux server (tmux -L NAME) the bridge's tmux methods drive; the default server without it.
  tmux: section({ socketName: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, { error: 'must be letters, digits, ".", "_" or "-"' }).optional() }).prefault({}),
  logs: section({
    maxFileBytes: whole(64 * 1024, 1024 * MB, 'bytes').default(50 * MB),
    maxTotalBytes: whole(MB, 1024 * 1024 * MB, 'bytes').default(5 * 1024 * MB),
    maxAgeDays: whole(1, 3650, 'days').default(30),
    jobLogMaxBytes: whole(1024, 1024 * MB, 'bytes').default(10 * MB),
  }).prefault({}),
});

// Command-line overrides get the same host rule; port 0 is allowed there (it picks a free port).
const overridesSchema = z.strictObject({
  host: listenHost.optional(),
  port: port(0, 'must be a whole number between 0 and 65535 (0 picks a free port)').optional(),
  'bridge-port': port(0, 'must be a whole number between 0 and 65535 (0 picks a free port)').optional(),
});

/** The settings after loading: secrets hold their values, folders are absolute. */
type ParsedConfig = z.output<typeof agentConfigSchema>;
/** The settings after loading: folders absolute, the trigger folder filled in from the data dir. */
export type AgentConfig = Omit<ParsedConfig, 'dataDir' | 'trigger'> & {
  dataDir: string;
  trigger: Omit<ParsedConfig['trigger'], 'dir'> & { dir: string };
};
export type HookConfig = AgentConfig['hooks'][number];
export type HookSource = HookConfig['source'];
export type SiteConfig = AgentConfig['sites'][number];
export type StepConfig = SiteConfig['steps'][number];

export interface AgentConfigOverrides {
  host?: string;
  port?: number;
  'bridge-port'?: number;
}

export interface LoadOptions {
  /**
   * 'unresolved' leaves each secret as the reference written in the file (env:NAME, file:PATH), for
   * commands that never use secrets (lifeline agent status, jobs, retry, cancel): an operator's shell
   * lacks the service's environment, and that must not stop them reading the data folder.
   */
  secrets?: 'resolve' | 'unresolved';
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
  options: LoadOptions = {},
): AgentConfig {
  const raw = file === undefined ? {} : readConfigFile(file);
  const source = file ?? 'defaults';
  const problems: string[] = [];
  const parsed = agentConfigSchema.safeParse(raw);
  if (!parsed.success) problems.push(...describeIssues(source, parsed.error.issues));
  const cli = overridesSchema.safeParse(overrides);
  if (!cli.success) problems.push(...describeIssues('command line', cli.error.issues, '--'));
  if (!parsed.success || !cli.success) throw new ConfigError(problems);

  // A relative path in a config file means "next to this file", not "wherever the agent was started".
  const base = file ? dirname(resolve(file)) : resolve('.');
  const { dataDir, http, apiToken, hooks, sites, bridge, trigger, ...rest } = parsed.data;
  const refuse: Refuse = (path, message) => problems.push(formatProblem(source, path, message));
  checkIds(hooks, 'hooks', 'hook', refuse);
  checkIds(sites, 'sites', 'site', refuse);
  checkHookSites(hooks, sites, refuse);
  const secret = (ref: string, path: PropertyKey[]) => {
    if (options.secrets === 'unresolved') return ref;
    const value = resolveSecret(ref, base, env);
    if (typeof value !== 'string') refuse(path, value.problem);
    return typeof value === 'string' ? value : '';
  };
  const { 'bridge-port': bridgePort, ...httpOverrides } = cli.data;
  const resolvedDataDir = dataDir ? resolve(base, dataDir) : join(resolveDataDir(env), 'agent');
  const config: AgentConfig = {
    ...rest,
    http: { ...http, ...definedOnly(httpOverrides) },
    dataDir: resolvedDataDir,
    bridge: {
      ...bridge,
      ...(bridgePort === undefined ? {} : { port: bridgePort }),
      ...(bridge.token === undefined ? {} : { token: secret(bridge.token, ['bridge', 'token']) }),
      ...(bridge.tls === undefined || bridge.tls === 'self-signed' ? {} : { tls: { cert: resolve(base, bridge.tls.cert), key: resolve(base, bridge.tls.key) } }),
    },
    trigger: { ...trigger, dir: trigger.dir ? resolve(base, trigger.dir) : join(resolvedDataDir, 'trigger') },
    ...(apiToken === undefined ? {} : { apiToken: secret(apiToken, ['apiToken']) }),
    hooks: hooks.map((hook, index) => ({ ...hook, secret: secret(hook.secret, ['hooks', index, 'secret']) })),
    sites: sites.map((site) => ({ ...site, dir: resolve(base, site.dir) })),
  };
  if (problems.length) throw new ConfigError(problems);
  return config;
}

type Refuse = (path: PropertyKey[], message: string) => void;

/** Ids name URLs (/hooks/<id>) and folders, so two entries sharing one would silently shadow each other. */
function checkIds(entries: readonly { id: string }[], list: string, noun: string, refuse: Refuse) {
  const first = new Map<string, number>();
  entries.forEach(({ id }, index) => {
    const earlier = first.get(id);
    if (earlier === undefined) first.set(id, index);
    else refuse([list, index, 'id'], `"${id}" is already the id of ${list}.${earlier}; give each ${noun} its own id`);
  });
}

function checkHookSites(hooks: readonly { site: string }[], sites: readonly { id: string }[], refuse: Refuse) {
  const ids = [...new Set(sites.map((site) => site.id))];
  hooks.forEach(({ site }, index) => {
    if (ids.includes(site)) return;
    const known = ids.length ? `name one of the sites (${ids.join(', ')}) or add` : 'add';
    refuse(['hooks', index, 'site'], `no site has the id "${site}"; ${known} a site with that id under sites`);
  });
}

/**
 * The value a secret reference points at. A file secret loses one trailing newline (editors and
 * `echo` add it); an empty or missing value is refused, since an empty HMAC key lets anyone sign.
 */
function resolveSecret(ref: string, base: string, env: NodeJS.ProcessEnv): string | { problem: string } {
  const random = 'a long random value (for example the output of "openssl rand -hex 32")';
  if (ref.startsWith('env:')) {
    const name = ref.slice('env:'.length);
    const value = env[name];
    if (value === undefined) {
      return { problem: `the environment variable ${name} is not set; set it for the agent (in a systemd unit: Environment= or EnvironmentFile=), or use file:PATH` };
    }
    return value ? value : { problem: `the environment variable ${name} is empty; set it to ${random}` };
  }
  const path = resolve(base, ref.slice('file:'.length));
  let value: string;
  try {
    value = readFileSync(path, 'utf8').replace(/\r?\n$/, '');
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : message;
    return { problem: `cannot read ${path} (${why}); write the secret into it, readable only by the user running the agent (chmod 600)` };
  }
  return value ? value : { problem: `${path} is empty; write ${random} into it` };
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
    return keys.map((path) => formatProblem(source, path, issue.message, prefix));
  });
}

/** "file: hooks.0.secret: message", the one shape of every problem. */
function formatProblem(source: string, path: readonly PropertyKey[], message: string, prefix = ''): string {
  const where = path.length ? `${prefix}${path.map(String).join('.')}: ` : '';
  return `${source}: ${where}${message}`;
}
