import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import type { HostKeyChecking } from '../../preload/api';

// Reads an OpenSSH client config the way `ssh` does (ssh_config(5)), for the keywords Lifeline uses:
// Host and Include are followed, Match blocks are left out with a note, and for every other keyword the
// first value obtained for a host wins, so `Host *` defaults placed last fill in what concrete hosts left
// unset. The result answers "what would ssh use for this host?" through `resolveSshHost`.

/** A config that ssh itself would refuse (a broken line, an unreadable file), with where and what to do. */
export class SshConfigError extends Error {
  override readonly name = 'SshConfigError';
}

/** Something in the config that was read but is not carried over, and why. */
export interface ConfigNote {
  /** The line's keyword and arguments, e.g. "Match user root". */
  subject: string;
  reason: string;
}

/** One `Host` line: it applies to a name that none of its `!` patterns and one of its others match. */
export interface HostLine {
  patterns: HostPattern[];
  /** The conditions of the Include that brought this line in; a null stands for a Match block, never known here. */
  guard: readonly Condition[];
  where: string;
}

export interface HostPattern {
  /** As written, without the leading "!". */
  text: string;
  negated: boolean;
  /** Has "*" or "?", so it stands for many hosts rather than naming one. */
  wildcard: boolean;
  regex: RegExp;
}

type Condition = HostLine | null;

interface Directive {
  keyword: Keyword;
  args: string[];
  where: string;
}

/** A run of lines that apply under the same conditions, in file order (includes inlined). */
interface Section {
  conditions: readonly Condition[];
  directives: Directive[];
}

export interface SshConfig {
  /** The home folder `~` and relative includes are resolved against. */
  home: string;
  /** Every Host line, in the order ssh reads them. */
  hostLines: HostLine[];
  notes: ConfigNote[];
  /** The files read, the main one first. */
  files: string[];
  readonly sections: readonly Section[];
}

/** One hop of a ProxyJump chain: `[user@]host[:port]`. */
export interface JumpSpec {
  user: string | null;
  host: string;
  port: number | null;
  /** As written in the config. */
  text: string;
}

/** What ssh would use to connect to `alias`. Null means the config does not say (ssh's default applies). */
export interface ResolvedSshHost {
  alias: string;
  hostName: string;
  /** 22 unless the config says otherwise. */
  port: number;
  /** The local user unless the config says otherwise. */
  user: string;
  /** Absolute paths, tokens and `~` expanded, in config order. */
  identityFiles: string[];
  /** Empty: connect directly (no ProxyJump, or `ProxyJump none`). */
  proxyJump: JumpSpec[];
  /** Set when a ProxyCommand (other than "none") is in force instead of a ProxyJump. */
  proxyCommand: string | null;
  serverAliveInterval: number | null;
  serverAliveCountMax: number | null;
  strictHostKeyChecking: HostKeyChecking | null;
  /** Absolute paths; an empty list means `UserKnownHostsFile none`. */
  userKnownHostsFiles: string[] | null;
  forwardAgent: boolean | null;
}

// The keywords Lifeline reads, in lower case (ssh ignores case), with their usual spelling for messages.
const KEYWORD_NAMES = {
  host: 'Host',
  match: 'Match',
  include: 'Include',
  hostname: 'HostName',
  port: 'Port',
  user: 'User',
  identityfile: 'IdentityFile',
  proxyjump: 'ProxyJump',
  proxycommand: 'ProxyCommand',
  serveraliveinterval: 'ServerAliveInterval',
  serveralivecountmax: 'ServerAliveCountMax',
  stricthostkeychecking: 'StrictHostKeyChecking',
  userknownhostsfile: 'UserKnownHostsFile',
  forwardagent: 'ForwardAgent',
} as const;
type Keyword = keyof typeof KEYWORD_NAMES;

function isKeyword(text: string): text is Keyword {
  return Object.hasOwn(KEYWORD_NAMES, text);
}

// ssh refuses includes nested deeper than 16 (readconf.c). A real config is a few KiB: the size cap only
// stops a wrong file (a glob that caught a binary) from being read whole.
const MAX_INCLUDE_DEPTH = 16;
const MAX_FILE_BYTES = 1024 * 1024;

