import { z } from 'zod';

// The socket bridge's wire protocol: one JSON object per line, both ways. The desktop (main/links) is the
// client and imports this file; the agent (agent/bridge) serves it. Every message has one schema here,
// and both sides validate what they receive with it.
//
//   client → agent   hello (first, once), then call frames
//   agent → client   hello (accepted) or error + close, then per call: output frames (run only), then
//                    exactly one result or error with the call's id
//
// Versions: the client lists the versions it speaks; the agent answers with the highest it shares, or
// refuses with UNSUPPORTED_VERSION naming the ones it has. A new field that old peers can ignore needs no
// new version; a changed meaning does.

export const PROTOCOL_VERSIONS = [1] as const;
export type ProtocolVersion = (typeof PROTOCOL_VERSIONS)[number];

/** The agent refuses a line longer than this (and counts it as abuse); the client the same. */
export const DEFAULT_MAX_FRAME_BYTES = 1024 * 1024;

/** A command's id: chosen by the client before the first attempt, so that every layer's retry is the same command. */
export const commandIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{7,127}$/, 'a command id is 8 to 128 letters, digits, ".", "_" or "-", starting with a letter or digit');

const argvSchema = z.array(z.string().max(64 * 1024)).min(1, 'argv needs at least the program').max(4096);
const envSchema = z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment name is letters, digits and _'), z.string().max(64 * 1024));

/** What to run: an argv array (never a shell string) or a command the agent's config names. */
export const runParamsSchema = z
  .strictObject({
    commandId: commandIdSchema,
    argv: argvSchema.optional(),
    /** A command the agent's config defines under `commands.named`; its argv and cwd come from there. */
    named: z.string().min(1).max(128).optional(),
    cwd: z.string().min(1).max(4096).optional(),
    env: envSchema.optional(),
    /** Seconds; the agent's own limit applies when it is lower. */
    timeoutSeconds: z.number().int().min(1).max(86_400).optional(),
    /** Who asked, for the agent's ledger (the desktop's user and host). */
    requestedBy: z.string().max(256).optional(),
  })
  .refine((params) => (params.argv === undefined) !== (params.named === undefined), 'give exactly one of argv and named');
export type RunParams = z.output<typeof runParamsSchema>;

/** The end of a command, whichever layer carried it. */
export const commandResultSchema = z.strictObject({
  commandId: commandIdSchema,
  /** null when a signal ended it, or when it was lost (see `state`). */
  exitCode: z.number().int().nullable(),
  signal: z.string().nullable(),
  /**
   * finished: it ran to the end (this time or before). lost: the agent stopped while it ran, so whether it
   * completed is unknown; it is never run again under the same id. refused: the agent's policy refused it.
   * timeout: the agent stopped it at its time limit.
   */
  state: z.enum(['finished', 'lost', 'refused', 'timeout']),
  /** The output as recorded (capped; `truncated` says so); also streamed as output frames while it ran. */
  stdout: z.string(),
  stderr: z.string(),
  truncated: z.boolean(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  durationMs: z.number().nonnegative().nullable(),
  /** True when this id had already run and this is its recorded result, not a new execution. */
  replayed: z.boolean(),
  /** Why it was refused or lost, in words. */
  message: z.string().optional(),
});
export type CommandResult = z.output<typeof commandResultSchema>;

const tmuxTargetSchema = z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'a tmux target is letters, digits, "_", ".", ":" or "-"');

