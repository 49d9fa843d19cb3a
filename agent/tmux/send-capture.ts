import { runTmux, type TmuxServer } from './tmux-command';

export interface TmuxSendRequest extends TmuxServer {
  /** A session, or session:window.pane. */
  session: string;
  /** Typed literally: no key names, no tmux formats. */
  keys: string;
  /** Press Enter after the keys. */
  enter: boolean;
}

export interface TmuxCaptureRequest extends TmuxServer {
  session: string;
  /** History lines above the visible screen to include. */
  lines: number;
}

/**
 * Types `keys` into the pane, then Enter when asked. One tmux process for both: its argv form separates
 * commands with a ";" argument, so the keys go through literalArgument and can never end the command.
 */
export async function tmuxSend(request: TmuxSendRequest): Promise<void> {
  const typeKeys = ['send-keys', '-t', request.session, '-l', '--', literalArgument(request.keys)];
  const pressEnter = ['send-keys', '-t', request.session, 'Enter'];
  await runTmux(request, request.enter ? [...typeKeys, ';', ...pressEnter] : typeKeys);
}

/** The pane's visible screen and up to `lines` lines of its history, wrapped lines joined. */
export function tmuxCapture(request: TmuxCaptureRequest): Promise<string> {
  // 10,000 lines of a wide pane exceed execFile's default 1 MiB.
  return runTmux(request, ['capture-pane', '-p', '-J', '-t', request.session, '-S', `-${request.lines}`], { maxBuffer: 64 * 1024 * 1024 });
}

/**
 * tmux reads an argument ending in ";" as the end of a command (and drops the ";"), and one ending in
 * "\;" as a literal ";". Only the last character is looked at, so escaping a final ";" is enough.
 */
export function literalArgument(text: string): string {
  return text.endsWith(';') ? `${text.slice(0, -1)}\\;` : text;
}
