import { describe, expect, it } from 'vitest';
import { ControlLineSplitter, decodeOutput, parseControlLine } from './control-lines';

const latin1 = (text: string) => Buffer.from(text, 'utf8').toString('latin1');

describe('parseControlLine', () => {
  it('reads output and extended output as bytes', () => {
    expect(parseControlLine('%output %3 a\\015\\012b')).toEqual({ kind: 'output', paneId: '%3', data: Buffer.from('a\r\nb') });
    expect(parseControlLine('%extended-output %3 120 : x : y\\134')).toEqual({ kind: 'output', paneId: '%3', data: Buffer.from('x : y\\') });
    expect(parseControlLine('%extended-output %3 : z')).toEqual({ kind: 'output', paneId: '%3', data: Buffer.from('z') });
    // Bytes above 0x7f come raw; read as latin1 they turn back into the same UTF-8.
    expect(parseControlLine(`%output %1 ${latin1('ü✓')}`)).toEqual({ kind: 'output', paneId: '%1', data: Buffer.from('ü✓') });
  });

  it('reads command guards, flow control and exit', () => {
    expect(parseControlLine('%begin 1795385031 263 0')).toEqual({ kind: 'begin', guard: '1795385031 263 0', fromClient: false });
    expect(parseControlLine('%end 1795385031 268 1')).toEqual({ kind: 'end', guard: '1795385031 268 1', fromClient: true });
    expect(parseControlLine('%error 1 2 1')).toEqual({ kind: 'error', guard: '1 2 1', fromClient: true });
    expect(parseControlLine('%pause %7')).toEqual({ kind: 'pause', paneId: '%7' });
    expect(parseControlLine('%continue %7')).toEqual({ kind: 'continue', paneId: '%7' });
    expect(parseControlLine('%exit')).toEqual({ kind: 'exit', reason: null });
    expect(parseControlLine('%exit detached')).toEqual({ kind: 'exit', reason: 'detached' });
    expect(parseControlLine('%session-changed $0 main')).toEqual({ kind: 'other' });
  });
});

describe('decodeOutput', () => {
  it('undoes three-digit octal escapes only', () => {
    expect(decodeOutput('\\000\\177\\134\\033[1m')).toEqual(Buffer.from([0, 0x7f, 0x5c, 0x1b, 0x5b, 0x31, 0x6d]));
    expect(decodeOutput('\\12x')).toEqual(Buffer.from('\\12x'));
  });
});

describe('ControlLineSplitter', () => {
  it('joins lines split across chunks, a UTF-8 sequence included', () => {
    const splitter = new ControlLineSplitter();
    const bytes = Buffer.from('%output %1 ✓\n%exit\n');
    const cut = bytes.indexOf(Buffer.from('✓')) + 1; // inside the three bytes of ✓
    const lines = [...splitter.push(bytes.subarray(0, cut).toString('latin1')), ...splitter.push(bytes.subarray(cut).toString('latin1'))];
    expect(lines.map(parseControlLine)).toEqual([
      { kind: 'output', paneId: '%1', data: Buffer.from('✓') },
      { kind: 'exit', reason: null },
    ]);
  });
});
