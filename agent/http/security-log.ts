/** A refused webhook request, as the security log records it. Never the secret or the signature. */
export interface Refusal {
  requestId: string;
  /** The hook id from the URL, as given (cut to 64 characters when no hook has it). */
  hook: string;
  /** The client address (after trusted proxies). */
  ip: string;
  /** A stable code: unknown-hook, address-not-allowed, rate-limited, missing-signature, malformed-signature, bad-signature. */
  reason: string;
  status: number;
}

/** One JSON line per refusal, so that fail2ban-style tools and log shippers can read it. */
export function refusalLine(time: number, refusal: Refusal): string {
  return JSON.stringify({ time: new Date(time).toISOString(), type: 'webhook-refused', ...refusal });
}
