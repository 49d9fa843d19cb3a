import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveRendererFile } from './renderer-files';

const root = join('/srv', 'renderer');

describe('resolveRendererFile', () => {
  it('maps / to index.html and other paths under the root', () => {
    expect(resolveRendererFile(root, '/')).toBe(join(root, 'index.html'));
    expect(resolveRendererFile(root, '/assets/app.js')).toBe(join(root, 'assets', 'app.js'));
    expect(resolveRendererFile(root, '/assets/a%20b.js')).toBe(join(root, 'assets', 'a b.js'));
  });

  it('refuses traversal in any spelling', () => {
    for (const path of ['/../package.json', '/%2e%2e/package.json', '/%2E%2E/package.json', '/assets/..%2f..%2fpackage.json', '/./index.html', '/..', '/assets/%2e%2e']) {
      expect(resolveRendererFile(root, path), path).toBeNull();
    }
  });

  it('refuses NUL, backslashes, bad encoding and paths that are not absolute', () => {
    for (const path of ['/index.html%00.js', '/..%5cpackage.json', '/%E0%A4%A', 'index.html', '']) {
      expect(resolveRendererFile(root, path), path).toBeNull();
    }
  });
});
