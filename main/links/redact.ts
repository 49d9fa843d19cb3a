import { looksSecret, REDACTED } from '../../agent/log/loggable';

// What keeps secrets out of the command ledger and the logs: known secret values (every password and
// agent token the vault holds, and the one the command was sent with) are blanked wherever they appear,
// and so is anything matching the configured patterns (a `password=…`, a bearer token, an AWS key id).

/** Patterns whose match (group 1 when it has one, else all of it) is a secret, checked unless others are configured. */
export const DEFAULT_SECRET_PATTERNS: readonly RegExp[] = [
  // No word boundary before the name: DB_PASSWORD=… and apiToken=… are secrets too.
  /(?:passw(?:or)?d|passphrase|secret|token|api[-_]?key|access[-_]?key|private[-_]?key|credentials?)\s*[=:]\s*("[^"]*"|'[^']*'|[^\s"',;&]+)/gi,
  /\b(?:Bearer|Basic|token)\s+([A-Za-z0-9._~+/=-]{8,})/g,
  /\bAKIA[0-9A-Z]{16}\b/g,
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g,
];

/**
 * Secrets shorter than this are not searched for: a one- or two-letter password would blank every such
 * letter pair in the output and hide the rest of the record without protecting anything.
 */
const MIN_SECRET_LENGTH = 4;

export interface RedactorOptions {
  /** Replaces DEFAULT_SECRET_PATTERNS; each must have the g flag. */
  readonly patterns?: readonly RegExp[];
  /** The secret values known now (read at each call: the vault may have been unlocked or changed since). */
  readonly secrets: () => Iterable<string>;
}

export class Redactor {
  private readonly patterns: readonly RegExp[];

  constructor(private readonly options: RedactorOptions) {
    this.patterns = options.patterns ?? DEFAULT_SECRET_PATTERNS;
    const missing = this.patterns.find((pattern) => !pattern.global);
    if (missing) throw new Error(`The secret pattern ${missing} needs the g flag, or only its first match would be blanked.`);
  }

  /** A view of the known secrets, gathered once, for redacting many texts of one command. */
  session(extra: Iterable<string> = []): Redaction {
    const values = new Set<string>();
    for (const value of [...this.options.secrets(), ...extra]) if (value.length >= MIN_SECRET_LENGTH) values.add(value);
    // Longest first, so a secret that contains another is blanked whole.
    return new Redaction([...values].sort((a, b) => b.length - a.length), this.patterns);
  }
}

export class Redaction {
  constructor(
    private readonly values: readonly string[],
    private readonly patterns: readonly RegExp[],
  ) {}

  text(text: string): string {
    let out = text;
    for (const value of this.values) if (out.includes(value)) out = out.split(value).join(REDACTED);
    for (const pattern of this.patterns) {
      out = out.replace(pattern, (match: string, group: unknown) => (typeof group === 'string' && group.length > 0 ? match.replace(group, REDACTED) : REDACTED));
    }
    return out;
  }

  /** Each argument redacted, and the one after an option named like a secret (`--password X`, `-p X` is not guessed). */
  argv(argv: readonly string[]): string[] {
    return argv.map((arg, index) => {
      const previous = index > 0 ? argv[index - 1]! : '';
      if (/^--?[A-Za-z][\w-]*$/.test(previous) && looksSecret(previous)) return REDACTED;
      return this.text(arg);
    });
  }
}
