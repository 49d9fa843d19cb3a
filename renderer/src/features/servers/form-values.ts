import type { ApiError, AuthMethod, HostKeyChecking, Server, ServerInput } from '../../../../preload/api';

/** The form's fields in screen order; errors focus the first of them that is wrong. */
export const FIELD_NAMES = [
  'name',
  'host',
  'port',
  'user',
  'group',
  'tags',
  'auth',
  // Shown with the authentication method: a key problem is fixed there.
  'keyId',
  'jumpServerId',
  'strictHostKeyChecking',
  'tmuxSession',
] as const;
export type FieldName = (typeof FIELD_NAMES)[number];

/** The fields typed as free text. */
export type TextFieldName = 'name' | 'host' | 'port' | 'user' | 'group' | 'tags' | 'tmuxSession';

/**
 * The server's settings that this form does not show. They go back exactly as they came, because saving
 * replaces every field: without them an edit would quietly reset them to their defaults.
 */
export type KeptSettings = Pick<ServerInput, 'keyId' | 'keepaliveInterval' | 'keepaliveCountMax'>;

/** What the user typed and chose, as typed. */
export type FormValues = Record<TextFieldName, string> & {
  auth: AuthMethod;
  /** '' to connect directly. */
  jumpServerId: string;
  strictHostKeyChecking: HostKeyChecking;
  agentForwarding: boolean;
  sessionLog: boolean;
  kept: KeptSettings;
};

// A new server leaves `kept` empty, so the main side's defaults apply.
export const EMPTY_FORM: FormValues = {
  name: '',
  host: '',
  port: '22',
  user: '',
  group: '',
  tags: '',
  auth: 'agent',
  jumpServerId: '',
  strictHostKeyChecking: 'ask',
  tmuxSession: '',
  agentForwarding: false,
  sessionLog: false,
  kept: {},
};

export function formValuesOf(server: Server): FormValues {
  return {
    name: server.name,
    host: server.host,
    port: String(server.port),
    user: server.user,
    group: server.group ?? '',
    tags: server.tags.join(', '),
    auth: server.auth,
    jumpServerId: server.jumpServerId ?? '',
    strictHostKeyChecking: server.strictHostKeyChecking,
    tmuxSession: server.tmuxSession ?? '',
    agentForwarding: server.agentForwarding,
    sessionLog: server.sessionLog,
    kept: {
      keyId: server.keyId,
      keepaliveInterval: server.keepaliveInterval,
      keepaliveCountMax: server.keepaliveCountMax,
    },
  };
}

/**
 * Turns the typed text into the contract's shape without judging it: the main side owns the rules and
 * answers with per-field messages. Text that is not a number goes as NaN so it is reported as such
 * (it travels as null over JSON and as NaN over IPC; both fail the port rule).
 */
export function toServerInput(values: FormValues): ServerInput {
  const port = values.port.trim();
  return {
    ...values.kept,
    name: values.name,
    host: values.host,
    port: port === '' ? undefined : /^[+-]?\d+(\.\d+)?$/.test(port) ? Number(port) : Number.NaN,
    user: values.user,
    tags: values.tags
      .split(',')
      .map((tag) => tag.trim())
      .filter((tag) => tag !== ''),
    group: values.group,
    auth: values.auth,
    jumpServerId: values.jumpServerId === '' ? null : values.jumpServerId,
    strictHostKeyChecking: values.strictHostKeyChecking,
    tmuxSession: values.tmuxSession,
    agentForwarding: values.agentForwarding,
    sessionLog: values.sessionLog,
  };
}

export interface JumpServerChoice {
  id: string;
  label: string;
}

/**
 * The servers `editing` may connect through: every other server except those that already go through
 * it (choosing one would make a loop, which the main side refuses). A jump server that is no longer
 * listed stays as a choice so the select shows the truth; saving then reports it.
 */
export function jumpServerChoices(servers: Server[], editing: Server | null): JumpServerChoice[] {
  const byId = new Map(servers.map((server) => [server.id, server]));
  const goesThroughEditing = (server: Server): boolean => {
    const seen = new Set<string>();
    for (let hop = server.jumpServerId; hop !== null && !seen.has(hop); hop = byId.get(hop)?.jumpServerId ?? null) {
      if (hop === editing?.id) return true;
      seen.add(hop);
    }
    return false;
  };
  const choices = servers
    .filter((server) => server.id !== editing?.id && !(editing && goesThroughEditing(server)))
    .map((server) => ({ id: server.id, label: `${server.name} (${server.user}@${server.host})` }));
  const current = editing?.jumpServerId;
  if (current && !byId.has(current)) choices.push({ id: current, label: 'A server that no longer exists' });
  return choices;
}

/** The first field, in screen order, that the main side reported as wrong. */
export function firstInvalidField(fields: Record<string, string> | undefined): FieldName | undefined {
  return fields ? FIELD_NAMES.find((name) => fields[name] !== undefined) : undefined;
}

/**
 * The line above the buttons. A VALIDATION message lists every field's problem, which the form already
 * shows under each field, so it is shortened when every problem has its field on screen.
 */
export function formMessage(error: ApiError): string {
  const fields = Object.keys(error.fields ?? {});
  const allShown = fields.length > 0 && fields.every((name) => (FIELD_NAMES as readonly string[]).includes(name));
  if (error.code !== 'VALIDATION' || !allShown) return error.message;
  return fields.length === 1 ? 'Please correct the highlighted field.' : `Please correct the ${fields.length} highlighted fields.`;
}
