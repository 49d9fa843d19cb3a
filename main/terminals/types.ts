// The terminal shapes are the renderer contract's; the terminal code imports them from here.
export type {
  OpenTerminalInput,
  TerminalAttachment,
  TerminalHandlers,
  TerminalInfo,
  TerminalState,
  TmuxSessionInfo,
} from '../../preload/api';
