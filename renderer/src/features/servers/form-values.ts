import type { ApiError, Server, ServerInput } from '../../../../preload/api';

/** The form's fields in screen order; errors focus the first of them that is wrong. */
export const FIELD_NAMES = ['name', 'host', 'port', 'user', 'group', 'tags'] as const;
export type FieldName = (typeof FIELD_NAMES)[number];

/** What the user typed, as typed. */
export type FormValues = Record<FieldName, string>;

export const EMPTY_FORM: FormValues = { name: '', host: '', port: '22', user: '', group: '', tags: '' };

export function formValuesOf(server: Server): FormValues {
  return {
    name: server.name,
    host: server.host,
    port: String(server.port),
    user: server.user,
    group: server.group ?? '',
    tags: server.tags.join(', '),
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
    name: values.name,
    host: values.host,
    port: port === '' ? undefined : /^[+-]?\d+(\.\d+)?$/.test(port) ? Number(port) : Number.NaN,
    user: values.user,
    tags: values.tags
      .split(',')
      .map((tag) => tag.trim())
      .filter((tag) => tag !== ''),
    group: values.group,
  };
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
