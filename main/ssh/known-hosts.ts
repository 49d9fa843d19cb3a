import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, open, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { readSshString } from '../vault/ssh-wire';

export type KnownHostMarker = 'revoked' | 'cert-authority';

/** One key line of a known_hosts file. */
export interface KnownHostEntry {
  readonly file: string;
  /** 1-based, as `ssh-keygen -F` counts. */
  readonly line: number;
  readonly marker: KnownHostMarker | undefined;
  /** The host field as written: a pattern list or a `|1|salt|hash`. */
  readonly hosts: string;
  readonly keyType: string;
  /** The public key's wire-format blob. */
  readonly key: Buffer;
  readonly comment: string;
}

/** A file or line that was skipped; `message` names it, says why and what to do. */
export interface KnownHostsProblem {
  readonly file: string;
  readonly line: number | undefined;
  readonly message: string;
}

interface ParsedEntry {
  readonly entry: KnownHostEntry;
  readonly matches: (name: string) => boolean;
}

const MARKERS: Record<string, KnownHostMarker> = { '@revoked': 'revoked', '@cert-authority': 'cert-authority' };
const HASH_PREFIX = '|1|';
const SHA1_LENGTH = 20;
const KEY_TYPE = /^[A-Za-z][A-Za-z0-9@._+-]*$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * Host keys from OpenSSH known_hosts files. A missing file is empty; an unreadable file or a line that
 * cannot be parsed is skipped and listed in `problems`, so one bad line never hides the others.
 * The files are read once: load again to see later edits.
 */
export class KnownHosts {
  private constructor(
    private readonly entries: readonly ParsedEntry[],
    readonly problems: readonly KnownHostsProblem[],
  ) {}

  static parse(text: string, file: string): KnownHosts {
    const entries: ParsedEntry[] = [];
    const problems: KnownHostsProblem[] = [];
    text.split('\n').forEach((raw, index) => {
      const line = index + 1;
      const parsed = parseLine(raw.replace(/\r$/, ''), file, line);
      if (typeof parsed === 'string') {
        problems.push({
          file,
          line,
          message: `${file} line ${line}: ${parsed}. The line is ignored; correct or delete it (ssh-keygen -F and -R show and remove a host's lines).`,
        });
      } else if (parsed) {
        entries.push(parsed);
      }
    });
    return new KnownHosts(entries, problems);
  }

  /** Reads the files in order; the result keeps each line's file and line number. */
  static async load(files: readonly string[]): Promise<KnownHosts> {
    const entries: ParsedEntry[] = [];
    const problems: KnownHostsProblem[] = [];
    for (const file of files) {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'ENOTDIR') continue;
        problems.push({
          file,
          line: undefined,
          message: `${file} cannot be read (${error instanceof Error ? error.message : String(error)}), so its host keys are ignored. Make it a file the user running Lifeline may read, or remove it.`,
        });
        continue;
      }
      const known = KnownHosts.parse(text, file);
      entries.push(...known.entries);
      problems.push(...known.problems);
    }
    return new KnownHosts(entries, problems);
  }

  /**
   * Every line whose host field matches the host and port (as `ssh` and `ssh-keygen -F` match them),
   * including `@revoked` and `@cert-authority` lines, in file order.
   */
  lookup(host: string, port: number): KnownHostEntry[] {
    const name = knownHostsName(host, port);
    return this.entries.filter((parsed) => parsed.matches(name)).map((parsed) => parsed.entry);
  }
}

/**
 * The files OpenSSH reads: the user's (UserKnownHostsFile, default ~/.ssh/known_hosts and
 * ~/.ssh/known_hosts2; "none" for none; a leading ~ is the home folder) and then the system-wide ones.
 */
export function knownHostsFiles(options: { userKnownHostsFiles?: readonly string[]; home?: string } = {}): string[] {
  const home = options.home ?? homedir();
  const user = options.userKnownHostsFiles ?? ['~/.ssh/known_hosts', '~/.ssh/known_hosts2'];
  const expanded = user
    .filter((file) => file.toLowerCase() !== 'none')
    .map((file) => (file === '~' || file.startsWith('~/') ? join(home, file.slice(1)) : file));
  return [...expanded, '/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2'];
}

/** The host as stored and compared: lower case, an IPv6 address without its brackets. */
export function normalizeHost(host: string): string {
  const bracketed = /^\[(.*)\]$/.exec(host);
  return (bracketed ? bracketed[1] : host).toLowerCase();
}

/** How OpenSSH names a host in known_hosts: the bare host for port 22, `[host]:port` otherwise. */
export function knownHostsName(host: string, port: number): string {
  const normalized = normalizeHost(host);
  return port === 22 ? normalized : `[${normalized}]:${port}`;
}

/** The key type a public key blob declares in its first field, or undefined when the blob is not one. */
export function keyTypeOfBlob(blob: Buffer): string | undefined {
  const type = readSshString(blob, 0)?.value.toString('latin1');
  return type !== undefined && KEY_TYPE.test(type) ? type : undefined;
}

/**
 * Adds a host key to a known_hosts file. Only for an explicit opt-in by the user: Lifeline's own
 * trust store is where accepted keys go by default. `hash` writes the name as `ssh-keygen -H` would.
 */
