import type { TrustedHostKeysRepository } from '../store/trusted-host-keys';
import { fingerprintOf } from './fingerprint';
import { type KnownHostEntry, type KnownHosts, keyTypeOfBlob, knownHostsName, normalizeHost } from './known-hosts';

/** OpenSSH's StrictHostKeyChecking, as set per server; `ask` is Lifeline's default. */
export type StrictHostKeyChecking = 'ask' | 'yes' | 'accept-new' | 'no';

/** The host key a server presented, with the host and port as connected to. */
export interface PresentedHostKey {
  readonly host: string;
  readonly port: number;
  readonly keyType: string;
  /** The wire-format blob, as ssh2's hostVerifier receives it. */
  readonly key: Buffer;
}

export type HostKeySource =
  | { readonly kind: 'trust-store'; readonly addedAt: string }
  | { readonly kind: 'known-hosts'; readonly file: string; readonly line: number };

/** A key already known for a host, and where it is known from. */
export interface KnownHostKey {
  readonly keyType: string;
  readonly fingerprint: string;
  readonly source: HostKeySource;
}

export interface HostKeySources {
  readonly knownHosts: Pick<KnownHosts, 'lookup'>;
  readonly trustStore: Pick<TrustedHostKeysRepository, 'find'>;
}

/**
 * `fingerprint` is the presented key's. For `unknown`, `otherKeys` are the keys of other types known for
 * the host (a server suddenly offering another type deserves a second look); for `changed`, `previous`
 * are all known keys of the presented type, none of which it is.
 */
export type HostKeyCheck =
  | { readonly status: 'trusted'; readonly fingerprint: string; readonly from: readonly HostKeySource[] }
  | { readonly status: 'unknown'; readonly fingerprint: string; readonly otherKeys: readonly KnownHostKey[] }
  | { readonly status: 'changed'; readonly fingerprint: string; readonly previous: readonly KnownHostKey[] }
  | { readonly status: 'revoked'; readonly fingerprint: string; readonly source: HostKeySource };

/** What the user is asked about an unknown key; the UI shows the key type and fingerprint. */
export interface HostKeyQuestion {
  readonly host: string;
  readonly port: number;
  readonly keyType: string;
  readonly fingerprint: string;
  readonly otherKeys: readonly KnownHostKey[];
}

export type HostKeyAnswer = 'once' | 'remember' | 'cancel';

export interface HostKeyDecisionOptions {
  readonly mode: StrictHostKeyChecking;
  /** Asked only for an unknown key in `ask` mode; without it (no one at a screen) the key is refused. */
  readonly ask?: (question: HostKeyQuestion) => Promise<HostKeyAnswer>;
}

/**
 * `remember`: accepted, to be stored with `rememberHostKey` once the login has succeeded (ssh2 asks
 * before the server has proved it holds the key, so storing earlier would let an impostor's key in).
 * `unverified`: unknown, accepted because checking is off (`no`), and not stored.
 */
export interface HostKeyAcceptance {
  readonly how: 'trusted' | 'accepted-once' | 'remember' | 'unverified';
  readonly fingerprint: string;
}

export type HostKeyErrorCode = 'CHANGED' | 'REVOKED' | 'UNKNOWN_REFUSED' | 'CANCELLED';

/** Why a host key was refused; the message says what the user can do about it. */
export class HostKeyError extends Error {
  override readonly name = 'HostKeyError';
  readonly code: HostKeyErrorCode;
  readonly host: string;
  readonly port: number;
  readonly keyType: string;
  /** The presented key's fingerprint. */
  readonly fingerprint: string;
  /** The presented key (base64), for the deliberate "replace" in the server's settings. */
  readonly publicKey: string;
  /** For CHANGED: the keys known before, with their sources; empty otherwise. */
  readonly previous: readonly KnownHostKey[];

  constructor(code: HostKeyErrorCode, presented: PresentedHostKey, previous: readonly KnownHostKey[], message: string) {
    super(message);
    this.code = code;
    this.host = normalizeHost(presented.host);
    this.port = presented.port;
    this.keyType = presented.keyType;
    this.fingerprint = fingerprintOf(presented.key);
    this.publicKey = presented.key.toString('base64');
    this.previous = previous;
  }
}

