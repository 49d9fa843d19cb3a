import { isAbsolute } from 'node:path';
import { z } from 'zod';
import type { LifelineRequests, RequestName, Result } from '../../preload/api';
import { fail, invalid } from './errors';
import {
  generateKeyInputSchema,
  idSchema,
  importKeyInputSchema,
  newPassphraseSchema,
  serverPasswordSchema,
  unlockPassphraseSchema,
} from '../vault';
import { TERMINAL_SIZE } from '../terminals/errors';
import { serverInputSchema, TMUX_SESSION, TMUX_SESSION_RULE } from './server-rules';
import { agentTokenSchema } from '../vault/rules';
import {
  recentLimitSchema,
  retryServerIdsSchema,
  runCommandInputSchema,
  runIdSchema,
  savedCommandIdSchema,
  savedCommandInputSchema,
  serverIdSchema,
  sinceSchema,
} from './command-rules';

const recordId = z.string({ error: 'id must be text' }).min(1, { error: 'id is required' }).max(64);
/** Terminal ids are UUIDs; the web console also reads them from a URL path, so nothing else gets through. */
export const terminalIdSchema = z.string({ error: 'The terminal id must be text' }).regex(/^[A-Za-z0-9-]{1,64}$/, { error: 'The terminal id is not an id' });

const vaultSetup = z
  .object({ passphrase: newPassphraseSchema.optional(), keychain: z.literal(true).optional() })
  .strict()
  .refine((setup) => (setup.passphrase === undefined) !== (setup.keychain === undefined), {
    error: 'Give either a passphrase or { keychain: true }',
  })
  .transform((setup) => (setup.passphrase !== undefined ? { passphrase: setup.passphrase } : { keychain: true as const }));

// Each answer fits what the server may ask; the limits keep a runaway client from queueing megabytes.
const promptAnswer = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('host-key'), decision: z.enum(['once', 'remember', 'cancel']) }).strict(),
  z.object({ kind: z.literal('credentials'), values: z.array(z.string().max(4096)).max(32).nullable() }).strict(),
]);

// An SSH key type name as OpenSSH spells it (ssh-ed25519, ecdsa-sha2-nistp256, rsa-sha2-512@…).
const hostKeyType = z.string({ error: 'The key type must be text' }).regex(/^[A-Za-z0-9@._-]{1,100}$/, { error: 'The key type is not an SSH key type name' });

// The same bounds as checkTerminalSize, so a bad size is a field error before it reaches a terminal.
const { minCols, maxCols, minRows, maxRows } = TERMINAL_SIZE;
const columns = z.int({ error: `Columns must be a whole number from ${minCols} to ${maxCols}` }).min(minCols).max(maxCols);
const rows = z.int({ error: `Rows must be a whole number from ${minRows} to ${maxRows}` }).min(minRows).max(maxRows);

const openTerminalInput = z
  .object({
    serverId: recordId,
    cols: columns,
    rows,
    tmuxSession: z.string({ error: 'tmux session must be text or null' }).regex(TMUX_SESSION, { error: TMUX_SESSION_RULE }).nullable().optional(),
  })
  .strict();

// PATH_MAX on Linux; a longer path cannot name a file anyway.
const MAX_PATH = 4096;
const sshConfigFile = z
  .string({ error: 'The config file must be a path (text)' })
  .min(1, { error: 'Give the path of the SSH config file, like ~/.ssh/config' })
  .max(MAX_PATH, { error: `The path must be at most ${MAX_PATH} characters` })
  .refine((path) => !/[\u0000-\u001f\u007f]/.test(path), { error: 'The path must not contain control characters' })
  // A relative path would depend on the folder the main side was started in, which the user cannot see.
  .refine((path) => isAbsolute(path) || path.startsWith('~/'), { error: 'Give the path from the root (like /home/me/.ssh/config) or from your home folder (like ~/.ssh/config)' });

const sshConfigSource = z.object({ file: sshConfigFile.optional() }).strict();

const sshConfigImportInput = z
  .object({
    file: sshConfigFile.optional(),
    hosts: z
      .array(z.string({ error: 'Host names must be text' }).min(1).max(256), { error: 'hosts must be a list of host names' })
      .min(1, { error: 'Choose at least one host to import' })
      // Far beyond any real config; it only bounds the work one call can ask for.
      .max(10_000, { error: 'At most 10000 hosts at once' }),
  })
  .strict();

/** What a client may send on a terminal's stream (WebSocket or MessagePort); both transports check it here. */
export const terminalClientMessageSchema = z.discriminatedUnion('type', [
  // A paste of a megabyte is plenty; the transports cap whole messages too.
  z.object({ type: z.literal('input'), data: z.string().max(1024 * 1024) }).strict(),
  z.object({ type: z.literal('ack'), bytes: z.int().positive() }).strict(),
]);

/**
 * The argument schemas of every request, by method name. Both transports (IPC and WebSocket) run each
 * incoming call through `dispatch`, so nothing reaches a handler unvalidated.
 */
