import { useId, useState, type FormEvent, type KeyboardEvent } from 'react';
import type { SavedCommand } from '../../../../preload/api';
import { TextField } from '../../components/TextField';
import { useFormFocus } from '../../components/use-form-focus';
import { useAppStore } from '../../store/store-context';
import { CheckboxField } from '../../components/CheckboxField';
import { SelectField } from '../../components/SelectField';
import { TextAreaField } from '../../components/TextAreaField';
import {
  EMPTY_SAVED_COMMAND,
  savedCommandErrorsOf,
  savedCommandValuesOf,
  toSavedCommandInput,
  type SavedCommandErrors,
  type SavedCommandField,
  type SavedCommandValues,
} from './saved-command-values';
import { targetOptions } from './targets';

interface SavedCommandFormProps {
  /** The command to edit, or null to save a new one. */
  command: SavedCommand | null;
  /** With the saved command, or null when cancelled. */
  onDone(saved: SavedCommand | null): void;
}

const FIELD_ORDER: SavedCommandField[] = ['name', 'line', 'script', 'target'];

export function SavedCommandForm({ command, onDone }: SavedCommandFormProps) {
  const servers = useAppStore((state) => state.servers);
  const saveCommand = useAppStore((state) => state.saveCommand);
  const [values, setValues] = useState<SavedCommandValues>(() => (command ? savedCommandValuesOf(command) : EMPTY_SAVED_COMMAND));
  const [errors, setErrors] = useState<SavedCommandErrors>({});
  const [message, setMessage] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const { inputs, focusAfterRender, mounted } = useFormFocus<SavedCommandField>('name');
  const headingId = useId();

  const showErrors = (next: SavedCommandErrors, text: string) => {
    setErrors(next);
    setMessage(text);
    focusAfterRender.current = FIELD_ORDER.find((field) => next[field]) ?? null;
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (saving) return;
    const built = toSavedCommandInput(values, command?.id ?? null);
    if (!built.ok) return showErrors(built.errors, 'Please correct the highlighted fields.');
    setSaving(true);
    const result = await saveCommand(built.input);
    if (!mounted.current) return;
    setSaving(false);
    if (result.ok) return onDone(result.value);
    showErrors(savedCommandErrorsOf(result, values.kind), result.message);
  };

  const change = (patch: Partial<SavedCommandValues>, field?: SavedCommandField) => {
    setValues((current) => ({ ...current, ...patch }));
    // A message belongs to what was sent; once its field changes it would mislead.
    if (field) setErrors((current) => (current[field] ? { ...current, [field]: undefined } : current));
  };

  const register = (field: SavedCommandField) => (element: HTMLElement | null) => {
    inputs.current[field] = element;
  };

  const cancelOnEscape = (event: KeyboardEvent) => {
    if (event.key !== 'Escape') return;
    event.preventDefault();
    onDone(null);
  };

  return (
    <form
      className="panel saved-command-form"
      aria-labelledby={headingId}
      aria-busy={saving || undefined}
      noValidate
      onSubmit={(event) => void submit(event)}
      onKeyDown={cancelOnEscape}
      data-testid="saved-command-form"
    >
      <h2 id={headingId}>{command ? `Edit ${command.name}` : 'Save a command'}</h2>
      <div className="form-grid">
        <TextField
          id="saved-command-name"
          label="Name"
          required
          value={values.name}
          error={errors.name}
          inputRef={register('name')}
          onChange={(name) => change({ name }, 'name')}
          hint="The button's label, e.g. restart nginx"
        />
        <SelectField
          id="saved-command-target"
          label="Runs on"
          value={values.target}
          options={targetOptions(servers, 'Choose a server or group…')}
          error={errors.target}
          selectRef={register('target')}
          onChange={(target) => change({ target }, 'target')}
          hint="Where a click on its button runs it"
        />
      </div>
      <fieldset className="form-section command-kind">
        <legend>What it runs</legend>
        <label>
          <input type="radio" name="saved-command-kind" checked={values.kind === 'argv'} onChange={() => change({ kind: 'argv' })} />
          A program with arguments (no shell)
        </label>
        <label>
          <input type="radio" name="saved-command-kind" checked={values.kind === 'script'} onChange={() => change({ kind: 'script' })} />
          A shell script (runs as <code>/bin/sh -c</code> on the server)
        </label>
      </fieldset>
      {values.kind === 'argv' ? (
        <TextAreaField
          id="saved-command-line"
          label="Command"
          rows={2}
          value={values.line}
          error={errors.line}
          textAreaRef={register('line')}
          onChange={(line) => change({ line }, 'line')}
          placeholder="systemctl restart nginx"
          hint="Split into arguments here, the way a shell splits words; quotes keep spaces. Nothing is expanded and no shell runs it: for pipes, variables or globs, choose a shell script."
        />
      ) : (
        <TextAreaField
          id="saved-command-script"
          label="Script"
          rows={5}
          value={values.script}
          error={errors.script}
          textAreaRef={register('script')}
          onChange={(script) => change({ script }, 'script')}
          placeholder={'df -h /\nfree -m'}
          hint="Given as one argument to /bin/sh -c on the server: pipes, variables and globs work as in a shell."
        />
      )}
      <CheckboxField
        id="saved-command-dangerous"
        label="Dangerous"
        checked={values.dangerous}
        onChange={(dangerous) => change({ dangerous })}
        hint="Asks for confirmation every time before it runs (rebooting, deleting, restarting production)."
      />
      <div className="form-actions">
        <p className="form-message" role="alert" data-testid="saved-command-message">
          {message}
        </p>
        <button type="button" className="button" onClick={() => onDone(null)}>
          Cancel
        </button>
        <button type="submit" className="button primary" aria-disabled={saving || undefined}>
          {command ? 'Save changes' : 'Save command'}
        </button>
      </div>
    </form>
  );
}
