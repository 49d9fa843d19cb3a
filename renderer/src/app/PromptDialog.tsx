import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import type { PendingPrompt, PromptAnswer } from '../../../preload/api';
import { useAppStore } from '../store/store-context';

/**
 * The main side's questions (an unknown host key, a login's prompts), one at a time, oldest first, as a
 * modal over whatever page is open. Cancel is the default: Enter or Escape alone never trusts a key.
 */
export function PromptDialog() {
  const prompt = useAppStore((state) => state.prompts[0]);
  // Keyed by id: a new question starts from empty answers and a fresh focus.
  return prompt ? <PromptModal key={prompt.id} prompt={prompt} /> : null;
}

function PromptModal({ prompt }: { prompt: PendingPrompt }) {
  const answerPrompt = useAppStore((state) => state.answerPrompt);
  const servers = useAppStore((state) => state.servers);
  const dialog = useRef<HTMLDialogElement>(null);
  const focusFirst = useRef<HTMLButtonElement | HTMLInputElement | null>(null);
  const answered = useRef(false);
  const [values, setValues] = useState<string[]>(() => (prompt.kind === 'credentials' ? prompt.prompts.map(() => '') : []));
  const [problem, setProblem] = useState<string | null>(null);
  const titleId = useId();
  const server = servers.find((candidate) => candidate.id === prompt.serverId);

  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    element.showModal();
    focusFirst.current?.focus();
    return () => {
      if (element.open) element.close();
    };
  }, []);

  const answer = async (reply: PromptAnswer) => {
    if (answered.current) return;
    answered.current = true;
    const result = await answerPrompt(prompt.id, reply);
    // Settled elsewhere first is fine: the list update closes this dialog.
    if (!result.ok && result.code !== 'NOT_FOUND') {
      answered.current = false;
      setProblem(result.message);
    }
  };
  const cancel: PromptAnswer = prompt.kind === 'host-key' ? { kind: 'host-key', decision: 'cancel' } : { kind: 'credentials', values: null };

  const submitCredentials = (event: FormEvent) => {
    event.preventDefault();
    void answer({ kind: 'credentials', values });
  };

  return (
    <dialog
      ref={dialog}
      className="dialog prompt-dialog"
      aria-labelledby={titleId}
      data-testid="prompt-dialog"
      onCancel={(event) => {
        event.preventDefault();
        void answer(cancel);
      }}
    >
      {prompt.kind === 'host-key' ? (
        <>
          <h2 id={titleId}>Unknown host key</h2>
          <div className="dialog-body">
            <p>
              {server ? `${server.name}: ` : ''}
              <code>
                {prompt.host}:{prompt.port}
              </code>{' '}
              presented a key Lifeline has not seen before. Check the fingerprint with the server's administrator before trusting it.
            </p>
            <dl className="key-facts">
              <dt>Key type</dt>
              <dd>{prompt.keyType}</dd>
              <dt>Fingerprint</dt>
              <dd>
                <code data-testid="prompt-fingerprint">{prompt.fingerprint}</code>
              </dd>
              {prompt.otherKeys.map((other) => (
                <div key={other.keyType}>
                  <dt>Already known ({other.keyType})</dt>
                  <dd>
                    <code>{other.fingerprint}</code>
                  </dd>
                </div>
              ))}
            </dl>
          </div>
          <p className="form-message" role="alert">
            {problem}
          </p>
          <div className="dialog-actions">
            <button ref={(element) => void (focusFirst.current = element)} type="button" className="button" onClick={() => void answer(cancel)}>
              Cancel
            </button>
            <button type="button" className="button" onClick={() => void answer({ kind: 'host-key', decision: 'once' })}>
              Accept once
            </button>
            <button type="button" className="button primary" onClick={() => void answer({ kind: 'host-key', decision: 'remember' })}>
              Accept and remember
            </button>
          </div>
        </>
      ) : (
        <form noValidate onSubmit={submitCredentials}>
          <h2 id={titleId}>{prompt.title || `Log in${server ? ` to ${server.name}` : ''}`}</h2>
          <div className="dialog-body">
            {prompt.instructions && <p>{prompt.instructions}</p>}
            {prompt.prompts.map((question, index) => (
              <div className="field" key={index}>
                <label htmlFor={`${prompt.id}-${index}`}>{question.label}</label>
                <input
                  id={`${prompt.id}-${index}`}
                  ref={index === 0 ? (element) => void (focusFirst.current = element) : undefined}
                  type={question.echo ? 'text' : 'password'}
                  autoComplete="off"
                  spellCheck={false}
                  value={values[index] ?? ''}
                  onChange={(event) => setValues((current) => current.map((value, i) => (i === index ? event.target.value : value)))}
                />
              </div>
            ))}
          </div>
          <p className="form-message" role="alert">
            {problem}
          </p>
          <div className="dialog-actions">
            <button ref={prompt.prompts.length === 0 ? (element) => void (focusFirst.current = element) : undefined} type="button" className="button" onClick={() => void answer(cancel)}>
              Cancel
            </button>
            <button type="submit" className="button primary">
              Log in
            </button>
          </div>
        </form>
      )}
    </dialog>
  );
}
