import { REDACTED } from '../../agent/log/loggable';
import type { Redaction } from '../links/redact';

// Live output of one command on its way to the windows. The ledger redacts a command's whole output at
// its end; live output comes in pieces cut anywhere, so a secret could straddle two of them. Pieces are
// therefore passed on whole lines at a time (a runaway line in slices), redacted, with a private key's
// body blanked across pieces, and only up to a limit per stream: the final result carries the ledger's copy.

type Stream = 'stdout' | 'stderr';

/** A line longer than this is passed on in slices rather than held back. */
const MAX_HELD_LINE = 16 * 1024;
const KEY_BEGIN = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;
const KEY_END = /-----END [A-Z ]*PRIVATE KEY-----/;

export class LiveOutput {
  private readonly held = { stdout: '', stderr: '' };
  private readonly sent = { stdout: 0, stderr: 0 };
  private readonly cut = { stdout: false, stderr: false };
  private readonly inKey = { stdout: false, stderr: false };

  /** `capChars`: the most characters passed on per stream; `emit` gets `cut` with the last piece once it is reached. */
  constructor(
    private readonly redaction: Redaction,
    private readonly capChars: number,
    private readonly emit: (stream: Stream, text: string, cut: boolean) => void,
  ) {}

  push(stream: Stream, text: string): void {
    if (this.cut[stream]) return;
    const buffer = this.held[stream] + text;
    const lineEnd = buffer.lastIndexOf('\n');
    if (lineEnd === -1 && buffer.length <= MAX_HELD_LINE) {
      this.held[stream] = buffer;
      return;
    }
    const upTo = lineEnd === -1 ? buffer.length : lineEnd + 1;
    this.held[stream] = buffer.slice(upTo);
    this.pass(stream, buffer.slice(0, upTo));
  }

  /** Passes on what is held back (a last line without a newline). */
  end(): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      const rest = this.held[stream];
      this.held[stream] = '';
      if (rest && !this.cut[stream]) this.pass(stream, rest);
    }
  }

  private pass(stream: Stream, raw: string): void {
    const text = this.redaction.text(this.withoutKeys(stream, raw));
    if (!text) return;
    const room = this.capChars - this.sent[stream];
    if (text.length < room) {
      this.sent[stream] += text.length;
      this.emit(stream, text, false);
      return;
    }
    this.cut[stream] = true;
    this.sent[stream] = this.capChars;
    this.emit(stream, text.slice(0, room), true);
  }

  /** Blanks private keys, whose body lines come in later pieces than their BEGIN line. */
  private withoutKeys(stream: Stream, text: string): string {
    let out = '';
    let rest = text;
    for (;;) {
      if (this.inKey[stream]) {
        const end = KEY_END.exec(rest);
        if (!end) return out;
        this.inKey[stream] = false;
        out += REDACTED;
        rest = rest.slice(end.index + end[0].length);
      }
      const begin = KEY_BEGIN.exec(rest);
      if (!begin) return out + rest;
      out += rest.slice(0, begin.index);
      rest = rest.slice(begin.index + begin[0].length);
      this.inKey[stream] = true;
    }
  }
}
