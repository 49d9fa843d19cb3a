import type { TerminalInfo } from '../../../../preload/api';

/**
 * Tab labels that tell terminals apart: two tabs on the same server read "web-1" and "web-1 (2)", in
 * the order they were opened, so each tab and its buttons have a name of their own.
 */
export function tabLabels(terminals: readonly Pick<TerminalInfo, 'id' | 'title'>[]): Map<string, string> {
  const seen = new Map<string, number>();
  const labels = new Map<string, string>();
  for (const terminal of terminals) {
    const count = (seen.get(terminal.title) ?? 0) + 1;
    seen.set(terminal.title, count);
    labels.set(terminal.id, count === 1 ? terminal.title : `${terminal.title} (${count})`);
  }
  return labels;
}
