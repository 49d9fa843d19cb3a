/** Why the web console could not start. The CLI prints `message` as is and exits with status 2. */
export type WebConsoleErrorCode =
  | 'PORT_IN_USE'
  | 'REMOTE_NOT_ALLOWED'
  | 'TLS_REQUIRED'
  | 'TLS_UNREADABLE'
  | 'LISTEN_FAILED'
  | 'RENDERER_MISSING';

export class WebConsoleError extends Error {
  override readonly name = 'WebConsoleError';

  constructor(
    readonly code: WebConsoleErrorCode,
    message: string,
  ) {
    super(message);
  }
}
