/** The terminal's own shortcuts are Ctrl+Shift+letter: plain Ctrl+C/V/F belong to the shell. */
export function isShortcut(event: Pick<KeyboardEvent, 'ctrlKey' | 'shiftKey' | 'altKey' | 'metaKey' | 'key'>, letter: string): boolean {
  return event.ctrlKey && event.shiftKey && !event.altKey && !event.metaKey && event.key.toLowerCase() === letter;
}
