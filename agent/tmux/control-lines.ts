// tmux control mode (`tmux -C`) speaks in lines. Notifications start with "%"; a command's answer is the
// lines between "%begin TIME NUMBER FLAGS" and "%end" or "%error" with the same three words. Pane output
// escapes bytes below 0x20 and "\" as "\ooo" octal and passes every other byte as it is, so the stream is
// read as latin1: one char per byte, and a UTF-8 sequence split across two chunks survives.

export type ControlLine =
  | { kind: 'begin' | 'end' | 'error'; guard: string; fromClient: boolean }
  | { kind: 'output'; paneId: string; data: Buffer }
  | { kind: 'pause' | 'continue'; paneId: string }
  | { kind: 'exit'; reason: string | null }
  | { kind: 'other' };

/** One line of control mode (without its newline), as read in latin1. */
export function parseControlLine(line: string): ControlLine {
  const guard = /^%(begin|end|error) (\d+ \d+ (\d+))$/.exec(line);
  if (guard) {
    // FLAGS bit 0: the command came from this client (the attach itself has 0).
    return { kind: guard[1] as 'begin' | 'end' | 'error', guard: guard[2], fromClient: (Number(guard[3]) & 1) === 1 };
  }
  const output = /^%output (%\d+) (.*)$/s.exec(line);
  if (output) return { kind: 'output', paneId: output[1], data: decodeOutput(output[2]) };
  // "%extended-output PANE AGE … : DATA" (what pause-after turns %output into); fields before " : " may grow.
  const extended = /^%extended-output (%\d+)(?: [^:]*?)? : (.*)$/s.exec(line);
  if (extended) return { kind: 'output', paneId: extended[1], data: decodeOutput(extended[2]) };
  const flow = /^%(pause|continue) (%\d+)$/.exec(line);
  if (flow) return { kind: flow[1] as 'pause' | 'continue', paneId: flow[2] };
  const exit = /^%exit(?: (.*))?$/s.exec(line);
  if (exit) return { kind: 'exit', reason: exit[1] ?? null };
  return { kind: 'other' };
}

/** A pane's output as bytes: "\ooo" escapes undone, every other char one latin1 byte. */
export function decodeOutput(escaped: string): Buffer {
  return Buffer.from(
    escaped.replace(/\\([0-7]{3})/g, (_escape, octal: string) => String.fromCharCode(parseInt(octal, 8))),
    'latin1',
  );
}

/** Splits latin1 text into lines; a line may arrive over many chunks. */
export class ControlLineSplitter {
  private pending = '';

  push(chunk: string): string[] {
    const parts = (this.pending + chunk).split('\n');
    this.pending = parts.pop() ?? '';
    return parts;
  }
}
