import { describe, expect, it } from 'vitest';
import { joinCommandLine, splitCommandLine } from './command-line';

const argvOf = (line: string) => {
  const split = splitCommandLine(line);
  if (!split.ok) throw new Error(`expected "${line}" to split, got: ${split.error}`);
  return split.argv;
};

const errorOf = (line: string) => {
  const split = splitCommandLine(line);
  if (split.ok) throw new Error(`expected "${line}" to be refused, got ${JSON.stringify(split.argv)}`);
  return split.error;
};

describe('splitCommandLine', () => {
  it('splits on blanks and keeps quoted text as it is', () => {
    expect(argvOf('  systemctl   restart\tnginx ')).toEqual(['systemctl', 'restart', 'nginx']);
    expect(argvOf(`echo 'a  b' "c d" e\\ f`)).toEqual(['echo', 'a  b', 'c d', 'e f']);
    expect(argvOf(`grep -e 'x|y' "semi;colon" '$HOME' '*.log'`)).toEqual(['grep', '-e', 'x|y', 'semi;colon', '$HOME', '*.log']);
  });

  it('joins quoted pieces touching each other into one argument, and keeps empty quoted arguments', () => {
    expect(argvOf(`a'b'"c"d`)).toEqual(['abcd']);
    expect(argvOf(`printf '' x`)).toEqual(['printf', '', 'x']);
  });

  it('honours the escapes a shell honours inside double quotes, and no others', () => {
    expect(argvOf(`echo "say \\"hi\\" \\\\ \\$ \\\` \\n"`)).toEqual(['echo', 'say "hi" \\ $ ` \\n']);
  });

  it('treats a backslash before a line break as a joined line', () => {
    expect(argvOf('ls \\\n-la')).toEqual(['ls', '-la']);
  });

  it('refuses what only a shell would act on, and says how to pass it', () => {
    for (const line of ['ls | grep x', 'a && b', 'echo $HOME', 'rm *.tmp', 'cat < f', 'echo `id`', 'ls ~/x', 'echo hi # comment']) {
      expect(errorOf(line)).toMatch(/means something to a shell.*Quote it.*script/);
    }
    expect(errorOf('echo "$HOME"')).toMatch(/would be expanded.*single quotes/);
    // In the middle of a word these are plain characters for a shell too.
    expect(argvOf('echo a#b c~d')).toEqual(['echo', 'a#b', 'c~d']);
  });

  it('says where a quote is left open, and refuses a trailing backslash or an empty line', () => {
    expect(errorOf(`echo 'abc`)).toMatch(/single quote at character 6 is never closed/);
    expect(errorOf(`echo "abc`)).toMatch(/double quote at character 6 is never closed/);
    expect(errorOf('echo \\')).toMatch(/backslash that escapes nothing/);
    expect(errorOf('   ')).toMatch(/Type the command to run/);
  });
});

describe('joinCommandLine', () => {
  it('leaves plain words alone and quotes the rest', () => {
    expect(joinCommandLine(['systemctl', 'restart', 'nginx.service'])).toBe('systemctl restart nginx.service');
    expect(joinCommandLine(['echo', "it's", '', 'a b', '$x'])).toBe(`echo 'it'\\''s' '' 'a b' '$x'`);
  });

  it('writes every argv back so that splitting gives the same argv', () => {
    // A fixed-seed generator, so a failure can be reproduced.
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const alphabet = ` \t\n'"\\$\`|&;<>()*?#~abcXYZ019-_=/.é`;
    for (let round = 0; round < 500; round++) {
      const argv = Array.from({ length: 1 + Math.floor(random() * 5) }, () =>
        Array.from({ length: Math.floor(random() * 8) }, () => alphabet[Math.floor(random() * alphabet.length)]).join(''),
      );
      argv[0] = `p${argv[0]}`;
      expect(argvOf(joinCommandLine(argv))).toEqual(argv);
    }
  });
});