/**
 * Reads `file` (default `<home>/.ssh/config`; a relative path is taken from `home`) and everything it
 * includes. Throws SshConfigError for a missing or unreadable main file and for lines ssh would refuse;
 * an include that matches nothing is skipped, as ssh does, and one that would include itself again is
 * read once and noted.
 */
export async function readSshConfig(options: { home: string; file?: string }): Promise<SshConfig> {
  const home = resolve(options.home);
  const file = resolve(home, options.file ?? join('.ssh', 'config'));
  const reader = new ConfigReader(home);
  const text = await reader.readMain(file);
  await reader.readText(file, text, [], [await realpath(file)]);
  return { home, hostLines: reader.hostLines, notes: reader.notes, files: reader.files, sections: reader.sections };
}

class ConfigReader {
  readonly sections: Section[] = [];
  readonly hostLines: HostLine[] = [];
  readonly notes: ConfigNote[] = [];
  readonly files: string[] = [];

  constructor(private readonly home: string) {}

  async readMain(file: string): Promise<string> {
    const text = await this.read(file);
    if (text === null) {
      throw new SshConfigError(`There is no SSH config at ${this.show(file)}. Check the path, or create the file with the hosts to import.`);
    }
    return text;
  }

  /**
   * Reads one file's lines under the conditions of the Include that named it (`guard`); `stack` holds
   * the real paths of the files being read, this one last.
   */
  async readText(file: string, text: string, guard: readonly Condition[], stack: readonly string[]): Promise<void> {
    this.files.push(file);
    let section = this.startSection(guard);
    const lines = text.split(/\r?\n/);
    for (let index = 0; index < lines.length; index++) {
      const where = `${this.show(file)} line ${index + 1}`;
      const line = parseLine(lines[index]!, where);
      if (!line) continue;
      // Options Lifeline has no use for are left alone, as ssh leaves alone what a host does not use.
      if (!isKeyword(line.keyword)) continue;
      const keyword = line.keyword;
      if (keyword === 'host') {
        const hostLine: HostLine = { patterns: hostPatterns(line.args, where), guard, where };
        this.hostLines.push(hostLine);
        section = this.startSection([...guard, hostLine]);
      } else if (keyword === 'match') {
        this.notes.push({
          subject: ['Match', ...line.args].join(' '),
          reason: `${where}: Match blocks are left out, because their conditions are only known when ssh connects; add their settings to the servers by hand if they matter.`,
        });
        section = this.startSection([...guard, null]);
      } else if (keyword === 'include') {
        if (line.args.length === 0) throw missingArgument('Include', where);
        for (const pattern of line.args) await this.include(pattern, section.conditions, stack, where);
        // What follows the Include comes after what it brought in.
        section = this.startSection(section.conditions);
      } else {
        section.directives.push({ keyword, args: checkArguments(keyword, line.args, where), where });
      }
    }
  }

  private async include(pattern: string, conditions: readonly Condition[], stack: readonly string[], where: string): Promise<void> {
    // Relative to ~/.ssh, as ssh reads includes of a user config.
    const path = isAbsolute(pattern) || pattern.startsWith('~') ? expandTilde(pattern, this.home, where) : join(this.home, '.ssh', pattern);
    for (const file of await expandGlob(path)) {
      const real = await realpath(file).catch(() => file);
      if (stack.includes(real)) {
        const chain = [...stack.slice(stack.indexOf(real)), real].map((step) => this.show(step)).join(' → ');
        this.notes.push({
          subject: `Include ${pattern}`,
          reason: `${where}: ${this.show(file)} is already being read (${chain}), so it was read once; remove the Include that loops back.`,
        });
        continue;
      }
      if (stack.length >= MAX_INCLUDE_DEPTH) {
        throw new SshConfigError(`${where}: includes nest deeper than ${MAX_INCLUDE_DEPTH} files, which ssh refuses too; flatten the includes.`);
      }
      const text = await this.read(file);
      if (text !== null) await this.readText(file, text, conditions, [...stack, real]);
    }
  }

