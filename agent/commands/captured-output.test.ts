import { describe, expect, it } from 'vitest';
import { CapturedOutput } from './captured-output';

describe('CapturedOutput', () => {
  it('passes every chunk on live, characters split across chunks included, and keeps everything under the cap', () => {
    const output = new CapturedOutput(100);
    const bytes = Buffer.from('aé€b');
    const live = [output.push(bytes.subarray(0, 2)), output.push(bytes.subarray(2, 4)), output.push(bytes.subarray(4)), output.end()];
    expect(live.join('')).toBe('aé€b');
    expect(live[0]).toBe('a');
    expect(output.stored()).toBe('aé€b');
    expect(output.truncated).toBe(false);
  });

  it('keeps only the first cap bytes, cut before a character it would split, and says it was cut', () => {
    const output = new CapturedOutput(4);
    // "ab" then "é" (2 bytes) then "€" (3 bytes): the cap falls inside "€".
    expect(output.push(Buffer.from('abé€xyz'))).toBe('abé€xyz');
    expect(output.stored()).toBe('abé');
    expect(output.truncated).toBe(true);
    const split = new CapturedOutput(3);
    split.push(Buffer.from('ab'));
    split.push(Buffer.from('é'));
    expect(split.stored()).toBe('ab');
    expect(split.truncated).toBe(true);
  });

  it('is not cut when the output is exactly the cap', () => {
    const output = new CapturedOutput(3);
    output.push(Buffer.from('abc'));
    expect(output.truncated).toBe(false);
    expect(output.stored()).toBe('abc');
  });
});
