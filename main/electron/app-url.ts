// The renderer is served from a privileged custom scheme (protocol.ts) instead of file://, so the app has
// one real origin that the navigation rules, the IPC sender checks and the CSP can all name exactly.
export const APP_SCHEME = 'lifeline';
export const APP_HOST = 'app';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_START_URL = `${APP_ORIGIN}/index.html`;

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/** True when `url` is a page of the app itself (`lifeline://app/…`), compared part by part, not by prefix. */
export function isAppUrl(url: string): boolean {
  const parsed = parse(url);
  // WHATWG URL gives non-special schemes the opaque origin "null", so the parts are compared instead;
  // `host` includes any port, so `lifeline://app:1/` is not ours either.
  return (
    parsed !== null &&
    parsed.protocol === `${APP_SCHEME}:` &&
    parsed.host === APP_HOST &&
    parsed.username === '' &&
    parsed.password === ''
  );
}

/**
 * True when a link the page tried to open in a new window may go to the system browser: https only
 * (file:, javascript:, custom schemes and plain http could run or leak something locally), with a host
 * and without credentials, which exist mostly to disguise where a link really goes.
 */
export function isExternalLinkAllowed(url: string): boolean {
  const parsed = parse(url);
  return (
    parsed !== null &&
    parsed.protocol === 'https:' &&
    parsed.hostname !== '' &&
    parsed.username === '' &&
    parsed.password === ''
  );
}