  // null for a file that is not there (or not a file), as ssh skips those.
  private async read(file: string): Promise<string | null> {
    try {
      const info = await stat(file);
      if (!info.isFile()) return null;
      if (info.size > MAX_FILE_BYTES) {
        throw new SshConfigError(`${this.show(file)} is ${info.size} bytes, too large for an SSH config (at most 1 MiB); check that it is the right file.`);
      }
      return await readFile(file, 'utf8');
    } catch (error) {
      if (error instanceof SshConfigError) throw error;
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return null;
      throw new SshConfigError(`Could not read ${this.show(file)} (${code ?? String(error)}); check its permissions.`, { cause: error });
    }
  }

  private startSection(conditions: readonly Condition[]): Section {
    const section: Section = { conditions, directives: [] };
    this.sections.push(section);
    return section;
  }

  private show(file: string): string {
    return displayPath(file, this.home);
  }
}

/** `file` with the home folder written as "~", as users write paths in their configs. */
function displayPath(file: string, home: string): string {
  return file.startsWith(`${home}/`) ? `~${file.slice(home.length)}` : file;
}

/**
 * What ssh would use for `alias`. Throws SshConfigError when a value cannot be expanded (an unknown
 * `%` token, `~otheruser`); the message names the line.
 */
export function resolveSshHost(config: SshConfig, alias: string, localUser: string): ResolvedSshHost {
  const first = new Map<Keyword, Directive>();
  const identityFiles: Directive[] = [];
  for (const section of config.sections) {
    if (!section.conditions.every((condition) => condition !== null && hostLineMatches(condition, alias))) continue;
    for (const directive of section.directives) {
      // IdentityFile adds up, as in ssh; ProxyJump and ProxyCommand share one slot, so the first of them wins.
      if (directive.keyword === 'identityfile') identityFiles.push(directive);
      else {
        const slot = directive.keyword === 'proxycommand' ? 'proxyjump' : directive.keyword;
        if (!first.has(slot)) first.set(slot, directive);
      }
    }
  }
  // Every value was checked when its line was read, so what is left here cannot fail.
  const arg = (keyword: Keyword) => first.get(keyword)?.args[0];
  const ifSet = <T>(keyword: Keyword, read: (text: string) => T): T | null => {
    const text = arg(keyword);
    return text === undefined ? null : read(text);
  };

  const hostNameLine = first.get('hostname');
  const hostName = hostNameLine ? expandTokens(hostNameLine.args[0]!, { h: alias }, 'HostName', hostNameLine.where) : alias;
  const port = ifSet('port', Number) ?? 22;
  const user = arg('user') ?? localUser;
  const tokens = { d: config.home, u: localUser, h: hostName, r: user, p: String(port), n: alias };
  // A relative path is taken from the home folder, where ssh is usually started.
  const pathOf = (directive: Directive, text: string) =>
    resolve(config.home, expandTilde(expandTokens(text, tokens, KEYWORD_NAMES[directive.keyword], directive.where), config.home, directive.where));

  const proxy = first.get('proxyjump');
  const proxyText = proxy?.args.join(' ');
  const knownHosts = first.get('userknownhostsfile');
  return {
    alias,
    hostName,
    port,
    user,
    identityFiles: identityFiles.map((directive) => pathOf(directive, directive.args[0]!)),
    proxyJump: proxy?.keyword === 'proxyjump' && proxyText !== 'none' ? parseProxyJump(proxyText!, proxy.where) : [],
    proxyCommand: proxy?.keyword === 'proxycommand' && proxyText !== 'none' ? proxyText! : null,
    serverAliveInterval: ifSet('serveraliveinterval', (text) => parseTime(text)!),
    serverAliveCountMax: ifSet('serveralivecountmax', Number),
    strictHostKeyChecking: ifSet('stricthostkeychecking', (text) => hostKeyChecking(text)!),
    userKnownHostsFiles: knownHosts ? (knownHosts.args[0] === 'none' ? [] : knownHosts.args.map((text) => pathOf(knownHosts, text))) : null,
    forwardAgent: ifSet('forwardagent', forwardAgent),
  };
}

function hostLineMatches(line: HostLine, name: string): boolean {
  const lower = name.toLowerCase();
  if (line.patterns.some((pattern) => pattern.negated && pattern.regex.test(lower))) return false;
  return line.patterns.some((pattern) => !pattern.negated && pattern.regex.test(lower));
}

