import type { ApiError, ErrorCode } from '../../preload/api';
import { VaultError, type VaultErrorCode } from '../vault';
import { fail } from './errors';

/**
 * Every vault refusal as a contract code, in one table. The vault's message already says what happened
 * and what to do, so it is kept as it is.
 */
const CODES: Record<VaultErrorCode, ErrorCode> = {
  INVALID_INPUT: 'VALIDATION',
  NOT_INITIALIZED: 'VAULT_NOT_INITIALIZED',
  ALREADY_INITIALIZED: 'CONFLICT',
  LOCKED: 'VAULT_LOCKED',
  WRONG_PASSPHRASE: 'WRONG_PASSPHRASE',
  // Asked the other way than the vault is wrapped, or for a keychain that is not there: the request does
  // not fit the vault's state, which the status shows.
  WRONG_WRAPPING: 'CONFLICT',
  KEYCHAIN_UNAVAILABLE: 'CONFLICT',
  KEYCHAIN_FAILED: 'INTERNAL',
  PASSPHRASE_REQUIRED: 'PASSPHRASE_REQUIRED',
  NOT_A_PRIVATE_KEY: 'UNSUPPORTED_KEY',
  UNSUPPORTED_KEY: 'UNSUPPORTED_KEY',
  MALFORMED_KEY: 'UNSUPPORTED_KEY',
  DUPLICATE_NAME: 'DUPLICATE_NAME',
  DUPLICATE_KEY: 'DUPLICATE_NAME',
  CONFLICT: 'CONFLICT',
  KEY_NOT_FOUND: 'NOT_FOUND',
  SERVER_NOT_FOUND: 'NOT_FOUND',
  DAMAGED: 'INTERNAL',
};

// Refusals about one field of the form that the vault does not name itself.
const FIELDS: Partial<Record<VaultErrorCode, [field: string, problem: string]>> = {
  DUPLICATE_NAME: ['name', 'This name is already used by another key'],
  // The key itself is already there, under another name: the pasted text is what to change.
  DUPLICATE_KEY: ['text', 'This key is already in the vault under another name'],
};

/** A vault refusal as a result; anything else is not the vault's to explain and is rethrown. */
export function vaultFailure(error: unknown): ApiError {
  if (!(error instanceof VaultError)) throw error;
  const code = CODES[error.code];
  const known = FIELDS[error.code];
  if (known) return fail(code, error.message, { [known[0]]: known[1] });
  // The vault names the broken argument ("passphrase", "name"); its message is that field's problem.
  if (code === 'VALIDATION' && error.field) return fail(code, error.message, { [error.field]: error.message.replace(/\.$/, '') });
  return fail(code, error.message);
}
