// A command typed as one line, split into argv here in the renderer the way a shell splits words: blanks
// separate arguments, '…' keeps text as it is, "…" too (with \" \\ \$ \` escapes), and \ escapes one
// character. Nothing is expanded, because no shell ever sees the line: the agent runs the argv directly.
// A character that only a shell would act on (a pipe, a variable, a glob…) is refused rather than passed
// on silently as a literal argument, which would run something other than what the person meant.

export type SplitResult = { ok: true; argv: string[] } | { ok: false; error: string };

/** Unquoted, these would be operators, expansions or globs to a shell. */
const SHELL_ONLY = new Set(['|', '&', ';', '<', '>', '(', ')', '`', '$', '*', '?']);
/** Special only at the start of a word: a comment, the home folder. */
const SHELL_AT_WORD_START = new Set(['#', '~']);
const BLANK = /[ \t\r\n]/;
/** Escapable inside double quotes, as in POSIX sh. */
const DOUBLE_QUOTE_ESCAPES = '"\\$`';
/** Arguments made only of these need no quotes when written back as a line. */
const PLAIN_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

export function splitCommandLine(line: string): SplitResult {
  const argv: string[] = [];
  let word = '';
  let inWord = false;
  let i = 0;
  const endWord = () => {
    if (inWord) argv.push(word);
    word = '';
    inWord = false;
  };
  while (i < line.length) {
    const c = line[i]!;
    if (BLANK.test(c)) {
      endWord();
      i++;
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end === -1) return refuse(`The single quote at character ${i + 1} is never closed. Add a closing ' after the text it quotes.`);
      word += line.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === '"') {
      const quoted = readDoubleQuoted(line, i);
      if (!quoted.ok) return quoted;
      word += quoted.text;
      inWord = true;
      i = quoted.next;
    } else if (c === '\\') {
      if (i + 1 >= line.length) return refuse('The line ends with a backslash that escapes nothing. Remove it, or add the character it should escape.');
      // A backslash before a line break joins the lines, as in a shell.
      if (line[i + 1] !== '\n') {
        word += line[i + 1];
        inWord = true;
      }
      i += 2;
    } else if (SHELL_ONLY.has(c) || (!inWord && SHELL_AT_WORD_START.has(c))) {
      return refuse(
        `"${c}" (character ${i + 1}) means something to a shell, but no shell runs this line: the program would get "${c}" as an argument. ` +
          `Quote it ('${c}') to pass it as it is, or save the command as a script, which runs as /bin/sh -c on the server.`,
      );
    } else {
      word += c;
      inWord = true;
      i++;
    }
  }
  endWord();
  if (argv.length === 0) return refuse('Type the command to run, the program first, e.g. uptime or systemctl status nginx.');
  return { ok: true, argv };
}

/** Writes argv back as a line that splitCommandLine turns into the same argv. */
export function joinCommandLine(argv: readonly string[]): string {
  return argv.map((arg) => (PLAIN_WORD.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`)).join(' ');
}

function readDoubleQuoted(line: string, open: number): { ok: true; text: string; next: number } | { ok: false; error: string } {
  let text = '';
  let i = open + 1;
  while (i < line.length) {
    const c = line[i]!;
    if (c === '"') return { ok: true, text, next: i + 1 };
    if (c === '\\' && i + 1 < line.length && DOUBLE_QUOTE_ESCAPES.includes(line[i + 1]!)) {
      text += line[i + 1];
      i += 2;
    } else if (c === '$' || c === '`') {
      return refuse(`"${c}" inside double quotes (character ${i + 1}) would be expanded by a shell, and nothing is expanded here. Use single quotes to pass it as it is.`);
    } else {
      text += c;
      i++;
    }
  }
  return refuse(`The double quote at character ${open + 1} is never closed. Add a closing " after the text it quotes.`);
}

function refuse(error: string): { ok: false; error: string } {
  return { ok: false, error };
}
