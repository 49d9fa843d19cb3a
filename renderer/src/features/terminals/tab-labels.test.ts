// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { tabLabels } from './tab-labels';

describe('tabLabels', () => {
  it('numbers repeated titles from the second one on, in order, and leaves unique titles alone', () => {
    const labels = tabLabels([
      { id: 'a', title: 'web-1' },
      { id: 'b', title: 'db-1' },
      { id: 'c', title: 'web-1' },
      { id: 'd', title: 'web-1' },
    ]);
    expect([...labels]).toEqual([
      ['a', 'web-1'],
      ['b', 'db-1'],
      ['c', 'web-1 (2)'],
      ['d', 'web-1 (3)'],
    ]);
  });
});
