import type { ApiError, AuthMethod, HostKeyChecking, LinkLayer, Server, ServerInput, ServerLink, ServerLinkInput } from '../../../../preload/api';

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
  // The Agent section. `link` is a problem of the section as a whole (see formErrors).
  'link',
  'agentHost',
  'agentPort',
  'agentFingerprint',
  'agentToken',
  'triggerDir',
  'tmuxSocket',
  'agentCommand',
  'layers',
] as const;
export type FieldName = (typeof FIELD_NAMES)[number];

/** The fields typed as free text. */
export type TextFieldName =
  | 'name'
  | 'host'
  | 'port'
  | 'user'
  | 'group'
  | 'tags'
  | 'tmuxSession'
  | 'agentHost'
  | 'agentPort'
  | 'agentFingerprint'
  | 'agentToken'
  | 'triggerDir'
  | 'tmuxSocket'
  /** Arguments one per line. */
  | 'agentCommand';

/** Failover's default order, which a new server gets. */
export const LINK_LAYERS: readonly LinkLayer[] = ['bridge', 'tmux', 'trigger', 'exec'];

/** A layer in the order list; excluded ones stay listed so they can be put back where they belong. */
export interface LayerChoice {
  layer: LinkLayer;
  included: boolean;
}

/** What saving does with the agent token: it is write-only, so the form never holds the saved one. */
export type TokenEdit = 'keep' | 'replace' | 'clear';

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
  layers: LayerChoice[];
  /** Only meaningful while a token is saved; without one, a typed token is simply saved. */
  tokenEdit: TokenEdit;
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
  agentHost: '',
  agentPort: '8899',
  agentFingerprint: '',
  agentToken: '',
  triggerDir: '',
  tmuxSocket: '',
  agentCommand: '',
  layers: LINK_LAYERS.map((layer) => ({ layer, included: true })),
  tokenEdit: 'keep',
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
    ...agentValuesOf(server.link),
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
  return {
    ...values.kept,
    name: values.name,
    host: values.host,
    port: portNumber(values.port),
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
    link: toLinkInput(values),
  };
}

type AgentValues = Pick<FormValues, 'agentHost' | 'agentPort' | 'agentFingerprint' | 'agentToken' | 'triggerDir' | 'tmuxSocket' | 'agentCommand' | 'layers' | 'tokenEdit'>;

function agentValuesOf(link: ServerLink): AgentValues {
  return {
    agentHost: link.agent?.host ?? '',
    agentPort: String(link.agent?.port ?? EMPTY_FORM.agentPort),
    agentFingerprint: link.agent?.tlsFingerprint ?? '',
    agentToken: '',
    triggerDir: link.triggerDir ?? '',
    tmuxSocket: link.tmuxSocket ?? '',
    agentCommand: (link.agentCommand ?? []).join('\n'),
    layers: [
      ...link.layers.map((layer) => ({ layer, included: true })),
      ...LINK_LAYERS.filter((layer) => !link.layers.includes(layer)).map((layer) => ({ layer, included: false })),
    ],
    tokenEdit: 'keep',
  };
}

/**
 * The whole link as the form shows it: every field is sent, so what is on screen is what gets stored.
 * An empty host means no socket bridge (the port and fingerprint then have nothing to belong to).
 */
function toLinkInput(values: FormValues): ServerLinkInput {
  const host = values.agentHost.trim();
  const fingerprint = values.agentFingerprint.trim();
  const argv = agentCommandArgv(values.agentCommand);
  return {
    agent: host === '' ? null : { host, port: portNumber(values.agentPort) ?? Number.NaN, tlsFingerprint: fingerprint === '' ? null : fingerprint },
    agentCommand: argv.length === 0 ? null : argv,
    triggerDir: values.triggerDir.trim() === '' ? null : values.triggerDir.trim(),
    tmuxSocket: values.tmuxSocket.trim() === '' ? null : values.tmuxSocket.trim(),
    layers: values.layers.filter((choice) => choice.included).map((choice) => choice.layer),
  };
}

