// The vault's public surface for the rest of main/. Private key material leaves this folder only
// through Vault.withPrivateKey, to main-side SSH code.
export { Vault, type InitializeOptions, type VaultKey, type VaultStatus } from './vault';
export { VaultError, type VaultErrorCode } from './errors';
export type { KeyWrapper } from './crypto';
export type { GeneratedKeyType, SshKeyType } from './keys';
export {
  generateKeyInputSchema,
  idSchema,
  importKeyInputSchema,
  keyNameSchema,
  newPassphraseSchema,
  serverPasswordSchema,
  unlockPassphraseSchema,
  type GenerateKeyInput,
  type ImportKeyInput,
} from './rules';
