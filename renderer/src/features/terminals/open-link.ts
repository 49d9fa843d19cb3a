/** Only web links open: a `file:` or `javascript:` URL printed by a server must never be followed. */
export function linkTarget(uri: string): string | null {
  try {
    const url = new URL(uri);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}

/**
 * Opens a link clicked in a terminal in a new browser tab, through an anchor with rel=noopener so the
 * page it opens gets no handle on this one (the desktop shell refuses window.open).
 */
export function openLink(event: MouseEvent, uri: string): void {
  const href = linkTarget(uri);
  if (!href) return;
  event.preventDefault();
  const anchor = document.createElement('a');
  anchor.href = href;
  anchor.target = '_blank';
  anchor.rel = 'noopener noreferrer';
  anchor.click();
}
