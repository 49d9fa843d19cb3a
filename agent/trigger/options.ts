/** What the trigger-file watcher needs from the agent's config (the lead maps the config onto it). */
export interface TriggerOptions {
  /** The watched folder (`<agent data dir>/trigger` by default): created 0700 when missing. */
  dir: string;
  /** How often the folder is scanned besides fs.watch, for events the watch missed, in ms. */
  rescanMs: number;
  /** How long result files (and abandoned .tmp files) are kept, in ms. */
  retentionMs: number;
  /** Larger request files are refused, in bytes. */
  maxFileBytes: number;
}

export const DEFAULT_TRIGGER_OPTIONS: Omit<TriggerOptions, 'dir'> = {
  rescanMs: 2000,
  retentionMs: 24 * 60 * 60 * 1000,
  maxFileBytes: 64 * 1024,
};
