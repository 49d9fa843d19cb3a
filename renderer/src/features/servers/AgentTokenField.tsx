import type { FieldName, FormValues } from './form-values';

interface AgentTokenFieldProps {
  /** Whether the vault holds a token for this server now. */
  saved: boolean;
  values: Pick<FormValues, 'agentToken' | 'tokenEdit'>;
  error?: string;
  change(patch: Partial<FormValues>, ...fields: FieldName[]): void;
  register(...fields: FieldName[]): (element: HTMLElement | null) => void;
}

/**
 * The agent's bridge token, write-only: the form never holds the saved one. It says whether one is saved
 * and lets the user replace or clear it; ServerForm sends the change once the server itself is saved.
 */
export function AgentTokenField({ saved, values, error, change, register }: AgentTokenFieldProps) {
  const errorLine = (
    <p id="server-agentToken-error" className="field-error">
      {error}
    </p>
  );

  if (saved && values.tokenEdit !== 'replace') {
    const clearing = values.tokenEdit === 'clear';
    return (
      <div className="field agent-token">
        <span className="field-label" id="server-agentToken-label">
          Agent token
        </span>
        <p className="agent-token-status" data-testid="agent-token-status" data-saved={!clearing} role="status">
          {clearing ? 'The saved token will be forgotten when you save.' : 'Token saved in the vault.'}
        </p>
        <div className="inline-field" role="group" aria-labelledby="server-agentToken-label">
          {clearing ? (
            <button type="button" className="button small" ref={register('agentToken')} onClick={() => change({ tokenEdit: 'keep' }, 'agentToken')}>
              Keep token
            </button>
          ) : (
            <>
              <button type="button" className="button small" ref={register('agentToken')} onClick={() => change({ tokenEdit: 'replace', agentToken: '' }, 'agentToken')}>
                Replace token
              </button>
              <button type="button" className="button small danger-quiet" onClick={() => change({ tokenEdit: 'clear', agentToken: '' }, 'agentToken')}>
                Clear token
              </button>
            </>
          )}
        </div>
        {errorLine}
      </div>
    );
  }

  return (
    <div className="field agent-token">
      <label htmlFor="server-agentToken">Agent token</label>
      <div className="inline-field">
        <input
          id="server-agentToken"
          type="password"
          // Not a login password: keep password managers from filling it in.
          autoComplete="new-password"
          spellCheck={false}
          ref={register('agentToken')}
          value={values.agentToken}
          onChange={(event) => change({ agentToken: event.target.value }, 'agentToken', 'link')}
          aria-invalid={error ? true : undefined}
          aria-describedby={`${error ? 'server-agentToken-error ' : ''}server-agentToken-hint`}
        />
        {saved && (
          <button type="button" className="button small" onClick={() => change({ tokenEdit: 'keep', agentToken: '' }, 'agentToken')}>
            Keep saved token
          </button>
        )}
      </div>
      <p id="server-agentToken-hint" className="field-hint">
        {saved ? 'Replaces the saved token when you save' : "The agent's bridge.token; saved in the vault with the server, never shown again"}
      </p>
      {errorLine}
    </div>
  );
}
