import { useMemo } from 'react';
import type { AuthMethod, HostKeyChecking, Server } from '../../../../preload/api';
import { TextField } from '../../components/TextField';
import { useAppStore } from '../../store/store-context';
import { jumpServerChoices, type FieldName, type FormValues } from './form-values';
import { SelectField, type SelectOption } from './SelectField';

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

// A vault key is chosen in the key vault, not here; a server that already uses one keeps it.
const CHOOSABLE_AUTH: AuthMethod[] = ['agent', 'password', 'keyboard-interactive'];

const HOST_KEY_OPTIONS: Array<SelectOption<HostKeyChecking>> = [
  { value: 'ask', label: 'Ask me (recommended)' },
  { value: 'accept-new', label: 'Trust on first use' },
  { value: 'yes', label: 'Only keys already trusted' },
  { value: 'no', label: 'Accept new keys without asking' },
];

/** How the server is reached: authentication, jump server, host key checking and tmux. */
export function SshSection({ server, values, errors, change, register }: SshSectionProps) {
  const servers = useAppStore((state) => state.servers);
  const jumpOptions = useMemo(
    () => [
      { value: '', label: 'None: connect directly' },
      ...jumpServerChoices(servers, server).map((choice) => ({ value: choice.id, label: choice.label })),
    ],
    [servers, server],
  );
  const keyAuth = values.auth === 'key';
  const authOptions = (keyAuth ? (['key'] as const) : CHOOSABLE_AUTH).map((value) => ({ value, label: AUTH_LABELS[value] }));

  return (
    <fieldset className="form-section">
      <legend>SSH</legend>
      <div className="form-grid">
        <SelectField
          id="server-auth"
          label="Authentication"
          value={values.auth}
          options={authOptions}
          onChange={(auth) => change({ auth }, 'auth', 'keyId')}
          error={errors.auth ?? errors.keyId}
          hint={keyAuth ? 'Set in the key vault, and kept as it is here' : 'How Lifeline logs in'}
          selectRef={register('auth', 'keyId')}
        />
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
      </div>
    </fieldset>
  );
}
