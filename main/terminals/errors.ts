import type { ErrorCode } from '../../preload/api';

/** A refused terminal request; `code` is the contract's, so the API layer passes it on as is. */
export class TerminalError extends Error {
  override readonly name = 'TerminalError';

  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export const TERMINAL_SIZE = { minCols: 2, maxCols: 1000, minRows: 1, maxRows: 1000 } as const;

/** Throws VALIDATION unless cols × rows is a size a PTY and a screen can have. */
export function checkTerminalSize(cols: number, rows: number): void {
  const { minCols, maxCols, minRows, maxRows } = TERMINAL_SIZE;
  if (!Number.isInteger(cols) || cols < minCols || cols > maxCols || !Number.isInteger(rows) || rows < minRows || rows > maxRows) {
    throw new TerminalError('VALIDATION', `A terminal is ${minCols}–${maxCols} columns by ${minRows}–${maxRows} rows (whole numbers); got ${cols} × ${rows}. Resize the window or report this as a bug.`);
  }
}
