import type { ApiError, LinkLayer, RunCommandInput, RunTarget } from '../../../../preload/api';
import { splitCommandLine } from './command-line';
import { targetOf } from './targets';

/** Chosen servers, as a target select value. */
export const CHOSEN_SERVERS = 'chosen';
export const DEFAULT_CONCURRENCY = 10;
const MAX_CONCURRENCY = 100;
const MAX_TIMEOUT_SECONDS = 86_400;

/** What the ad-hoc run form holds, as typed. */
export interface RunFormValues {
  /** The command as one line, split like a shell splits words (see command-line.ts). */
  line: string;
  /** A TargetValue, or CHOSEN_SERVERS; '' before anything is chosen. */
  target: string;
  /** Server ids, when `target` is CHOSEN_SERVERS. */
  chosen: string[];
  concurrency: string;
  /** '' for failover over each server's layers. */
  layer: LinkLayer | '';
  /** Seconds; '' for the agent's default. */
  timeout: string;
}

export type RunFormField = 'line' | 'target' | 'concurrency' | 'layer' | 'timeout';
export type RunFormErrors = Partial<Record<RunFormField, string>>;

export const EMPTY_RUN_FORM: RunFormValues = { line: '', target: '', chosen: [], concurrency: String(DEFAULT_CONCURRENCY), layer: '', timeout: '' };

/**
 * The form as a runCommand input, or what to fix. The line is split here (the main side only ever sees
 * argv); numbers are checked here too, so a typo is named next to its field before anything is sent.
 */
export function toRunInput(values: RunFormValues): { ok: true; input: RunCommandInput; label: string } | { ok: false; errors: RunFormErrors } {
  const errors: RunFormErrors = {};
  const split = splitCommandLine(values.line);
  if (!split.ok) errors.line = split.error;

  let target: RunTarget | null = null;
  if (values.target === CHOSEN_SERVERS) {
    if (values.chosen.length === 0) errors.target = 'Tick at least one server below, or choose a server or group.';
    else target = { serverIds: [...values.chosen] };
  } else {
    target = targetOf(values.target);
    if (!target) errors.target = 'Choose where to run it: a server, a group, or servers you tick.';
  }

  const concurrency = wholeNumber(values.concurrency);
  if (concurrency === null || concurrency < 1 || concurrency > MAX_CONCURRENCY) {
    errors.concurrency = `Type a whole number from 1 to ${MAX_CONCURRENCY}: how many servers run it at once.`;
  }

  let timeoutSeconds: number | undefined;
  if (values.timeout.trim() !== '') {
    const seconds = wholeNumber(values.timeout);
    if (seconds === null || seconds < 1 || seconds > MAX_TIMEOUT_SECONDS) {
      errors.timeout = `Type a whole number of seconds from 1 to ${MAX_TIMEOUT_SECONDS}, or leave it empty for the agent's default.`;
    } else timeoutSeconds = seconds;
  }

  if (!split.ok || !target || concurrency === null || Object.keys(errors).length > 0) return { ok: false, errors };
  const input: RunCommandInput = {
    argv: split.argv,
    target,
    concurrency,
    ...(values.layer ? { layer: values.layer } : {}),
    ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}),
  };
  return { ok: true, input, label: values.line.trim() };
}

/** The main side's field names, as this form's. */
export function runFormErrorsOf(error: ApiError): RunFormErrors {
  const fields = error.fields ?? {};
  const errors: RunFormErrors = {};
  if (fields.argv) errors.line = fields.argv;
  if (fields.target ?? fields.serverIds) errors.target = fields.target ?? fields.serverIds;
  if (fields.concurrency) errors.concurrency = fields.concurrency;
  if (fields.layer) errors.layer = fields.layer;
  if (fields.timeoutSeconds) errors.timeout = fields.timeoutSeconds;
  return errors;
}

function wholeNumber(text: string): number | null {
  const trimmed = text.trim();
  return /^\d{1,9}$/.test(trimmed) ? Number(trimmed) : null;
}