// Surrounding blanks are dropped because they are invisible in the box and would end up inside the argument.
function agentCommandArgv(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

function portNumber(text: string): number | undefined {
  const port = text.trim();
  if (port === '') return undefined;
  return /^[+-]?\d+(\.\d+)?$/.test(port) ? Number(port) : Number.NaN;
}

/**
 * What saving does to the vault's agent token: a string saves it, null forgets it, undefined leaves it.
 * It is sent on its own (setAgentToken) once the server is saved, never with the server's fields.
 */
export function agentTokenChange(values: FormValues, tokenSaved: boolean): string | null | undefined {
  if (tokenSaved && values.tokenEdit === 'clear') return null;
  if (tokenSaved && values.tokenEdit === 'keep') return undefined;
  // Pasted from `cat bridge.token`, a token often carries the file's line break.
  const token = values.agentToken.trim();
  return token === '' ? undefined : token;
}

/**
 * The Agent section's problems that sending would not show on their own field: the token is saved after
 * the server (a bad one found then would leave the server saved without it), a port that is not a number
 * never reaches the main side as one, and a fingerprint or an empty layer list needs the host or the
 * layers to make sense. The main side checks every field again (see formErrors).
 */
export function agentProblems(values: FormValues, tokenSaved: boolean): Partial<Record<FieldName, string>> {
  const problems: Partial<Record<FieldName, string>> = {};
  const host = values.agentHost.trim() !== '';
  const port = portNumber(values.agentPort);
  const fingerprint = values.agentFingerprint.trim();
  if (!host && fingerprint !== '') problems.agentHost = 'Give the agent\'s host for the fingerprint to belong to, or clear the fingerprint';
  if (host && (port === undefined || !Number.isInteger(port) || port < 1 || port > 65535)) {
    problems.agentPort = 'The agent port is a whole number from 1 to 65535: the agent\'s bridge port, 8899 unless changed';
  }
  const token = agentTokenChange(values, tokenSaved);
  if (typeof token === 'string' && (token.length < 16 || /\s/.test(token))) {
    problems.agentToken = 'The agent token is the content of the agent\'s bridge.token file: at least 16 characters, no spaces';
  }
  if (values.tokenEdit === 'replace' && tokenSaved && token === undefined) problems.agentToken = 'Paste the new token, or keep the saved one';
  if (!values.layers.some((choice) => choice.included)) problems.layers = 'Include at least one layer: commands need a way to reach the server';
  return problems;
}

/** The layer list with the one at `index` moved one place up (-1) or down (+1); unchanged at either end. */
export function moveLayer(layers: readonly LayerChoice[], index: number, step: -1 | 1): LayerChoice[] {
  const to = index + step;
  if (index < 0 || index >= layers.length || to < 0 || to >= layers.length) return [...layers];
  const moved = [...layers];
  [moved[index], moved[to]] = [moved[to]!, moved[index]!];
  return moved;
}

/** Whether the Agent section opens expanded: it does once anything of the link differs from a new server's. */
export function opensAgentSection(link: ServerLink): boolean {
  return (
    link.agent !== null ||
    link.agentTokenSaved ||
    link.agentCommand !== null ||
    link.triggerDir !== null ||
    link.tmuxSocket !== null ||
    link.layers.join() !== LINK_LAYERS.join()
  );
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
// Where the main side's paths inside the link (`link.agent.port`) are on the form.
const LINK_FIELDS: readonly (readonly [string, FieldName])[] = [
  ['link.agent.host', 'agentHost'],
  ['link.agent.port', 'agentPort'],
  ['link.agent.tlsFingerprint', 'agentFingerprint'],
  ['link.agent', 'agentHost'],
  ['link.agentCommand', 'agentCommand'],
  ['link.triggerDir', 'triggerDir'],
  ['link.tmuxSocket', 'tmuxSocket'],
  ['link.layers', 'layers'],
];

/**
 * The main side's field errors as the form's fields. A problem inside the link comes named both as `link`
 * and by its path; the path puts it on its own field, and `link` then stays only when no path placed it.
 */
export function formErrors(fields: Record<string, string> | undefined): Partial<Record<FieldName, string>> {
  const errors: Partial<Record<FieldName, string>> = {};
  let placed = false;
  for (const [key, message] of Object.entries(fields ?? {})) {
    const field = fieldOf(key);
    if (!field) continue;
    if (key.includes('.')) placed = true;
    errors[field] ??= message;
  }
  if (placed) delete errors.link;
  return errors;
}

function fieldOf(key: string): FieldName | undefined {
  if (key.includes('.')) return LINK_FIELDS.find(([path]) => key === path || key.startsWith(`${path}.`))?.[1];
  return (FIELD_NAMES as readonly string[]).includes(key) ? (key as FieldName) : undefined;
}

export function formMessage(error: ApiError): string {
  const allShown = Object.keys(error.fields ?? {}).every((key) => fieldOf(key) !== undefined);
  const fields = Object.keys(formErrors(error.fields));
  if (error.code !== 'VALIDATION' || fields.length === 0 || !allShown) return error.message;
  return fields.length === 1 ? 'Please correct the highlighted field.' : `Please correct the ${fields.length} highlighted fields.`;
}
