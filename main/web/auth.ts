import { createHash, randomBytes } from 'node:crypto';
import { secretMatcher } from '../../agent/secret-match';

/**
 * The console's sign-in: one random token printed in the URL, exchanged once for a session cookie.
 * Sessions live in memory for the life of the process; restarting the console signs everyone out.
 */
export class ConsoleAuth {
  readonly token = newSecret();
  private readonly isToken = secretMatcher(this.token);
  readonly cookieName: string;
  private tokenUsed = false;
  // Digests, not ids: a Set lookup is not constant-time, but timing a lookup of a hash tells an
  // attacker nothing about any stored id.
  private readonly sessionDigests = new Set<string>();

  constructor(private readonly options: { port: number; secure: boolean }) {
    // Browsers do not separate cookies by port, so two consoles on one host need different names or the
    // second sign-in would overwrite the first. `__Host-` pins a TLS cookie to this exact host.
    const name = `lifeline_session_${options.port}`;
    this.cookieName = options.secure ? `__Host-${name}` : name;
  }

  /** Exchanges the one-time token for a new session id; null when the token is wrong or already used. */
  redeem(candidate: string): string | null {
    if (this.tokenUsed || !this.isToken(candidate)) return null;
    this.tokenUsed = true;
    const id = newSecret();
    this.sessionDigests.add(digest(id));
    return id;
  }

  /** True when the Cookie header carries a session this console issued. */
  hasSession(cookieHeader: string | undefined): boolean {
    return readCookie(cookieHeader, this.cookieName).some((value) => this.sessionDigests.has(digest(value)));
  }

  /** The Set-Cookie value for a session; no Max-Age, so it ends with the browser session too. */
  sessionCookie(id: string): string {
    const secure = this.options.secure ? '; Secure' : '';
    return `${this.cookieName}=${id}; Path=/; HttpOnly; SameSite=Strict${secure}`;
  }
}

/** Every value of the cookie `name` in a Cookie header (a browser may send the same name twice). */
export function readCookie(header: string | undefined, name: string): string[] {
  if (!header) return [];
  const values: string[] = [];
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq > 0 && pair.slice(0, eq).trim() === name) values.push(pair.slice(eq + 1).trim());
  }
  return values;
}

function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

function digest(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}

