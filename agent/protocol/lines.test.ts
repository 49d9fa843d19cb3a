import { describe, expect, it } from 'vitest';
import { LineReader, toLine } from './lines';

describe('LineReader', () => {
  it('joins lines split across chunks, multi-byte characters included, and splits chunks holding several', () => {
    const reader = new LineReader(1024);
    const bytes = Buffer.from('{"a":"é"}\n{"b":2}\r\n{"c"');
    const events = [...reader.push(bytes.subarray(0, 7)), ...reader.push(bytes.subarray(7, 20)), ...reader.push(bytes.subarray(20))];
    expect(events).toEqual([
      { kind: 'line', text: '{"a":"é"}' },
      { kind: 'line', text: '{"b":2}' },
    ]);
    expect(reader.push(Buffer.from(':3}\n'))).toEqual([{ kind: 'line', text: '{"c":3}' }]);
  });

  it('reports an over-long line once, without keeping it, and reads the next line normally', () => {
    const reader = new LineReader(10);
    const events = [...reader.push(Buffer.from('0123456789')), ...reader.push(Buffer.from('abcdef')), ...reader.push(Buffer.from('ghi\nok\n'))];
    expect(events).toEqual([
      { kind: 'too-long', bytes: 19 },
      { kind: 'line', text: 'ok' },
    ]);
  });

  it('takes a line of exactly the limit', () => {
    expect(new LineReader(3).push(Buffer.from('abc\n'))).toEqual([{ kind: 'line', text: 'abc' }]);
  });
});

describe('toLine', () => {
  it('writes one JSON object and one newline, escaping newlines inside strings', () => {
    const line = toLine({ data: 'two\nlines' });
    expect(line.split('\n')).toHaveLength(2);
    expect(JSON.parse(line)).toEqual({ data: 'two\nlines' });
  });
});
