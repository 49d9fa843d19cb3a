import { z } from 'zod';
import { LAYER_NAMES } from '../links/layer-order';
import type { SavedCommandFields } from '../store/saved-commands';
import { LINK_LAYERS } from './server-rules';

// The shapes of the links and command panel requests. The agent checks a command again on arrival; these
// limits are the same as its protocol's, with messages for the person typing.

const LIMITS = { name: 64, argument: 64 * 1024, arguments: 4096, script: 64 * 1024, servers: 1000, concurrency: 100, timeout: 86_400, recent: 500 } as const;
const CONTROL = /[\u0000-\u001f\u007f]/;

const id = (what: string) =>
  z
    .string({ error: `The ${what} id must be text` })
    .min(1, { error: `The ${what} id is required` })
    .max(64, { error: `The ${what} id must be at most 64 characters` });

export const serverIdSchema = id('server');
export const savedCommandIdSchema = id('saved command');
export const runIdSchema = id('run');

const argvSchema = z
  .array(z.string({ error: 'Each argument must be text' }).max(LIMITS.argument, { error: `An argument must be at most ${LIMITS.argument} characters` }), {
    error: 'The command must be a list of arguments, the program first',
  })
  .min(1, { error: 'Give the program to run' })
  .max(LIMITS.arguments, { error: `At most ${LIMITS.arguments} arguments` })
  .refine((argv) => argv.length === 0 || argv[0]!.trim() !== '', { error: 'The program (the first argument) is empty' });

const layerSchema = z.enum(LINK_LAYERS, { error: `The layer must be one of ${LAYER_NAMES.join(', ')}` });

const savedTarget = z.union([z.object({ serverId: serverIdSchema }).strict(), z.object({ groupId: id('group') }).strict()], {
  error: 'Choose the server or the group it runs on',
});

export const savedCommandInputSchema = z
  .object({
    id: savedCommandIdSchema.optional(),
    name: z
      .string({ error: 'Name must be text' })
      .trim()
      .min(1, { error: 'Name is required' })
      .max(LIMITS.name, { error: `Name must be at most ${LIMITS.name} characters` })
      .refine((v) => !CONTROL.test(v), { error: 'Name must not contain control characters' }),
    argv: argvSchema.optional(),
    script: z
      .string({ error: 'The script must be text' })
      .max(LIMITS.script, { error: `The script must be at most ${LIMITS.script} characters` })
      .refine((v) => v.trim() !== '', { error: 'The script is empty' })
      .optional(),
    target: savedTarget,
    dangerous: z.boolean({ error: 'Dangerous must be true or false' }).default(false),
  })
  .strict()
  .superRefine((input, ctx) => {
    if ((input.argv === undefined) === (input.script === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['argv'], message: 'Give either the command\'s arguments or a script, one of them' });
    }
  })
  .transform((input): { id: string | undefined; fields: SavedCommandFields } => ({
    id: input.id,
    fields: { name: input.name, argv: input.argv ?? null, script: input.script ?? null, target: input.target, dangerous: input.dangerous },
  }));

const runTarget = z.union(
  [
    z.object({ serverId: serverIdSchema }).strict(),
    z.object({ groupId: id('group') }).strict(),
    z
      .object({
        serverIds: z
          .array(serverIdSchema, { error: 'serverIds must be a list of server ids' })
          .min(1, { error: 'Choose at least one server' })
          .max(LIMITS.servers, { error: `At most ${LIMITS.servers} servers at once` }),
      })
      .strict(),
  ],
  { error: 'Choose a server, a group or a list of servers to run it on' },
);

export const runCommandInputSchema = z
  .object({
    target: runTarget,
    argv: argvSchema.optional(),
    savedCommandId: savedCommandIdSchema.optional(),
    concurrency: z
      .int({ error: `Concurrency must be a whole number from 1 to ${LIMITS.concurrency}` })
      .min(1, { error: `Concurrency must be a whole number from 1 to ${LIMITS.concurrency}` })
      .max(LIMITS.concurrency, { error: `Concurrency must be a whole number from 1 to ${LIMITS.concurrency}` })
      .default(10),
    confirmDangerous: z.boolean({ error: 'confirmDangerous must be true or false' }).default(false),
    layer: layerSchema.optional(),
    timeoutSeconds: z
      .int({ error: `The time limit must be a whole number of seconds from 1 to ${LIMITS.timeout}` })
      .min(1, { error: `The time limit must be a whole number of seconds from 1 to ${LIMITS.timeout}` })
      .max(LIMITS.timeout, { error: `The time limit must be a whole number of seconds from 1 to ${LIMITS.timeout}` })
      .optional(),
  })
  .strict()
  .superRefine((input, ctx) => {
    if ((input.argv === undefined) === (input.savedCommandId === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['argv'], message: 'Give either the command\'s arguments or a saved command, one of them' });
    }
  });

export type RunCommandFields = z.output<typeof runCommandInputSchema>;

export const retryServerIdsSchema = z
  .array(serverIdSchema, { error: 'serverIds must be a list of server ids' })
  .min(1, { error: 'Choose at least one server to retry' })
  .max(LIMITS.servers, { error: `At most ${LIMITS.servers} servers at once` });

/** An ISO 8601 time, normalized to the UTC form the samples are stored in (so text order is time order). */
export const sinceSchema = z
  .string({ error: 'since must be an ISO 8601 time, like 2025-01-01T10:00:00Z' })
  .max(64)
  .refine((v) => /^\d{4}-\d\d-\d\dT/.test(v) && !Number.isNaN(Date.parse(v)), { error: 'since must be an ISO 8601 time, like 2025-01-01T10:00:00Z' })
  .transform((v) => new Date(v).toISOString());

export const recentLimitSchema = z
  .int({ error: `The limit must be a whole number from 1 to ${LIMITS.recent}` })
  .min(1, { error: `The limit must be a whole number from 1 to ${LIMITS.recent}` })
  .max(LIMITS.recent, { error: `The limit must be a whole number from 1 to ${LIMITS.recent}` });
