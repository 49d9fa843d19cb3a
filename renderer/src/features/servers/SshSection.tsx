import { useMemo } from 'react';
import type { AuthMethod, HostKeyChecking, Server } from '../../../../preload/api';
import { TextField } from '../../components/TextField';
import { useAppStore } from '../../store/store-context';
import { jumpServerChoices, type FieldName, type FormValues } from './form-values';
import { CheckboxField } from '../../components/CheckboxField';
import { SelectField, type SelectOption } from '../../components/SelectField';
import { ServerPasswordField } from './ServerPasswordField';

interface SshSectionProps {
  /** The server being edited, or null for a new one. */
  server: Server | null;
  values: FormValues;
  errors: Partial<Record<FieldName, string>>;
  /** Applies a change and clears the listed fields' errors, which described what was sent before. */
  change(patch: Partial<FormValues>, ...fields: FieldName[]): void;
  /** Where focus goes when the main side reports the field as wrong. */
  register(...fields: FieldName[]): (element: HTMLElement | null) => void;
}

const AUTH_LABELS: Record<AuthMethod, string> = {
  agent: 'SSH agent',
  password: 'Password',
  'keyboard-interactive': 'Keyboard-interactive (prompts)',
  key: 'Key from the vault',
};

const AUTH_ORDER: AuthMethod[] = ['agent', 'key', 'password', 'keyboard-interactive'];

const HOST_KEY_OPTIONS: Array<SelectOption<HostKeyChecking>> = [
  { value: 'ask', label: 'Ask me (recommended)' },
  { value: 'accept-new', label: 'Trust on first use' },
  { value: 'yes', label: 'Only keys already trusted' },
  { value: 'no', label: 'Accept new keys without asking' },
];

/** How the server is reached: authentication, jump server, host key checking, tmux, agent forwarding and logging. */
export function SshSection({ server, values, errors, change, register }: SshSectionProps) {
  const servers = useAppStore((state) => state.servers);
  const jumpOptions = useMemo(
    () => [
      { value: '', label: 'None: connect directly' },
      ...jumpServerChoices(servers, server).map((choice) => ({ value: choice.id, label: choice.label })),
    ],
    [servers, server],
  );
  const keys = useAppStore((state) => state.keys);
  const keyAuth = values.auth === 'key';
  // A vault key is offered once the vault has one; a server that already uses a key keeps the choice.
  const authOptions = AUTH_ORDER.filter((value) => value !== 'key' || keyAuth || keys.length > 0).map((value) => ({ value, label: AUTH_LABELS[value] }));
  const keyId = values.kept.keyId ?? '';
  const keyOptions = useMemo(() => {
    const options = keys.map((key) => ({ value: key.id, label: `${key.name} (${key.type}, ${key.fingerprint.slice(0, 19)}…)` }));
    if (keyId !== '' && !keys.some((key) => key.id === keyId)) options.push({ value: keyId, label: 'A key that is no longer in the vault' });
    return keyId === '' ? [{ value: '', label: 'Choose a key' }, ...options] : options;
  }, [keys, keyId]);

  const chooseAuth = (auth: AuthMethod) => {
    // Switching to a key picks the first one, so the choice is never empty when there is something to choose.
    const firstKey = auth === 'key' && keyId === '' ? keys[0]?.id : undefined;
    change(firstKey ? { auth, kept: { ...values.kept, keyId: firstKey } } : { auth }, 'auth', 'keyId');
  };

  return (
    <fieldset className="form-section">
      <legend>SSH</legend>
      <div className="form-grid">
        <SelectField
          id="server-auth"
          label="Authentication"
          value={values.auth}
          options={authOptions}
          onChange={chooseAuth}
          error={errors.auth ?? (keyAuth ? undefined : errors.keyId)}
          hint="How Lifeline logs in"
          selectRef={register(...(keyAuth ? (['auth'] as const) : (['auth', 'keyId'] as const)))}
        />
        {keyAuth && (
          <SelectField
            id="server-keyId"
            label="Key"
            value={keyId}
            options={keyOptions}
            onChange={(chosen) => change({ kept: { ...values.kept, keyId: chosen === '' ? null : chosen } }, 'keyId')}
            error={errors.keyId}
            hint="Generated or imported on the Keys page"
            selectRef={register('keyId')}
          />
        )}
        {values.auth === 'password' && <ServerPasswordField server={server} />}
        <SelectField
          id="server-jumpServerId"
          label="Jump server"
          value={values.jumpServerId}
          options={jumpOptions}
          onChange={(jumpServerId) => change({ jumpServerId }, 'jumpServerId')}
          error={errors.jumpServerId}
          hint="Connect through another server (ProxyJump)"
          selectRef={register('jumpServerId')}
        />
        <SelectField
          id="server-strictHostKeyChecking"
          label="Host key checking"
          value={values.strictHostKeyChecking}
          options={HOST_KEY_OPTIONS}
          onChange={(strictHostKeyChecking) => change({ strictHostKeyChecking }, 'strictHostKeyChecking')}
          error={errors.strictHostKeyChecking}
          hint="For a host key Lifeline has not seen before"
          selectRef={register('strictHostKeyChecking')}
        />
        <TextField
          id="server-tmuxSession"
          label="tmux session"
          value={values.tmuxSession}
          onChange={(tmuxSession) => change({ tmuxSession }, 'tmuxSession')}
          error={errors.tmuxSession}
          hint="Optional: terminals attach to it, e.g. main"
          inputRef={register('tmuxSession')}
        />
        <CheckboxField
          id="server-agentForwarding"
          label="Forward my ssh-agent"
          checked={values.agentForwarding}
          onChange={(agentForwarding) => change({ agentForwarding })}
          hint="Lets commands on the server use your local keys; only for servers you trust"
        />
        <CheckboxField
          id="server-sessionLog"
          label="Keep a session log"
          checked={values.sessionLog}
          onChange={(sessionLog) => change({ sessionLog })}
          hint="Each terminal's raw transcript goes to logs/ in the data folder"
        />
      </div>
    </fieldset>
  );
}
