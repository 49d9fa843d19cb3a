// Reading an answer from the terminal the command runs in; a secret is read without echo, in raw mode,
// so a passphrase never appears on screen or in the scrollback.

export function readSecretFromTty(question: string, options: { secret: boolean }): Promise<string | null> {
  const input = process.stdin;
  const output = process.stderr;
  output.write(question);
  return new Promise((resolve) => {
    let answer = '';
    const wasRaw = input.isRaw;
    const finish = (value: string | null) => {
      input.off('data', onData);
      input.setRawMode(wasRaw);
      input.pause();
      output.write('\n');
      resolve(value);
    };
    const onData = (chunk: Buffer) => {
      for (const char of chunk.toString('utf8')) {
        if (char === '\r' || char === '\n') return finish(answer);
        // Ctrl-C and Ctrl-D give up, as they would at any shell prompt.
        if (char === '\u0003' || char === '\u0004') return finish(null);
        if (char === '\u007f' || char === '\b') {
          if (answer.length > 0) {
            answer = [...answer].slice(0, -1).join('');
            if (!options.secret) output.write('\b \b');
          }
          continue;
        }
        answer += char;
        if (!options.secret) output.write(char);
      }
    };
    input.setRawMode(true);
    input.resume();
    input.on('data', onData);
  });
}
