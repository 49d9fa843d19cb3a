/**
 * Every way a vault operation can be refused, in one place. Callers branch on `code`; `message` is
 * written for the user: what happened and what to do.
 */
export type VaultErrorCode =
  /** An argument broke a rule (empty name, short passphrase…); `field` names it. */
  | 'INVALID_INPUT'
  /** The vault has no data key yet: set it up first. */
  | 'NOT_INITIALIZED'
  /** `initialize` on a vault that is already set up. */
  | 'ALREADY_INITIALIZED'
  /** A secret was needed while the data key is not in memory. */
  | 'LOCKED'
  /** The vault's passphrase, or an imported key's passphrase, does not decrypt it. Nothing changed. */
  | 'WRONG_PASSPHRASE'
  /** The vault is wrapped the other way (passphrase vs OS keychain) from the one asked for. */
  | 'WRONG_WRAPPING'
  /** No OS keychain is available (or it would not really encrypt); use a passphrase. */
  | 'KEYCHAIN_UNAVAILABLE'
  /** The OS keychain refused to wrap or unwrap the data key. */
  | 'KEYCHAIN_FAILED'
  /** An encrypted private key was given without its passphrase. */
  | 'PASSPHRASE_REQUIRED'
  /** The text is a public key or certificate, not a private key. */
  | 'NOT_A_PRIVATE_KEY'
  /** A key format or key type Lifeline does not use; the message lists what is supported. */
  | 'UNSUPPORTED_KEY'
  /** Recognizable key text that is truncated, damaged or inconsistent. */
  | 'MALFORMED_KEY'
  /** Another key already has this name (names are case-insensitive). */
  | 'DUPLICATE_NAME'
  /** The same key (same fingerprint) is already in the vault under another name. */
  | 'DUPLICATE_KEY'
  /** Another window or process changed the vault's wrapping first; nothing was applied. */
  | 'CONFLICT'
  | 'KEY_NOT_FOUND'
  | 'SERVER_NOT_FOUND'
  /** Stored vault data failed authentication or is in an unknown format. */
  | 'DAMAGED';

export class VaultError extends Error {
  override readonly name = 'VaultError';
  /** For INVALID_INPUT: the argument that broke a rule. */
  readonly field: string | undefined;

  constructor(
    readonly code: VaultErrorCode,
    message: string,
    options?: { cause?: unknown; field?: string },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.field = options?.field;
  }
}

/** The one message for "this needs the data key", so every refusal reads the same. */
export function lockedError(action: string): VaultError {
  return new VaultError('LOCKED', `Unlock the vault first: ${action} needs the vault's key, which is not kept while the vault is locked.`);
}
