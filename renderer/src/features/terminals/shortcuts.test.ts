// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { linkTarget } from './open-link';
import { isShortcut } from './shortcuts';

const key = (key: string, mods: Partial<Record<'ctrlKey' | 'shiftKey' | 'altKey' | 'metaKey', boolean>> = {}) => ({
  key,
  ctrlKey: false,
  shiftKey: false,
  altKey: false,
  metaKey: false,
  ...mods,
});

describe('isShortcut', () => {
  it('matches Ctrl+Shift+letter whatever the case the browser reports', () => {
    expect(isShortcut(key('C', { ctrlKey: true, shiftKey: true }), 'c')).toBe(true);
    expect(isShortcut(key('v', { ctrlKey: true, shiftKey: true }), 'v')).toBe(true);
  });

  it('leaves Ctrl+letter, other letters and extra modifiers to the shell', () => {
    expect(isShortcut(key('c', { ctrlKey: true }), 'c')).toBe(false);
    expect(isShortcut(key('x', { ctrlKey: true, shiftKey: true }), 'c')).toBe(false);
    expect(isShortcut(key('F', { ctrlKey: true, shiftKey: true, altKey: true }), 'f')).toBe(false);
    expect(isShortcut(key('F', { ctrlKey: true, shiftKey: true, metaKey: true }), 'f')).toBe(false);
  });
});

describe('linkTarget', () => {
  it('lets web links through, normalized', () => {
    expect(linkTarget('https://example.com/a?b=1')).toBe('https://example.com/a?b=1');
    expect(linkTarget('http://EXAMPLE.com')).toBe('http://example.com/');
  });

  it('refuses other schemes and text that is no URL', () => {
    expect(linkTarget('javascript:alert(1)')).toBeNull();
    expect(linkTarget('file:///etc/passwd')).toBeNull();
    expect(linkTarget('not a url')).toBeNull();
  });
});
