import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { commandResultSchema } from '../protocol/messages';
import type { Database } from '../store/sqlite';
import { runCommandCli, type OpenExecutor } from './cli-run';
import { CommandExecutor } from './executor';
import { CommandLedger } from './ledger';
import type { CommandsOptions } from './options';
import { openCommandsDatabase } from './testing/database';
import { TEST_COMMANDS_OPTIONS } from './testing/options';

let dir: string;
let db: Database;
let opened: { configFile: string | undefined; closed: boolean }[];
let options: CommandsOptions;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lifeline-run-command-'));
  db = openCommandsDatabase(join(dir, 'agent.db'));
  opened = [];
  options = TEST_COMMANDS_OPTIONS;
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const open: OpenExecutor = (configFile) => {
  const record = { configFile, closed: false };
  opened.push(record);
  const executor = new CommandExecutor({ db, options, env: { ...process.env, HOME: dir } });
  return {
    executor,
    close: async () => {
      await executor.close();
      record.closed = true;
    },
  };
};

async function cli(...argv: string[]) {
  const io = { out: '', err: '' };
  const code = await runCommandCli(argv, { stdout: { write: (text: string) => (io.out += text) }, stderr: { write: (text: string) => (io.err += text) } }, open);
  return { code, ...io };
}

const runsFile = () => join(dir, 'runs');
const runs = () => (existsSync(runsFile()) ? readFileSync(runsFile(), 'utf8').split('\n').filter(Boolean).length : 0);

describe('lifeline agent run-command', () => {
  it('passes the output and the exit code through, and closes what it opened', async () => {
    const result = await cli('--id', 'cmd-cli-0001', '--config', '/etc/agent.yaml', '--', 'sh', '-c', `echo ran >> ${runsFile()}; echo out; echo err >&2; exit 7`);
    expect(result).toEqual({ code: 7, out: 'out\n', err: 'err\n' });
    expect(opened).toEqual([{ configFile: '/etc/agent.yaml', closed: true }]);
  });

  it('prints the recorded result of an id that already ran, without running it again', async () => {
    const argv = ['--id', 'cmd-cli-0002', '--', 'sh', '-c', `echo ran >> ${runsFile()}; echo out; exit 4`];
    await cli(...argv);
    const again = await cli(...argv);
    expect(again.code).toBe(4);
    expect(again.out).toBe('out\n');
    expect(again.err).toMatch(/cmd-cli-0002 already ran; this is its recorded result/);
    expect(runs()).toBe(1);
  });

  it('prints one JSON result with --json, which is what the tmux and exec layers read back', async () => {
    const result = await cli('--id', 'cmd-cli-0003', '--json', '--env', 'GREETING=a=b', '--timeout', '30', '--requested-by', 'ops@desk', '--', 'sh', '-c', 'echo "$GREETING"; exit 2');
    expect(result.code).toBe(2);
    expect(result.err).toBe('');
    expect(result.out.split('\n')).toHaveLength(2);
    const parsed = commandResultSchema.parse(JSON.parse(result.out));
    expect(parsed).toMatchObject({ commandId: 'cmd-cli-0003', state: 'finished', exitCode: 2, stdout: 'a=b\n', replayed: false });
    expect(db.prepare('SELECT via, requested_by FROM commands WHERE command_id = ?').get('cmd-cli-0003')).toEqual({ via: 'cli', requested_by: 'ops@desk' });
  });

  it('exits 126 with the rule when the policy refuses, and runs a named command', async () => {
    options = { ...options, allow: [{ argv: ['echo', '**'] }], named: { hello: { argv: ['echo', 'named hello'] } } };
    const refused = await cli('--id', 'cmd-cli-0004', '--', 'sh', '-c', `echo ran >> ${runsFile()}`);
    expect(refused.code).toBe(126);
    expect(refused.err).toMatch(/Refused by the agent's allow list \(commands\.allow\)/);
    expect(runs()).toBe(0);
    expect(await cli('--id', 'cmd-cli-0005', '--named', 'hello')).toEqual({ code: 0, out: 'named hello\n', err: '' });
  });

  it('exits 255 for a lost command, 124 at the time limit and 128+N for a signal', async () => {
    const gone = spawn('true');
    await once(gone, 'exit');
    new CommandLedger(db).claim({ state: 'running', commandId: 'cmd-cli-lost', via: 'bridge', request: '{}', requestedBy: null, owner: { pid: gone.pid ?? 0, start: '1' }, at: Date.now() });
    const lost = await cli('--id', 'cmd-cli-lost', '--', 'true');
    expect(lost.code).toBe(255);
    expect(lost.err).toMatch(/whether it completed is unknown/);

    const slow = await cli('--id', 'cmd-cli-slow', '--timeout', '1', '--', 'sleep', '30');
    expect(slow.code).toBe(124);
    expect(slow.err).toMatch(/time limit of 1 s/);

    expect((await cli('--id', 'cmd-cli-kill', '--', 'sh', '-c', 'kill -TERM $$')).code).toBe(143);
  });

  it('refuses bad arguments with exit 2 and a sentence naming the option, opening nothing', async () => {
    const cases: [string[], RegExp][] = [
      [['--', 'true'], /--id is required/],
      [['--id', '../etc/passwd', '--', 'true'], /--id: a command id is 8 to 128 letters/],
      [['--id', 'cmd-cli-0006'], /give exactly one of --named NAME and -- PROGRAM/],
      [['--id', 'cmd-cli-0006', '--named', 'x', '--', 'true'], /give exactly one of --named NAME and -- PROGRAM/],
      [['--id', 'cmd-cli-0006', '--env', 'NOEQUALS', '--', 'true'], /--env takes NAME=VALUE, not "NOEQUALS"/],
      [['--id', 'cmd-cli-0006', '--env', 'BAD NAME=1', '--', 'true'], /--env: an environment name is letters, digits and _/],
      [['--id', 'cmd-cli-0006', '--timeout', '5s', '--', 'true'], /--timeout takes whole seconds, not "5s"/],
      [['--id', 'cmd-cli-0006', '--timeout', '0', '--', 'true'], /--timeout: /],
      [['--id', 'cmd-cli-0006', '--shell', '--', 'true'], /unknown option --shell/],
    ];
    for (const [argv, message] of cases) {
      const result = await cli(...argv);
      expect(result.code, argv.join(' ')).toBe(2);
      expect(result.err).toMatch(message);
      expect(result.err).toMatch(/Run "lifeline agent run-command --help" for the options\.\n$/);
    }
    expect(opened).toEqual([]);
  });

  it('says why the executor could not be opened', async () => {
    const failing: OpenExecutor = () => {
      throw new Error('/srv/agent.db is not a Lifeline agent database (it may be damaged).');
    };
    let err = '';
    const code = await runCommandCli(['--id', 'cmd-cli-0007', '--', 'true'], { stdout: { write: () => true }, stderr: { write: (text: string) => (err += text) } }, failing);
    expect(code).toBe(2);
    expect(err).toBe('lifeline agent run-command: /srv/agent.db is not a Lifeline agent database (it may be damaged).\n');
  });

  it('shows its usage with --help', async () => {
    const help = await cli('--help');
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/^Usage: lifeline agent run-command --id ID/);
    expect(opened).toEqual([]);
  });
});