/** Splits a line into its keyword (lower case) and arguments; null for blank lines and comments. */
function parseLine(raw: string, where: string): { keyword: string; args: string[] } | null {
  const line = raw.trim();
  if (line === '' || line.startsWith('#')) return null;
  // "Keyword value", "Keyword=value" and "Keyword = value" are all the same to ssh.
  const split = /^([^\s=]+)(?:\s*=\s*|\s+|$)(.*)$/.exec(line);
  if (!split) throw new SshConfigError(`${where}: "${line.slice(0, 40)}" has no keyword; remove or fix the line.`);
  return { keyword: split[1]!.toLowerCase(), args: splitArguments(split[2]!, where) };
}

// As ssh splits arguments: whitespace between them, "double" or 'single' quotes around ones with spaces,
// a backslash before a quote, a backslash or (outside quotes) a space keeps it literal, and a "#" that
// starts an argument starts a comment.
function splitArguments(text: string, where: string): string[] {
  const args: string[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && /\s/.test(text[i]!)) i++;
    if (i >= text.length || text[i] === '#') break;
    let arg = '';
    let quote: string | null = null;
    for (; i < text.length && (quote !== null || !/\s/.test(text[i]!)); i++) {
      const c = text[i]!;
      const next = text[i + 1];
      if (c === '\\' && next !== undefined && (next === '"' || next === "'" || next === '\\' || (quote === null && next === ' '))) {
        arg += next;
        i++;
      } else if (quote === null && (c === '"' || c === "'")) quote = c;
      else if (c === quote) quote = null;
      else arg += c;
    }
    if (quote !== null) throw new SshConfigError(`${where}: a ${quote} quote is not closed; close it (ssh refuses this line too).`);
    args.push(arg);
  }
  return args;
}

function hostPatterns(args: string[], where: string): HostPattern[] {
  if (args.length === 0) throw missingArgument('Host', where);
  return args.map((arg) => {
    const negated = arg.startsWith('!');
    const text = negated ? arg.slice(1) : arg;
    const source = [...text.toLowerCase()]
      .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[\\^$.+()[\]{}|/]/g, '\\$&')))
      .join('');
    return { text, negated, wildcard: /[*?]/.test(text), regex: new RegExp(`^${source}$`, 's') };
  });
}

/** Checks a value the way ssh does when it reads the line, so that a bad one is refused with its place. */
function checkArguments(keyword: Exclude<Keyword, 'host' | 'match' | 'include'>, args: string[], where: string): string[] {
  const name = KEYWORD_NAMES[keyword];
  if (args.length === 0 || args[0] === '') throw missingArgument(name, where);
  const arg = args[0]!;
  const refuse = (what: string) => new SshConfigError(`${where}: ${name} ${what}; fix the value (ssh refuses it too).`);
  switch (keyword) {
    case 'port':
      if (!/^\d{1,5}$/.test(arg) || Number(arg) < 1 || Number(arg) > 65535) throw refuse(`"${arg}" is not a port from 1 to 65535`);
      break;
    case 'serveraliveinterval':
      if (parseTime(arg) === null) throw refuse(`"${arg}" is not a time (like 30, 30s, 5m or 1h30m)`);
      break;
    case 'serveralivecountmax':
      if (!/^\d{1,9}$/.test(arg)) throw refuse(`"${arg}" is not a whole number`);
      break;
    case 'stricthostkeychecking':
      if (hostKeyChecking(arg) === null) throw refuse(`"${arg}" is not one of yes, no, ask, accept-new, off`);
      break;
    case 'proxyjump':
      if (args.length > 1) throw refuse('takes one value: the hops separated by commas, without spaces');
      if (arg !== 'none') parseProxyJump(arg, where);
      break;
    default:
      break;
  }
  return args;
}