interface Candidate extends KnownHostKey {
  readonly key: Buffer;
}

/**
 * Classifies a presented host key against known_hosts and Lifeline's trust store, the way OpenSSH does:
 * revoked if a matching `@revoked` line names this key; otherwise trusted if any source holds this key;
 * changed if a source holds another key of the same type; otherwise unknown.
 */
export function checkHostKey(presented: PresentedHostKey, sources: HostKeySources): HostKeyCheck {
  const { host, port, keyType, key } = presented;
  const declared = keyTypeOfBlob(key);
  if (declared !== keyType) throw new Error(`The host key presented by ${host} is ${declared ? `of type ${declared}` : 'not a public key'}, not ${keyType}.`);
  const fingerprint = fingerprintOf(key);
  const lines = sources.knownHosts.lookup(host, port);

  const revoked = lines.find((line) => line.marker === 'revoked' && line.key.equals(key));
  if (revoked) return { status: 'revoked', fingerprint, source: lineSource(revoked) };

  // An @cert-authority line vouches only for host certificates signed by that CA, never for a plain
  // key, and Lifeline does not accept host certificates yet: such lines take no part in the decision.
  const candidates: Candidate[] = [
    ...sources.trustStore.find(host, port).map(
      (trusted): Candidate => ({
        keyType: trusted.keyType,
        key: Buffer.from(trusted.publicKey, 'base64'),
        fingerprint: trusted.fingerprint,
        source: { kind: 'trust-store', addedAt: trusted.addedAt },
      }),
    ),
    ...lines
      .filter((line) => line.marker === undefined)
      .map((line): Candidate => ({ keyType: line.keyType, key: line.key, fingerprint: fingerprintOf(line.key), source: lineSource(line) })),
  ];

  const same = candidates.filter((candidate) => candidate.key.equals(key));
  if (same.length > 0) return { status: 'trusted', fingerprint, from: same.map((candidate) => candidate.source) };
  const sameType = candidates.filter((candidate) => candidate.keyType === keyType);
  if (sameType.length > 0) return { status: 'changed', fingerprint, previous: sameType.map(withoutKey) };
  return { status: 'unknown', fingerprint, otherKeys: candidates.map(withoutKey) };
}

/**
 * The decision at connect time, before authentication. Resolves when the key may be used; rejects with
 * a HostKeyError otherwise. A changed or revoked key is refused whatever the mode; an unknown key is
 * handled by the mode: `yes` refuses, `accept-new` accepts to remember, `ask` asks (accept once,
 * accept and remember, cancel), `no` accepts without storing. Nothing is stored here: see HostKeyAcceptance.
 */
export async function verifyHostKey(
  presented: PresentedHostKey,
  sources: HostKeySources,
  options: HostKeyDecisionOptions,
): Promise<HostKeyAcceptance> {
  const check = checkHostKey(presented, sources);
  const { fingerprint } = check;
  switch (check.status) {
    case 'trusted':
      return { how: 'trusted', fingerprint };
    case 'revoked':
      throw revokedError(presented, check.source);
    case 'changed':
      throw changedError(presented, check.previous);
    case 'unknown':
      break;
  }

  switch (options.mode) {
    case 'no':
      return { how: 'unverified', fingerprint };
    case 'yes':
      throw unknownRefusedError(presented, 'StrictHostKeyChecking is "yes" for this server');
    case 'accept-new':
      return { how: 'remember', fingerprint };
    case 'ask': {
      if (!options.ask) throw unknownRefusedError(presented, 'there is no one to ask whether to trust it');
      const { host, port, keyType } = presented;
      const answer = await options.ask({ host: normalizeHost(host), port, keyType, fingerprint, otherKeys: check.otherKeys });
      if (answer === 'once') return { how: 'accepted-once', fingerprint };
      if (answer === 'remember') return { how: 'remember', fingerprint };
      // Anything but an explicit acceptance refuses.
      throw cancelledError(presented);
    }
  }
}

/**
 * Stores a key accepted with `how: 'remember'`, after the login it was presented in succeeded. Throws a
 * CHANGED HostKeyError when another window or process trusted a different key of this type meanwhile.
 */
