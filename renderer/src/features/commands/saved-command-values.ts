import type { ApiError, SavedCommand, SavedCommandInput } from '../../../../preload/api';
import { joinCommandLine, splitCommandLine } from './command-line';
import { targetOf, targetValue } from './targets';

/** What the saved command form holds, as typed. */
export interface SavedCommandValues {
  name: string;
  /** argv: a command line split here, run without a shell. script: run as `/bin/sh -c` on the server. */
  kind: 'argv' | 'script';
  line: string;
  script: string;
  /** A TargetValue; '' before one is chosen. */
  target: string;
  dangerous: boolean;
}

export type SavedCommandField = 'name' | 'line' | 'script' | 'target';
export type SavedCommandErrors = Partial<Record<SavedCommandField, string>>;

export const EMPTY_SAVED_COMMAND: SavedCommandValues = { name: '', kind: 'argv', line: '', script: '', target: '', dangerous: false };

export function savedCommandValuesOf(command: SavedCommand): SavedCommandValues {
  return {
    name: command.name,
    kind: command.script !== null ? 'script' : 'argv',
    line: command.argv ? joinCommandLine(command.argv) : '',
    script: command.script ?? '',
    // A deleted target leaves the choice empty, so the form asks for a new one.
    target: command.target ? targetValue(command.target) : '',
    dangerous: command.dangerous,
  };
}

/** The form as a saveCommand input, or what to fix; the name and the script's rules are the main side's. */
export function toSavedCommandInput(values: SavedCommandValues, id: string | null): { ok: true; input: SavedCommandInput } | { ok: false; errors: SavedCommandErrors } {
  const errors: SavedCommandErrors = {};
  const target = targetOf(values.target);
  if (!target) errors.target = 'Choose the server or group it runs on when its button is clicked.';
  let command: Pick<SavedCommandInput, 'argv' | 'script'> = { script: values.script };
  if (values.kind === 'argv') {
    const split = splitCommandLine(values.line);
    if (split.ok) command = { argv: split.argv };
    else errors.line = split.error;
  }
  if (!target || Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, input: { ...(id ? { id } : {}), name: values.name, ...command, target, dangerous: values.dangerous } };
}

/** The main side's field names, as this form's: its either-argv-or-script message lands on the box shown. */
export function savedCommandErrorsOf(error: ApiError, kind: SavedCommandValues['kind']): SavedCommandErrors {
  const fields = error.fields ?? {};
  const errors: SavedCommandErrors = {};
  if (fields.name) errors.name = fields.name;
  if (fields.target) errors.target = fields.target;
  const commandError = kind === 'argv' ? fields.argv : (fields.script ?? fields.argv);
  if (commandError) errors[kind === 'argv' ? 'line' : 'script'] = commandError;
  return errors;
}
