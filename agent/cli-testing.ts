// Test support for runAgentCli: a terminal and a process whose lines are collected and whose signals the test sends.
import { EventEmitter } from 'node:events';

export function fakeIo() {
  const out: string[] = [];
  const err: string[] = [];
  const lines = new EventEmitter();
  const signals = new EventEmitter();
  return {
    out,
    err,
    signals,
    io: {
      out: (line: string) => {
        out.push(line);
        lines.emit('line', line);
      },
      err: (line: string) => err.push(line),
      signals,
    },
    /** Resolves with the URL printed once the agent listens. */
    listening: () =>
      new Promise<string>((resolve) => {
        const check = (line: string) => {
          const url = /^Lifeline agent listening on (http:\/\/\S+) \(data: /.exec(line)?.[1];
          if (url) resolve(url);
        };
        lines.on('line', check);
      }),
  };
}
