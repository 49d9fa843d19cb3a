import { useEffect, useState } from 'react';
import type { TerminalInfo } from '../../../../preload/api';
import { useAppStore } from '../../store/store-context';

/** The shown tab's state in words, with the action that helps: reconnect now, or reattach the stream. */
export function TerminalStatus({ terminal, onReattach }: { terminal: TerminalInfo; onReattach(): void }) {
  const detached = useAppStore((state) => state.detached[terminal.id]);
  const reconnect = useAppStore((state) => state.reconnectTerminal);
  const [problem, setProblem] = useState<string | null>(null);

  const reconnectNow = async () => {
    const result = await reconnect(terminal.id);
    setProblem(result.ok ? null : result.message);
  };

  if (detached) {
    return (
      <div className="terminal-status warning" role="status" data-testid="terminal-status">
        <span>{detached}</span>
        <button type="button" className="button small" onClick={onReattach}>
          Reattach
        </button>
      </div>
    );
  }
  const canReconnect = terminal.state === 'reconnecting' || terminal.state === 'failed' || terminal.state === 'closed';
  return (
    <div className={`terminal-status state-${terminal.state}`} role="status" data-testid="terminal-status">
      <span>
        {describe(terminal)}
        {terminal.state === 'reconnecting' && terminal.retryAt && <RetryCountdown at={terminal.retryAt} />}
        {terminal.message && ` ${terminal.message}`}
        {problem && ` ${problem}`}
      </span>
      {canReconnect && (
        <button type="button" className="button small" onClick={() => void reconnectNow()}>
          {terminal.state === 'reconnecting' ? 'Reconnect now' : 'Reconnect'}
        </button>
      )}
    </div>
  );
}

function describe(terminal: TerminalInfo): string {
  switch (terminal.state) {
    case 'connecting':
      return 'Connecting…';
    case 'connected':
      return terminal.tmuxSession ? `Connected, in tmux session ${terminal.tmuxSession}.` : 'Connected.';
    case 'reconnecting':
      return 'Connection lost; reconnecting';
    case 'closed':
      return 'The shell has ended.';
    case 'failed':
      return 'Could not connect.';
  }
}

/** " in 7 s." until the retry time, ticking once a second while shown. */
function RetryCountdown({ at }: { at: string }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  const seconds = Math.max(0, Math.ceil((Date.parse(at) - now) / 1000));
  return <>{seconds > 0 ? ` in ${seconds} s.` : ' now.'}</>;
}
