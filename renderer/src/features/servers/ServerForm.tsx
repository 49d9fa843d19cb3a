import { useId, useState, type FormEvent, type KeyboardEvent } from 'react';
import type { ApiError, Server } from '../../../../preload/api';
import { TextField } from '../../components/TextField';
import { useFormFocus } from '../../components/use-form-focus';
import { useAppStore } from '../../store/store-context';
import { AgentSection } from './AgentSection';
import {
  agentProblems,
  agentTokenChange,
  EMPTY_FORM,
  firstInvalidField,
  formErrors,
  formMessage,
  formValuesOf,
  toServerInput,
  type FieldName,
  type FormValues,
  type TextFieldName,
} from './form-values';
import { SshSection } from './SshSection';
import { TrustedHostKeys } from './TrustedHostKeys';

interface ServerFormProps {
  /** The server to edit, or null to add one. */
  server: Server | null;
  /** Called with the saved server, or with null when the user cancelled. */
  onDone(saved: Server | null): void;
}

type FieldErrors = Partial<Record<FieldName, string>>;

/** Sends what was typed to the main side, which owns the rules, and shows its answer next to each field. */
export function ServerForm({ server: opened, onDone }: ServerFormProps) {
  const saveServer = useAppStore((state) => state.saveServer);
  const setAgentToken = useAppStore((state) => state.setAgentToken);
  // Becomes the saved server when it was saved but its agent token was not: saving again must update it,
  // not add it a second time.
  const [saved, setSaved] = useState<Server | null>(null);
  const server = saved ?? opened;
  // Read live: setAgentToken announces the servers after its reply, and another window may change it too.
  const tokenSaved = useAppStore((state) => (server ? (state.servers.find((other) => other.id === server.id) ?? server).link.agentTokenSaved : false));
  const [values, setValues] = useState<FormValues>(() => (opened ? formValuesOf(opened) : EMPTY_FORM));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [message, setMessage] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const { inputs, focusAfterRender, mounted } = useFormFocus<FieldName>('name');
  const headingId = useId();

  const showProblems = (problem: ApiError) => {
    const fields = formErrors(problem.fields);
    setErrors(fields);
    setMessage(formMessage(problem));
    focusAfterRender.current = firstInvalidField(fields) ?? null;
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (saving) return;
    const problems = agentProblems(values, tokenSaved);
    if (Object.keys(problems).length > 0) {
      showProblems({ ok: false, code: 'VALIDATION', message: 'Please correct the highlighted fields.', fields: problems });
      return;
    }
    setSaving(true);
    const result = await saveServer(server?.id ?? null, toServerInput(values));
    const token = result.ok ? agentTokenChange(values, tokenSaved) : undefined;
    const tokenResult = result.ok && token !== undefined ? await setAgentToken(result.value.id, token) : null;
    // Cancelled while saving: the list shows the outcome; the form has nobody left to tell.
    if (!mounted.current) return;
    setSaving(false);
    if (!result.ok) {
      showProblems(result);
      return;
    }
    if (tokenResult && !tokenResult.ok) {
      setSaved(result.value);
      const where = tokenResult.code === 'VAULT_LOCKED' || tokenResult.code === 'VAULT_NOT_INITIALIZED' ? ' (on the Keys page)' : '';
      const reason = `${tokenResult.message.replace(/\.$/, '')}${where}`;
      setErrors({ agentToken: reason });
      setMessage(`${result.value.name} is saved, but its agent token is not: ${reason}. Fix it and save again.`);
      focusAfterRender.current = 'agentToken';
      return;
    }
    onDone(result.value);
  };

  const cancelOnEscape = (event: KeyboardEvent) => {
    if (event.key !== 'Escape') return;
    event.preventDefault();
    onDone(null);
  };

  const change = (patch: Partial<FormValues>, ...fields: FieldName[]) => {
    setValues((current) => ({ ...current, ...patch }));
    // The message belongs to what was sent; once the field changes it would mislead.
    setErrors((current) =>
      fields.some((name) => current[name]) ? { ...current, ...Object.fromEntries(fields.map((name) => [name, undefined])) } : current,
    );
  };

  const register =
    (...fields: FieldName[]) =>
    (element: HTMLElement | null) => {
      for (const name of fields) inputs.current[name] = element;
    };

  const field = (name: TextFieldName) => ({
    id: `server-${name}`,
    value: values[name],
    error: errors[name],
    inputRef: register(name),
    onChange: (value: string) => change({ [name]: value }, name),
  });

  return (
    <form
      className="panel server-form"
      aria-labelledby={headingId}
      aria-busy={saving || undefined}
      noValidate
      onSubmit={(event) => void submit(event)}
      onKeyDown={cancelOnEscape}
      data-testid="server-form"
    >
      <h2 id={headingId}>{server ? `Edit ${server.name}` : 'Add a server'}</h2>
      <div className="form-grid">
        <TextField {...field('name')} label="Name" required hint="How you will recognise it, e.g. web-1" />
        <TextField {...field('host')} label="Host" required hint="Host name or IP address" />
        <TextField {...field('port')} label="Port" inputMode="numeric" hint="SSH port, 22 unless changed" />
        <TextField {...field('user')} label="User" required hint="The account to log in as" />
        <TextField {...field('group')} label="Group" hint="Optional, e.g. production" />
        <TextField {...field('tags')} label="Tags" hint="Separated by commas, e.g. web, eu" />
      </div>
      <SshSection server={server} values={values} errors={errors} change={change} register={register} />
      <AgentSection server={server} tokenSaved={tokenSaved} values={values} errors={errors} change={change} register={register} />
      {server && <TrustedHostKeys server={server} />}
      <div className="form-actions">
        <p className="form-message" role="alert" data-testid="form-message">
          {message}
        </p>
        <button type="button" className="button" onClick={() => onDone(null)}>
          Cancel
        </button>
        <button type="submit" className="button primary" aria-disabled={saving || undefined}>
          {server ? 'Save changes' : 'Add server'}
        </button>
      </div>
    </form>
  );
}
