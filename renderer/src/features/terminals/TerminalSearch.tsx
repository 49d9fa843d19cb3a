import { useEffect, useRef, useState, type KeyboardEvent } from 'react';

interface TerminalSearchProps {
  find(term: string, backwards: boolean): boolean;
  onClose(): void;
}

/** The search bar of the shown terminal (Ctrl+Shift+F): Enter finds the next match, Shift+Enter the previous. */
export function TerminalSearch({ find, onClose }: TerminalSearchProps) {
  const input = useRef<HTMLInputElement>(null);
  const [term, setTerm] = useState('');
  const [missing, setMissing] = useState(false);

  useEffect(() => input.current?.focus(), []);

  const search = (backwards: boolean) => {
    if (term) setMissing(!find(term, backwards));
  };
  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'Enter') {
      event.preventDefault();
      search(event.shiftKey);
    } else if (event.key === 'Escape') {
      event.preventDefault();
      onClose();
    }
  };

  return (
    <div className="terminal-search" role="search" data-testid="terminal-search">
      <input ref={input} aria-label="Find in terminal" value={term} onChange={(event) => setTerm(event.target.value)} onKeyDown={onKeyDown} spellCheck={false} />
      <button type="button" className="button small" onClick={() => search(true)}>
        Previous
      </button>
      <button type="button" className="button small" onClick={() => search(false)}>
        Next
      </button>
      <span className="muted" role="status">
        {missing ? 'No match.' : ''}
      </span>
      <button type="button" className="button small" onClick={onClose}>
        Close
      </button>
    </div>
  );
}
