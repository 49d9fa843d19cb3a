import { isIP } from 'node:net';
import { z } from 'zod';
import type { AuthMethod, HostKeyChecking, LinkLayer } from '../../preload/api';
import type { LayerName } from '../links/adapters/layer';
import { LAYER_NAMES } from '../links/layer-order';

// The rules a server record must satisfy. They are the transport-edge schema too: the same object
// validates a message from the renderer, a CLI call and a test.

const LIMITS = { name: 64, host: 253, user: 32, tag: 32, tags: 20, group: 64 } as const;

// RFC 1123 host names: dot-separated labels of letters, digits and inner hyphens; a trailing dot is allowed.
const HOSTNAME = /^(?=.{1,253}\.?$)([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;
// What OpenSSH and useradd accept in practice; a leading '-' would be read as an option by ssh.
const USER = /^[A-Za-z0-9_][A-Za-z0-9_.-]*\$?$/;
const TAG = /^[A-Za-z0-9][A-Za-z0-9_.:-]*$/;
// Usable verbatim as a tmux target: tmux 3.3 stores "a.b" as "a_b" and then reads "-t a.b" as session
// "a", pane "b", so "." (and ":") are refused rather than silently never matching.
export const TMUX_SESSION = /^[A-Za-z0-9_-]{1,64}$/;
export const TMUX_SESSION_RULE = 'tmux session names are 1–64 letters, digits, "_" or "-" (tmux would rename a "."); leave it empty for a plain shell';

export const AUTH_METHODS = ['agent', 'key', 'password', 'keyboard-interactive'] as const satisfies readonly AuthMethod[];
export const HOST_KEY_CHECKING = ['ask', 'yes', 'accept-new', 'no'] as const satisfies readonly HostKeyChecking[];

function isHost(value: string): boolean {
  const bare = value.startsWith('[') && value.endsWith(']') ? value.slice(1, -1) : value;
  return isIP(bare) !== 0 || HOSTNAME.test(value);
}

// Ids of other records; an empty string means none, as an empty select sends it.
const reference = (field: string) =>
  z
    .string({ error: `${field} must be an id (text) or null` })
    .max(64, { error: `${field} must be an id of at most 64 characters` })
    .nullable()
    .default(null)
    .transform((v) => (v ? v : null));

const flag = (field: string) => z.boolean({ error: `${field} must be true or false` }).default(false);

const wholeNumber = (message: string, min: number, max: number, fallback: number) =>
  z
    .number({ error: message })
    .int({ error: message })
    .min(min, { error: message })
    .max(max, { error: message })
    .default(fallback);

const trimmed = (field: string, max: number) =>
  z
    .string({ error: `${field} must be text` })
    .trim()
    .min(1, { error: `${field} is required` })
    .max(max, { error: `${field} must be at most ${max} characters` });

/**
 * The layers as zod enums want them. The contract spells the link manager's layer names itself (it may
 * import nothing): a layer the contract does not name makes this fail to compile.
 */
export const LINK_LAYERS: readonly [LinkLayer, ...LinkLayer[]] = LAYER_NAMES as readonly [LayerName, ...LayerName[]];

const CONTROL = /[\u0000-\u001f\u007f]/;
/** As `lifeline agent init` prints it: SHA-256 of the agent's certificate in base64. */
export const TLS_FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}=?$/;

const agentEndpoint = z
  .object({
    host: trimmed('Agent host', LIMITS.host)
      .refine(isHost, { error: 'Agent host must be a host name or an IP address' })
      .transform((v) => (v.startsWith('[') && v.endsWith(']') ? v.slice(1, -1) : v)),
    port: z
      .number({ error: 'Agent port must be a number' })
      .int({ error: 'Agent port must be a whole number' })
      .min(1, { error: 'Agent port must be between 1 and 65535 (the agent\'s bridge.port, 8899 unless changed)' })
      .max(65535, { error: 'Agent port must be between 1 and 65535 (the agent\'s bridge.port, 8899 unless changed)' }),
    tlsFingerprint: z
      .string({ error: 'The TLS fingerprint must be text' })
      .trim()
      .regex(TLS_FINGERPRINT, { error: 'The TLS fingerprint is the agent certificate\'s "SHA256:…" as lifeline agent init prints it; leave it empty for plain TCP' })
      .nullable()
      .optional()
      .transform((v) => v ?? null),
  })
  .strict();

/** Link fields may be omitted: on update that keeps what is stored (see ServerLinkInput). */
export const serverLinkInputSchema = z
  .object({
    agent: agentEndpoint.nullable().optional(),
    agentCommand: z
      .array(z.string({ error: 'Each argument of the agent command must be text' }).min(1, { error: 'The agent command has an empty argument' }).max(4096), {
        error: 'The agent command must be a list of arguments, like ["lifeline", "agent", "run-command"]',
      })
      .min(1, { error: 'The agent command needs at least the program; clear it for the default' })
      .max(64, { error: 'The agent command has at most 64 arguments' })
      .refine((argv) => !argv.some((arg) => arg.includes('\u0000')), { error: 'The agent command must not contain NUL characters' })
      .nullable()
      .optional(),
    triggerDir: z
      .string({ error: 'The trigger folder must be text' })
      .trim()
      .max(4096, { error: 'The trigger folder must be at most 4096 characters' })
      .refine((v) => !CONTROL.test(v), { error: 'The trigger folder must not contain control characters' })
      .nullable()
      .optional()
      // Empty as a cleared text field sends it: no trigger folder.
      .transform((v) => (v === undefined ? undefined : v ? v : null)),
    tmuxSocket: z
      .string({ error: 'The tmux socket must be text' })
      .trim()
      .nullable()
      .optional()
      .transform((v) => (v === undefined ? undefined : v ? v : null))
      .refine((v) => !v || /^[A-Za-z0-9_.-]{1,64}$/.test(v), { error: 'The tmux socket is a tmux -L name: 1–64 letters, digits, ".", "_" or "-"; leave it empty for the default server' }),
    layers: z
      .array(z.enum(LINK_LAYERS, { error: `Layers are ${LAYER_NAMES.join(', ')}` }), { error: 'Layers must be a list of layer names' })
      .min(1, { error: 'Choose at least one layer' })
      .max(LAYER_NAMES.length)
      .refine((layers) => new Set(layers).size === layers.length, { error: 'Name each layer once, in the order to try them' })
      .optional(),
  })
  .strict();

export const serverInputSchema = z
  .object({
    name: trimmed('Name', LIMITS.name).refine((v) => !/[\u0000-\u001f\u007f]/.test(v), {
      error: 'Name must not contain control characters',
    }),
    host: trimmed('Host', LIMITS.host)
      .refine(isHost, { error: 'Host must be a host name (like web-1.example.com) or an IP address' })
      // Stored bare: ssh2 and OpenSSH take an IPv6 address without brackets.
      .transform((v) => (v.startsWith('[') && v.endsWith(']') ? v.slice(1, -1) : v)),
    port: z
      .number({ error: 'Port must be a number' })
      .int({ error: 'Port must be a whole number' })
      .min(1, { error: 'Port must be between 1 and 65535' })
      .max(65535, { error: 'Port must be between 1 and 65535' })
      .default(22),
    user: trimmed('User', LIMITS.user).regex(USER, {
      error: 'User may contain letters, digits, "_", "." and "-", and must not start with "-", "." or a space',
    }),
    tags: z
      .array(
        trimmed('Tag', LIMITS.tag).regex(TAG, {
          error: 'Tags may contain letters, digits, "_", ".", ":" and "-", starting with a letter or digit',
        }),
        { error: 'Tags must be a list of words' },
      )
      .max(LIMITS.tags, { error: `At most ${LIMITS.tags} tags` })
      .default([])
      // Order kept, repeats dropped: "web, prod, web" is what the user meant as "web, prod".
      .transform((tags) => [...new Set(tags)]),
    group: z
      .string({ error: 'Group must be text' })
      .trim()
      .max(LIMITS.group, { error: `Group must be at most ${LIMITS.group} characters` })
      .nullable()
      .default(null)
      .transform((v) => (v ? v : null)),
    auth: z
      .enum(AUTH_METHODS, { error: `Authentication must be one of: ${AUTH_METHODS.join(', ')}` })
      .default('agent'),
    keyId: reference('Key'),
    jumpServerId: reference('Jump server'),
    agentForwarding: flag('Agent forwarding'),
    strictHostKeyChecking: z
      .enum(HOST_KEY_CHECKING, { error: `Host key checking must be one of: ${HOST_KEY_CHECKING.join(', ')}` })
      .default('ask'),
    keepaliveInterval: wholeNumber('Keepalive interval must be a whole number of seconds from 0 (off) to 3600', 0, 3600, 10),
    keepaliveCountMax: wholeNumber('Keepalive count must be a whole number from 1 to 100', 1, 100, 3),
    tmuxSession: z
      .string({ error: 'tmux session must be text' })
      .trim()
      .nullable()
      .default(null)
      .transform((v) => (v ? v : null))
      .refine((v) => v === null || TMUX_SESSION.test(v), { error: TMUX_SESSION_RULE }),
    sessionLog: flag('Session log'),
    link: serverLinkInputSchema.optional(),
  })
  .strict()
  // Checked on the whole object so the message lands on the field the user can fix.
  .superRefine((fields, ctx) => {
    if (fields.auth === 'key' && !fields.keyId) {
      ctx.addIssue({ code: 'custom', path: ['keyId'], message: 'Choose the vault key to log in with, or another authentication method' });
    }
  });

/** A server input after validation: every field present and normalized. */
export type ServerFields = z.output<typeof serverInputSchema>;
