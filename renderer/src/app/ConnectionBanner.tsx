import { useAppStore } from '../store/store-context';

/** Floats over the page (no layout shift) while the web console's line is down. */
export function ConnectionBanner() {
  const connection = useAppStore((state) => state.connection);
  if (connection === 'reconnecting') {
    return (
      <div className="connection-banner" role="status" data-testid="connection-banner">
        <span className="spinner" aria-hidden="true" />
        Reconnecting to the Lifeline web console…
      </div>
    );
  }
  if (connection === 'stopped') {
    return (
      <div className="connection-banner stopped" role="alert" data-testid="connection-banner">
        The web console stopped: start it again and open the new link it prints.
      </div>
    );
  }
  return null;
}