export function rememberHostKey(presented: PresentedHostKey, trustStore: Pick<TrustedHostKeysRepository, 'find' | 'remember'>): void {
  const { host, port, keyType, key } = presented;
  const fingerprint = fingerprintOf(key);
  const outcome = trustStore.remember(host, port, keyType, key.toString('base64'), fingerprint);
  if (outcome === 'conflict') {
    const previous = trustStore
      .find(host, port)
      .filter((trusted) => trusted.keyType === keyType)
      .map((trusted): KnownHostKey => ({ keyType, fingerprint: trusted.fingerprint, source: { kind: 'trust-store', addedAt: trusted.addedAt } }));
    throw changedError(presented, previous);
  }
}

function lineSource(line: KnownHostEntry): HostKeySource {
  return { kind: 'known-hosts', file: line.file, line: line.line };
}

function withoutKey({ keyType, fingerprint, source }: Candidate): KnownHostKey {
  return { keyType, fingerprint, source };
}

function describeSource(source: HostKeySource): string {
  return source.kind === 'trust-store' ? "Lifeline's trust store" : `line ${source.line} of ${source.file}`;
}

// Where the administrator finds the key to compare fingerprints with (Debian's and OpenSSH's layout).
function serverKeyFile(keyType: string): string {
  const short = keyType === 'ssh-ed25519' ? 'ed25519' : keyType === 'ssh-rsa' ? 'rsa' : keyType.startsWith('ecdsa-') ? 'ecdsa' : '*';
  return `/etc/ssh/ssh_host_${short}_key.pub`;
}

function changedError(presented: PresentedHostKey, previous: readonly KnownHostKey[]): HostKeyError {
  const { host, port, keyType, key } = presented;
  const name = knownHostsName(host, port);
  const fingerprint = fingerprintOf(key);
  const known = previous.map((old) => `${old.fingerprint} (${describeSource(old.source)})`).join(', ');
  const lines = previous.filter((old) => old.source.kind === 'known-hosts').map((old) => describeSource(old.source));
  return new HostKeyError(
    'CHANGED',
    presented,
    previous,
    `The ${keyType} host key of ${name} has changed: the server now presents ${fingerprint}, but the known key is ${known}. ` +
      `Lifeline refused to connect: someone may be intercepting the connection, or the server was reinstalled or re-keyed. ` +
      `Ask the server's administrator for the key's fingerprint (ssh-keygen -lf ${serverKeyFile(keyType)} on the server). ` +
      `Only if it is ${fingerprint}, replace the trusted key deliberately in the server's settings (Host key, Replace)` +
      (lines.length > 0 ? `; ssh itself will keep refusing until you also delete ${lines.join(' and ')}.` : '.'),
  );
}

function revokedError(presented: PresentedHostKey, source: HostKeySource): HostKeyError {
  const { host, port, keyType, key } = presented;
  return new HostKeyError(
    'REVOKED',
    presented,
    [],
    `The ${keyType} host key of ${knownHostsName(host, port)} (${fingerprintOf(key)}) is marked @revoked on ${describeSource(source)}, so Lifeline refused to connect. ` +
      `The server needs a new host key from its administrator; if the revocation is a mistake, delete that line.`,
  );
}

function unknownRefusedError(presented: PresentedHostKey, reason: string): HostKeyError {
  const { host, port, keyType, key } = presented;
  return new HostKeyError(
    'UNKNOWN_REFUSED',
    presented,
    [],
    `The ${keyType} host key of ${knownHostsName(host, port)} (${fingerprintOf(key)}) is not known, and ${reason}, so Lifeline refused to connect. ` +
      `Check the fingerprint with the server's administrator, then connect once with --accept-new or accept it in the app.`,
  );
}

function cancelledError(presented: PresentedHostKey): HostKeyError {
  const { host, port, keyType, key } = presented;
  return new HostKeyError(
    'CANCELLED',
    presented,
    [],
    `Connecting to ${knownHostsName(host, port)} was cancelled: its ${keyType} host key ${fingerprintOf(key)} was not accepted, and nothing was stored. ` +
      `To connect, check the fingerprint with the server's administrator and accept the key when asked.`,
  );
}