export const requestSchemas = {
  getAppInfo: z.tuple([]),
  listServers: z.tuple([]),
  createServer: z.tuple([serverInputSchema]),
  updateServer: z.tuple([recordId, serverInputSchema]),
  deleteServer: z.tuple([recordId]),
  previewSshConfigImport: z.tuple([sshConfigSource]),
  importSshConfig: z.tuple([sshConfigImportInput]),
  getVaultStatus: z.tuple([]),
  initializeVault: z.tuple([vaultSetup]),
  unlockVault: z.tuple([unlockPassphraseSchema.nullable()]),
  lockVault: z.tuple([]),
  changeVaultPassphrase: z.tuple([unlockPassphraseSchema, newPassphraseSchema]),
  listKeys: z.tuple([]),
  generateKey: z.tuple([generateKeyInputSchema]),
  importKey: z.tuple([importKeyInputSchema]),
  deleteKey: z.tuple([idSchema]),
  setServerPassword: z.tuple([recordId, serverPasswordSchema.nullable()]),
  answerPrompt: z.tuple([recordId, promptAnswer]),
  listTrustedHostKeys: z.tuple([recordId]),
  forgetTrustedHostKey: z.tuple([recordId, hostKeyType]),
  installKey: z.tuple([idSchema, recordId]),
  openTerminal: z.tuple([openTerminalInput]),
  listTerminals: z.tuple([]),
  resizeTerminal: z.tuple([terminalIdSchema, columns, rows]),
  reconnectTerminal: z.tuple([terminalIdSchema]),
  closeTerminal: z.tuple([terminalIdSchema]),
  listTmuxSessions: z.tuple([recordId]),
  setAgentToken: z.tuple([recordId, agentTokenSchema.nullable()]),
  listLinks: z.tuple([]),
  linkSamples: z.tuple([serverIdSchema, sinceSchema]),
  // An omitted optional argument arrives as undefined over IPC and is dropped by JSON: both mean "every server".
  probeLinks: z.tuple([serverIdSchema.optional()]),
  listSavedCommands: z.tuple([]),
  saveCommand: z.tuple([savedCommandInputSchema]),
  deleteSavedCommand: z.tuple([savedCommandIdSchema]),
  runCommand: z.tuple([runCommandInputSchema]),
  retryCommandRun: z.tuple([runIdSchema, retryServerIdsSchema]),
  recentCommands: z.tuple([recentLimitSchema]),
} satisfies Record<RequestName, z.ZodTuple>;

/**
 * Arguments that are typed by the user on their own rather than inside an object: a problem with one of
 * them is reported as VALIDATION on the named field, like a field of a form.
 */
const typedArguments: Partial<Record<RequestName, ReadonlyArray<string | null>>> = {
  unlockVault: ['passphrase'],
  changeVaultPassphrase: ['current', 'next'],
  setServerPassword: [null, 'password'],
  setAgentToken: [null, 'token'],
  resizeTerminal: [null, 'cols', 'rows'],
};

export type ParsedArgs<K extends RequestName> = z.output<(typeof requestSchemas)[K]>;

/** What `main/api` implements: each request with its arguments already validated and normalized. */
export type RequestHandlers = {
  [K in RequestName]: (...args: ParsedArgs<K>) => ReturnType<LifelineRequests[K]>;
};

export const requestNames = Object.keys(requestSchemas) as RequestName[];

export function isRequestName(value: unknown): value is RequestName {
  return typeof value === 'string' && Object.hasOwn(requestSchemas, value);
}

/** Validates a call from a transport and runs it. Never throws: every failure is a typed result. */
export async function dispatch(handlers: RequestHandlers, method: unknown, args: unknown): Promise<Result<unknown>> {
  if (!isRequestName(method)) {
    return fail('BAD_REQUEST', `Unknown method ${JSON.stringify(String(method)).slice(0, 80)}.`);
  }
  const parsed = requestSchemas[method].safeParse(args);
  if (!parsed.success) return describeInvalid(method, parsed.error);
  try {
    const handler = handlers[method] as (...a: unknown[]) => Promise<Result<unknown>>;
    return await handler.apply(handlers, parsed.data as unknown[]);
  } catch (error) {
    console.error(`lifeline: ${method} failed:`, error);
    return fail('INTERNAL', `${method} failed unexpectedly: ${(error as Error)?.message ?? String(error)}. Details are in the log.`);
  }
}

// Issues inside an object argument, or with an argument the user types on its own (a passphrase), are the
// user's field errors (shown next to each field); anything else means the caller sent the wrong shape,
// which is a bug in the caller.
function describeInvalid(method: RequestName, error: z.ZodError): Result<never> {
  const fields: Record<string, string> = {};
  for (const issue of error.issues) {
    const [index, field] = issue.path;
    const argument = issue.path.length === 1 && typeof index === 'number' ? typedArguments[method]?.[index] : undefined;
    if (issue.path.length >= 2 && typeof field === 'string') {
      fields[field] ??= issue.message;
      // Inside a nested object (a server's link) the whole path too, so a form can mark the very field.
      if (issue.path.length > 2) fields[issue.path.slice(1).join('.')] ??= issue.message;
    }
    else if (argument) fields[argument] ??= issue.message;
    else {
      const where = issue.path.length ? ` at ${issue.path.join('.')}` : '';
      return fail('BAD_REQUEST', `Invalid arguments for ${method}${where}: ${issue.message}.`);
    }
  }
  return invalid(fields);
}
