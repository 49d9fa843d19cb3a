import type { ApiError, ErrorCode } from '../../preload/api';
import { SshError, type SshErrorCode } from '../ssh/errors';
import { TerminalError } from '../terminals/errors';
import { VaultError } from '../vault';
import { fail } from './errors';
import { vaultFailure } from './vault-errors';

// Every way an SSH connection can fail, as the contract names it. A refused or cut connection, a
// timeout and a peer that does not speak SSH all come down to "the server could not be used from here".
const SSH_CODES: Record<Exclude<SshErrorCode, 'JUMP_FAILED'>, ErrorCode> = {
  REFUSED: 'UNREACHABLE',
  TIMEOUT: 'UNREACHABLE',
  UNREACHABLE: 'UNREACHABLE',
  DISCONNECTED: 'UNREACHABLE',
  PROTOCOL: 'UNREACHABLE',
  AUTH_FAILED: 'AUTH_FAILED',
  HOST_KEY: 'HOST_KEY_REFUSED',
  CANCELLED: 'CANCELLED',
};

/**
 * A refusal from connecting, the terminals or the vault (a locked vault holds the login key) as a result;
 * anything else is a bug and is rethrown for `dispatch` to report as INTERNAL. The messages already say
 * what happened and what to do, so they are kept as they are.
 */
export function connectFailure(error: unknown): ApiError {
  if (error instanceof TerminalError) return fail(error.code, error.message);
  if (error instanceof VaultError) return vaultFailure(error);
  if (error instanceof SshError) return fail(sshCode(error), error.message);
  throw error;
}

// A jump host that refused the login or its host key is reported as that, so the UI offers the same fix.
function sshCode(error: SshError): ErrorCode {
  if (error.code !== 'JUMP_FAILED') return SSH_CODES[error.code];
  return error.cause instanceof SshError ? sshCode(error.cause) : 'UNREACHABLE';
}
