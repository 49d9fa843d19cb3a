import { useState, type FormEvent } from 'react';
import { TextField } from '../../components/TextField';
import { useFormFocus } from '../../components/use-form-focus';
import { useAppStore } from '../../store/store-context';
import { SelectField, type SelectOption } from '../../components/SelectField';
import { LINK_LAYERS } from '../servers/form-values';
import { CHOSEN_SERVERS, EMPTY_RUN_FORM, runFormErrorsOf, toRunInput, type RunFormErrors, type RunFormField, type RunFormValues } from './run-form-values';
import { targetOptions } from './targets';

const FIELD_ORDER: RunFormField[] = ['line', 'target', 'concurrency', 'layer', 'timeout'];

const LAYER_OPTIONS: SelectOption<RunFormValues['layer']>[] = [
  { value: '', label: "Failover (each server's order)" },
  ...LINK_LAYERS.map((layer) => ({ value: layer, label: `Only ${layer}` })),
];

interface RunFormProps {
  /** Says what happened to the page. */
  onNotice(notice: string, problem: boolean): void;
}

/** An ad-hoc command on a server, a group or ticked servers, at most `concurrency` at once. */
export function RunForm({ onNotice }: RunFormProps) {
  const servers = useAppStore((state) => state.servers);
  const runCommand = useAppStore((state) => state.runCommand);
  const [values, setValues] = useState<RunFormValues>(EMPTY_RUN_FORM);
  const [errors, setErrors] = useState<RunFormErrors>({});
  const [running, setRunning] = useState(false);
  const { inputs, focusAfterRender, mounted } = useFormFocus<RunFormField>(null);

  const showErrors = (next: RunFormErrors) => {
    setErrors(next);
    focusAfterRender.current = FIELD_ORDER.find((field) => next[field]) ?? null;
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (running) return;
    const built = toRunInput(values);
    if (!built.ok) {
      // The fields say what to fix; an older "Started …" would read as if this one ran.
      onNotice('', false);
      return showErrors(built.errors);
    }
    setRunning(true);
    const result = await runCommand(built.input, built.label);
    if (!mounted.current) return;
    setRunning(false);
    if (result.ok) {
      setErrors({});
      const count = result.value.servers.length;
      onNotice(`Started ${built.label} on ${count} server${count === 1 ? '' : 's'}.`, false);
      return;
    }
    showErrors(runFormErrorsOf(result));
    onNotice(`Did not run: ${result.message}`, true);
  };

  const change = (patch: Partial<RunFormValues>, field: RunFormField) => {
    setValues((current) => ({ ...current, ...patch }));
    setErrors((current) => (current[field] ? { ...current, [field]: undefined } : current));
  };

  const register = (field: RunFormField) => (element: HTMLElement | null) => {
    inputs.current[field] = element;
  };

  const toggle = (serverId: string, on: boolean) =>
    change({ chosen: on ? [...values.chosen, serverId] : values.chosen.filter((id) => id !== serverId) }, 'target');

  if (servers.length === 0) {
    return (
      <p className="panel muted run-form" data-testid="commands-no-servers">
        Add a server on the Servers page first; commands run on your servers through their agents.
      </p>
    );
  }

  return (
    <form className="panel run-form" aria-labelledby="run-form-heading" aria-busy={running || undefined} noValidate onSubmit={(event) => void submit(event)} data-testid="run-form">
      <h2 id="run-form-heading">Run a command</h2>
      <TextField
        id="run-line"
        label="Command"
        required
        value={values.line}
        error={errors.line}
        inputRef={register('line')}
        onChange={(line) => change({ line }, 'line')}
        placeholder="uptime"
        hint="Split into arguments the way a shell splits words (quotes keep spaces), then run without a shell: nothing is expanded. For pipes or variables, run sh -c '…' or save a script."
      />
      <div className="form-grid">
        <SelectField
          id="run-target"
          label="Run on"
          value={values.target}
          options={[...targetOptions(servers, 'Choose a server or group…'), { value: CHOSEN_SERVERS, label: 'Servers I tick…' }]}
          error={errors.target}
          selectRef={register('target')}
          onChange={(target) => change({ target }, 'target')}
        />
        <TextField
          id="run-concurrency"
          label="At once"
          inputMode="numeric"
          value={values.concurrency}
          error={errors.concurrency}
          inputRef={register('concurrency')}
          onChange={(concurrency) => change({ concurrency }, 'concurrency')}
          hint="How many servers run it at the same time, 1–100"
        />
        <SelectField
          id="run-layer"
          label="Layer"
          value={values.layer}
          options={LAYER_OPTIONS}
          error={errors.layer}
          selectRef={register('layer')}
          onChange={(layer) => change({ layer }, 'layer')}
          hint="Failover tries the next layer when one fails; the agent runs a command once at most"
        />
        <TextField
          id="run-timeout"
          label="Time limit (seconds)"
          inputMode="numeric"
          value={values.timeout}
          error={errors.timeout}
          inputRef={register('timeout')}
          onChange={(timeout) => change({ timeout }, 'timeout')}
          hint="Empty: the agent's default"
        />
      </div>
      {values.target === CHOSEN_SERVERS && (
        <fieldset className="form-section server-picks" data-testid="run-server-picks">
          <legend>
            Servers ({values.chosen.length} of {servers.length} ticked)
          </legend>
          <div className="server-picks-actions">
            <button type="button" className="button small" onClick={() => change({ chosen: servers.map((server) => server.id) }, 'target')}>
              Tick all
            </button>
            <button type="button" className="button small" onClick={() => change({ chosen: [] }, 'target')}>
              Untick all
            </button>
          </div>
          <ul className="server-pick-list">
            {servers.map((server) => (
              <li key={server.id}>
                <label>
                  <input type="checkbox" checked={values.chosen.includes(server.id)} onChange={(event) => toggle(server.id, event.target.checked)} />
                  {server.name}
                </label>
              </li>
            ))}
          </ul>
        </fieldset>
      )}
      <div className="form-actions">
        <button type="submit" className="button primary" aria-disabled={running || undefined} data-testid="run-submit">
          {running && <span className="spinner" aria-hidden="true" />}
          Run
        </button>
      </div>
    </form>
  );
}