export async function appendKnownHost(
  file: string,
  host: string,
  port: number,
  keyType: string,
  blob: Buffer,
  options: { hash: boolean },
): Promise<void> {
  const problem = appendProblem(host, port, keyType, blob);
  if (problem) throw new Error(`Cannot add ${host} to ${file}: ${problem}. Nothing was written.`);
  const name = knownHostsName(host, port);
  const field = options.hash ? hashedName(name) : name;
  const line = `${field} ${keyType} ${blob.toString('base64')}\n`;

  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  // One write on an O_APPEND descriptor: the existing lines are never rewritten, and an ssh appending
  // to the same file at the same moment cannot interleave with this line. The mode applies only to a
  // file this call creates.
  const handle = await open(file, 'a+', 0o600);
  try {
    const { size } = await handle.stat();
    let prefix = '';
    if (size > 0) {
      const last = Buffer.alloc(1);
      await handle.read(last, 0, 1, size - 1);
      if (last[0] !== 0x0a) prefix = '\n';
    }
    const bytes = Buffer.from(prefix + line, 'utf8');
    const { bytesWritten } = await handle.write(bytes);
    if (bytesWritten !== bytes.length) {
      throw new Error(`Only part of the line for ${name} was written to ${file} (disk full?). Remove the incomplete last line of ${file}.`);
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function appendProblem(host: string, port: number, keyType: string, blob: Buffer): string | undefined {
  // Any of these would make the line mean something else (a pattern, a comment, a marker, a hash).
  if (/^$|[\s,*?!|@#[\]]/.test(normalizeHost(host))) {
    return 'the host must be a plain host name or address (no spaces, commas, wildcards, brackets or markers)';
  }
  if (!Number.isInteger(port) || port < 1 || port > 65535) return `the port ${port} is not a whole number from 1 to 65535`;
  const declared = keyTypeOfBlob(blob);
  if (declared !== keyType) return `the key is ${declared ? `of type ${declared}` : 'not a public key'}, not ${keyType}`;
  return undefined;
}

function hashedName(name: string): string {
  const salt = randomBytes(SHA1_LENGTH);
  return `${HASH_PREFIX}${salt.toString('base64')}|${hmacOf(salt, name).toString('base64')}`;
}

function hmacOf(salt: Buffer, name: string): Buffer {
  return createHmac('sha1', salt).update(name, 'utf8').digest();
}

// undefined: a comment or blank line; a string: why the line is malformed.
function parseLine(text: string, file: string, line: number): ParsedEntry | string | undefined {
  const fields = text.trim().split(/[ \t]+/);
  if (fields[0] === '' || fields[0].startsWith('#')) return undefined;

  let marker: KnownHostMarker | undefined;
  if (fields[0].startsWith('@')) {
    marker = MARKERS[fields[0]];
    if (!marker) return `unknown marker "${fields[0]}" (OpenSSH knows @revoked and @cert-authority)`;
    fields.shift();
  }
  const [hosts, keyType, encoded, ...comment] = fields;
  if (!hosts || !keyType || !encoded) return 'expected a host list, a key type and a base64 key';
  if (!KEY_TYPE.test(keyType)) return `"${keyType}" is not a key type (old SSH-1 lines are not supported)`;
  if (!BASE64.test(encoded)) return `the ${keyType} key is not valid base64`;
  const key = Buffer.from(encoded, 'base64');
  const declared = keyTypeOfBlob(key);
  if (declared !== keyType) return `the key is labelled ${keyType} but its data ${declared ? `is of type ${declared}` : 'is not a public key'}`;

  const matches = hosts.startsWith('|') ? hashedMatcher(hosts) : patternMatcher(hosts);
  if (typeof matches === 'string') return matches;
  return { entry: { file, line, marker, hosts, keyType, key, comment: comment.join(' ') }, matches };
}

function hashedMatcher(field: string): ((name: string) => boolean) | string {
  const malformed = 'the hashed host name is malformed (expected |1|salt|hash as ssh-keygen -H writes it)';
  if (!field.startsWith(HASH_PREFIX)) return malformed;
  const parts = field.slice(HASH_PREFIX.length).split('|');
  const [salt, hash] = parts.map((part) => (BASE64.test(part) ? Buffer.from(part, 'base64') : Buffer.alloc(0)));
  if (parts.length !== 2 || salt.length !== SHA1_LENGTH || hash.length !== SHA1_LENGTH) return malformed;
  // Both are SHA-1 digests, so the lengths are equal as timingSafeEqual requires.
  return (name) => timingSafeEqual(hmacOf(salt, name), hash);
}

// OpenSSH's rule: the line matches when some positive pattern matches and no negated one does.
function patternMatcher(field: string): (name: string) => boolean {
  const patterns = field.split(',').map((pattern) => {
    const negated = pattern.startsWith('!');
    return { negated, glob: (negated ? pattern.slice(1) : pattern).toLowerCase() };
  });
  return (name) => {
    let positive = false;
    for (const { negated, glob } of patterns) {
      if (!globMatches(name, glob)) continue;
      if (negated) return false;
      positive = true;
    }
    return positive;
  };
}

// `*` is any run of characters, `?` exactly one; everything else, brackets included, is literal.
// Backtracks only to the last `*`, so the time stays proportional to name × pattern.
function globMatches(text: string, pattern: string): boolean {
  let t = 0;
  let p = 0;
  let star = -1;
  let resume = 0;
  while (t < text.length) {
    if (p < pattern.length && (pattern[p] === '?' || pattern[p] === text[t])) {
      t++;
      p++;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      resume = t;
    } else if (star >= 0) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}