/** Parses `[user@]host[:port]` hops separated by commas (and the `ssh://` form). */
function parseProxyJump(text: string, where: string): JumpSpec[] {
  return text.split(',').map((hop) => {
    const match = /^(?:ssh:\/\/)?(?:([^@/\s]+)@)?(\[[0-9A-Fa-f:.]+\]|[^@:/\s[\]]+)(?::(\d{1,5}))?\/?$/.exec(hop);
    const port = match?.[3] === undefined ? null : Number(match[3]);
    if (!match || (port !== null && (port < 1 || port > 65535))) {
      throw new SshConfigError(`${where}: ProxyJump hop "${hop}" is not [user@]host[:port]; fix the value (ssh refuses it too).`);
    }
    const host = match[2]!.startsWith('[') ? match[2]!.slice(1, -1) : match[2]!;
    return { user: match[1] ?? null, host, port, text: hop };
  });
}

// ssh's time format: a number of seconds, or numbers with s/m/h/d/w units run together ("1h30m").
function parseTime(text: string): number | null {
  if (/^\d+$/.test(text)) return Number(text);
  if (!/^(\d+[smhdwSMHDW])+$/.test(text)) return null;
  const unit: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
  let total = 0;
  for (const [, amount, letter] of text.matchAll(/(\d+)([a-zA-Z])/g)) total += Number(amount) * unit[letter!.toLowerCase()]!;
  return total;
}

function hostKeyChecking(text: string): HostKeyChecking | null {
  const values: Record<string, HostKeyChecking> = { yes: 'yes', true: 'yes', no: 'no', false: 'no', off: 'no', ask: 'ask', 'accept-new': 'accept-new' };
  return Object.hasOwn(values, text.toLowerCase()) ? values[text.toLowerCase()]! : null;
}

// "yes"/"no", or a socket path or $VARIABLE naming the agent to forward, which means on.
function forwardAgent(text: string): boolean {
  return !['no', 'false'].includes(text.toLowerCase());
}

function expandTokens(text: string, values: Record<string, string>, keyword: string, where: string): string {
  return text.replace(/%(.?)/g, (_, token: string) => {
    if (token === '%') return '%';
    if (Object.hasOwn(values, token)) return values[token]!;
    const known = Object.keys(values).map((letter) => `%${letter}`).join(' ');
    throw new SshConfigError(`${where}: ${keyword} uses "%${token}", which Lifeline does not expand (it knows %% ${known}); write the value out instead.`);
  });
}

function expandTilde(path: string, home: string, where: string): string {
  if (path === '~') return home;
  if (path.startsWith('~/')) return join(home, path.slice(2));
  if (path.startsWith('~')) throw new SshConfigError(`${where}: "${path}" names another user's home folder, which Lifeline does not look up; write the full path.`);
  return path;
}

/** Absolute paths matching a glob(3) pattern (`*`, `?`, `[...]`), sorted; hidden names only match a pattern starting with ".". */
async function expandGlob(pattern: string): Promise<string[]> {
  let found = ['/'];
  for (const part of pattern.split('/').filter((segment) => segment !== '')) {
    if (!/[*?[]/.test(part)) {
      found = found.map((base) => join(base, part));
      continue;
    }
    const regex = globSegment(part);
    const next: string[] = [];
    for (const base of found) {
      const entries = await readdir(base).catch(() => [] as string[]);
      for (const entry of entries.sort()) {
        if (regex.test(entry) && (!entry.startsWith('.') || part.startsWith('.'))) next.push(join(base, entry));
      }
    }
    found = next;
  }
  return found.sort();
}

function globSegment(part: string): RegExp {
  let source = '';
  for (let i = 0; i < part.length; i++) {
    const c = part[i]!;
    const close = c === '[' ? part.indexOf(']', i + 2) : -1;
    if (c === '*') source += '.*';
    else if (c === '?') source += '.';
    else if (close > 0) {
      const body = part.slice(i + 1, close);
      const negated = body.startsWith('!');
      source += `[${negated ? '^' : ''}${(negated ? body.slice(1) : body).replace(/[\\\]^]/g, '\\$&')}]`;
      i = close;
    } else source += c.replace(/[\\^$.+()[\]{}|/]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 's');
}

function missingArgument(keyword: string, where: string): SshConfigError {
  return new SshConfigError(`${where}: ${keyword} needs a value; add one or remove the line (ssh refuses it too).`);
}
