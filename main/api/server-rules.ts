import { isIP } from 'node:net';
import { z } from 'zod';

// The rules a server record must satisfy. They are the transport-edge schema too: the same object
// validates a message from the renderer, a CLI call and a test.

const LIMITS = { name: 64, host: 253, user: 32, tag: 32, tags: 20, group: 64 } as const;

// RFC 1123 host names: dot-separated labels of letters, digits and inner hyphens; a trailing dot is allowed.
const HOSTNAME = /^(?=.{1,253}\.?$)([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;
// What OpenSSH and useradd accept in practice; a leading '-' would be read as an option by ssh.
const USER = /^[A-Za-z0-9_][A-Za-z0-9_.-]*\$?$/;
const TAG = /^[A-Za-z0-9][A-Za-z0-9_.:-]*$/;

function isHost(value: string): boolean {
  const bare = value.startsWith('[') && value.endsWith(']') ? value.slice(1, -1) : value;
  return isIP(bare) !== 0 || HOSTNAME.test(value);
}

const trimmed = (field: string, max: number) =>
  z
    .string({ error: `${field} must be text` })
    .trim()
    .min(1, { error: `${field} is required` })
    .max(max, { error: `${field} must be at most ${max} characters` });

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
  })
  .strict();

/** A server input after validation: every field present and normalized. */
export type ServerFields = z.output<typeof serverInputSchema>;