export const methods = {
  ping: { params: z.strictObject({}), result: z.strictObject({ agent: z.string(), time: z.string() }) },
  run: { params: runParamsSchema, result: commandResultSchema },
  /** A command's recorded result by id, without running anything (null when the agent never saw it). */
  'command.get': { params: z.strictObject({ commandId: commandIdSchema }), result: commandResultSchema.nullable() },
  status: {
    params: z.strictObject({}),
    result: z.strictObject({
      agent: z.string(),
      uptimeSeconds: z.number(),
      hostname: z.string(),
      loadAverage: z.array(z.number()),
      jobs: z.record(z.string(), z.number()),
      bridgeClients: z.number().int(),
    }),
  },
  'tmux.send': {
    params: z.strictObject({ session: tmuxTargetSchema, keys: z.string().max(64 * 1024), enter: z.boolean().default(true) }),
    result: z.strictObject({}),
  },
  'tmux.capture': {
    params: z.strictObject({ session: tmuxTargetSchema, lines: z.number().int().min(1).max(10_000).default(200) }),
    result: z.strictObject({ text: z.string() }),
  },
  'jobs.list': {
    params: z.strictObject({ state: z.string().optional(), site: z.string().optional(), limit: z.number().int().min(1).max(1000).default(50) }),
    result: z.strictObject({ jobs: z.array(z.record(z.string(), z.unknown())) }),
  },
  'jobs.get': { params: z.strictObject({ id: z.number().int().positive() }), result: z.record(z.string(), z.unknown()).nullable() },
  'jobs.cancel': { params: z.strictObject({ id: z.number().int().positive() }), result: z.strictObject({ outcome: z.string() }) },
  'jobs.retry': { params: z.strictObject({ id: z.number().int().positive() }), result: z.record(z.string(), z.unknown()) },
  'logs.tail': {
    params: z.strictObject({ lines: z.number().int().min(1).max(10_000).default(100) }),
    result: z.strictObject({ lines: z.array(z.string()) }),
  },
} as const;
export type MethodName = keyof typeof methods;
export type MethodParams<M extends MethodName> = z.input<(typeof methods)[M]['params']>;
export type MethodResult<M extends MethodName> = z.output<(typeof methods)[M]['result']>;
export const METHOD_NAMES = Object.keys(methods) as MethodName[];

/** Error codes of error frames; the message says what happened and what to do. */
export const ERROR_CODES = [
  'BAD_FRAME', // not JSON, not an object, too long, or not a known message type
  'BAD_PARAMS', // the method's params failed its schema (the message names the field)
  'UNKNOWN_METHOD',
  'UNAUTHORIZED', // no hello yet, or a wrong token (the connection is then closed)
  'UNSUPPORTED_VERSION',
  'REFUSED', // the agent's command policy refused it (the message names the rule)
  'BUSY', // too many calls in flight on this connection
  'INTERNAL',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export const clientHelloSchema = z.strictObject({
  type: z.literal('hello'),
  versions: z.array(z.number().int().positive()).min(1).max(16),
  token: z.string().min(1).max(1024),
  /** Who connects, for the agent's log. */
  client: z.string().max(256).optional(),
});

export const callSchema = z.strictObject({
  type: z.literal('call'),
  /** Chosen by the client, unique among its calls in flight; echoed on every frame answering it. */
  id: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  method: z.string().max(64),
  params: z.unknown().optional(),
});

export const clientMessageSchema = z.discriminatedUnion('type', [clientHelloSchema, callSchema]);
export type ClientHello = z.output<typeof clientHelloSchema>;
export type Call = z.output<typeof callSchema>;
export type ClientMessage = z.output<typeof clientMessageSchema>;

export const agentHelloSchema = z.strictObject({ type: z.literal('hello'), version: z.number().int(), agent: z.string() });
export const outputSchema = z.strictObject({ type: z.literal('output'), id: z.number().int(), stream: z.enum(['stdout', 'stderr']), data: z.string() });
export const resultSchema = z.strictObject({ type: z.literal('result'), id: z.number().int(), result: z.unknown() });
export const errorSchema = z.strictObject({
  type: z.literal('error'),
  /** The call it answers; null for a frame that had no usable id (and for hello refusals). */
  id: z.number().int().nullable(),
  code: z.enum(ERROR_CODES),
  message: z.string(),
});
export const agentMessageSchema = z.discriminatedUnion('type', [agentHelloSchema, outputSchema, resultSchema, errorSchema]);
export type AgentHello = z.output<typeof agentHelloSchema>;
export type OutputFrame = z.output<typeof outputSchema>;
export type ResultFrame = z.output<typeof resultSchema>;
export type ErrorFrame = z.output<typeof errorSchema>;
export type AgentMessage = z.output<typeof agentMessageSchema>;

/**
 * A refusal in the shape of a command result, so a client reads every answer the same way (for a
 * trigger file that is not a request, `commandId` is the file's name).
 */
export function refusedResult(commandId: string, message: string, at: Date): CommandResult {
  const when = at.toISOString();
  return { commandId, exitCode: null, signal: null, state: 'refused', stdout: '', stderr: '', truncated: false, startedAt: when, finishedAt: when, durationMs: 0, replayed: false, message };
}
