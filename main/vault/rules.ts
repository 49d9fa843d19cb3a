import { z } from 'zod';
import { VaultError } from './errors';

// The rules for what the vault is given. They double as transport-edge schemas: the same objects can
// validate a message from the renderer, a CLI call and a test.

const LIMITS = { name: 64, comment: 200, passphrase: 1024, minPassphrase: 8, keyText: 64 * 1024, password: 4096, id: 128 } as const;
const CONTROL = /[\u0000-\u001f\u007f]/;

const singleLine = (field: string, max: number) =>
  z
    .string({ error: `${field} must be text` })
    .trim()
    .max(max, { error: `${field} must be at most ${max} characters` })
    .refine((value) => !CONTROL.test(value), { error: `${field} must be one line without control characters` });

export const keyNameSchema = singleLine('The key name', LIMITS.name).refine((value) => value.length > 0, { error: 'The key name is required' });

// Passphrases are taken exactly as typed: no trimming, since a space can be part of one.
export const unlockPassphraseSchema = z
  .string({ error: 'The passphrase must be text' })
  .min(1, { error: 'Enter the passphrase' })
  .max(LIMITS.passphrase, { error: `The passphrase must be at most ${LIMITS.passphrase} characters` });

export const newPassphraseSchema = unlockPassphraseSchema.refine((value) => [...value].length >= LIMITS.minPassphrase, {
  error: `Choose a passphrase of at least ${LIMITS.minPassphrase} characters; it is all that protects the keys in the vault`,
});

export const idSchema = z
  .string({ error: 'The id must be text' })
  .min(1, { error: 'The id is required' })
  .max(LIMITS.id, { error: `The id must be at most ${LIMITS.id} characters` });

export const generateKeyInputSchema = z
  .object({
    name: keyNameSchema,
    type: z.enum(['ed25519', 'rsa'], { error: 'The key type must be "ed25519" or "rsa"' }).default('ed25519'),
    comment: singleLine('The comment', LIMITS.comment).optional(),
  })
  .strict();

export const importKeyInputSchema = z
  .object({
    name: keyNameSchema,
    text: z
      .string({ error: 'The key must be text' })
      .min(1, { error: 'Paste the private key or choose its file' })
      .max(LIMITS.keyText, { error: `The text is over ${LIMITS.keyText / 1024} KB, far larger than any private key file; choose the private key file itself` }),
    passphrase: z
      .string({ error: "The key's passphrase must be text" })
      .max(LIMITS.passphrase, { error: `The key's passphrase must be at most ${LIMITS.passphrase} characters` })
      .optional(),
  })
  .strict();

export const serverPasswordSchema = z
  .string({ error: 'The password must be text' })
  .min(1, { error: 'The password is empty; to stop saving it, clear it instead' })
  .max(LIMITS.password, { error: `The password must be at most ${LIMITS.password} characters` });

export type GenerateKeyInput = z.input<typeof generateKeyInputSchema>;
export type ImportKeyInput = z.input<typeof importKeyInputSchema>;

/** Parses `value` or throws INVALID_INPUT naming the offending field (the first problem found). */
export function checked<S extends z.ZodType>(schema: S, value: unknown, field: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue?.path.length ? issue.path.join('.') : field;
  throw new VaultError('INVALID_INPUT', `${issue?.message ?? `${field} is not valid`}.`, { field: path });
}

/** A socket-bridge token as the agent's hello takes it (`lifeline agent init` writes 64 hex digits). */
export const agentTokenSchema = z
  .string({ error: 'The agent token must be text' })
  .min(16, { error: 'The agent token is shorter than 16 characters; use the one in the agent\'s bridge.token file' })
  .max(1024, { error: 'The agent token must be at most 1024 characters' })
  .refine((value) => !/\s/.test(value), { error: 'The agent token must have no spaces or line breaks' });
