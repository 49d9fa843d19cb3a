import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readBody, TOO_LARGE } from './body';

describe('readBody', () => {
  it('collects every chunk up to the limit', async () => {
    const source = new PassThrough();
    const body = readBody(source, 10);
    source.write('hello ');
    source.end('body');
    expect((await body).toString()).toBe('hello body');
  });

  it('stops at the limit without destroying the stream, so an answer can still be sent', async () => {
    const source = new PassThrough();
    const body = readBody(source, 10);
    source.write('hello ');
    source.write('world');
    expect(await body).toBe(TOO_LARGE);
    expect(source.destroyed).toBe(false);
    expect(source.isPaused()).toBe(true);
    expect(source.listenerCount('data')).toBe(0);
  });

  it('rejects when the sender goes away before the end', async () => {
    const source = new PassThrough();
    const body = readBody(source, 10);
    source.write('hel');
    source.destroy();
    await expect(body).rejects.toThrow('the client closed the connection before sending the whole body');
  });

  it('rejects with the stream error', async () => {
    const source = new PassThrough();
    const body = readBody(source, 10);
    source.destroy(new Error('aborted'));
    await expect(body).rejects.toThrow('aborted');
  });
});
