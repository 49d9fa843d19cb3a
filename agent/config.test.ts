import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadAgentConfig } from './config';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lifeline-agent-config-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** The problems a load reports; fails the test when it loads. */
function problemsOf(load: () => unknown): string[] {
  try {
    load();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('loadAgentConfig', () => {
  it('uses the defaults without a file, with the data under $LIFELINE_HOME/agent', () => {
    expect(loadAgentConfig(undefined, {}, { LIFELINE_HOME: '/srv/lifeline' })).toEqual({
      http: { host: '127.0.0.1', port: 8787 },
      dataDir: '/srv/lifeline/agent',
      shutdownTimeoutSeconds: 10,
    });
  });

  it('reads a YAML file, fills what it omits, and resolves a relative dataDir next to the file', () => {
    mkdirSync(join(dir, 'etc'));
    const file = write('etc/agent.yaml', 'http:\n  port: 9000\ndataDir: ../data\n');
    expect(loadAgentConfig(file, {})).toEqual({
      http: { host: '127.0.0.1', port: 9000 },
      dataDir: join(dir, 'data'),
      shutdownTimeoutSeconds: 10,
    });
  });

  it('reads a .yml file and an empty YAML file as all defaults', () => {
    const file = write('agent.yml', '# nothing set yet\n');
    expect(loadAgentConfig(file, {}, { LIFELINE_HOME: dir }).http).toEqual({ host: '127.0.0.1', port: 8787 });
  });

  it('reads a JSON file', () => {
    const file = write('agent.json', JSON.stringify({ http: { host: '0.0.0.0', port: 80 }, dataDir: '/var/lib/x', shutdownTimeoutSeconds: 0 }));
    expect(loadAgentConfig(file, {})).toEqual({
      http: { host: '0.0.0.0', port: 80 },
      dataDir: '/var/lib/x',
      shutdownTimeoutSeconds: 0,
    });
  });

  it('lets --host and --port override the file, and --port 0 pick a free port', () => {
    const file = write('agent.yaml', 'http:\n  host: 0.0.0.0\n  port: 9000\n');
    expect(loadAgentConfig(file, { host: '::1', port: 0 }).http).toEqual({ host: '::1', port: 0 });
    expect(loadAgentConfig(file, { port: 9100 }).http).toEqual({ host: '0.0.0.0', port: 9100 });
  });

  it('reports every schema error with its file and path, unknown keys included', () => {
    const file = write(
      'agent.yaml',
      ['http:', '  host: example.com', '  port: 0', '  prot: 80', 'dataDir: ""', 'shutdownTimeoutSeconds: -1', 'webhoks: {}'].join('\n'),
    );
    expect(problemsOf(() => loadAgentConfig(file, {}))).toEqual([
      `${file}: http.host: must be an IP address to listen on (like 127.0.0.1, or 0.0.0.0 for every interface) or localhost`,
      `${file}: http.port: must be a whole number between 1 and 65535`,
      `${file}: http.prot: unknown setting (the settings here are: host, port)`,
      `${file}: dataDir: must be a folder path`,
      `${file}: shutdownTimeoutSeconds: must be a whole number of seconds from 0 to 600`,
      `${file}: webhoks: unknown setting (the settings here are: http, dataDir, shutdownTimeoutSeconds)`,
    ]);
  });

  it('refuses a port that is text, fractional or too large', () => {
    for (const port of ['"8787"', '80.5', '70000']) {
      const file = write('agent.yaml', `http:\n  port: ${port}\n`);
      expect(problemsOf(() => loadAgentConfig(file, {}))).toEqual([`${file}: http.port: must be a whole number between 1 and 65535`]);
    }
  });

  it('refuses a section or a file that is not a mapping', () => {
    const section = write('section.yaml', 'http: 8787\n');
    expect(problemsOf(() => loadAgentConfig(section, {}))).toEqual([`${section}: http: must be a mapping of settings (host, port)`]);
    const list = write('list.json', '[1, 2]');
    expect(problemsOf(() => loadAgentConfig(list, {}))).toEqual([
      `${list}: must be a mapping of settings (http, dataDir, shutdownTimeoutSeconds)`,
    ]);
  });

  it('reports bad command-line values next to the file problems', () => {
    const file = write('agent.yaml', 'http:\n  port: 0\n');
    expect(problemsOf(() => loadAgentConfig(file, { host: 'my laptop', port: 70000 }))).toEqual([
      `${file}: http.port: must be a whole number between 1 and 65535`,
      'command line: --host: must be an IP address to listen on (like 127.0.0.1, or 0.0.0.0 for every interface) or localhost',
      'command line: --port: must be a whole number between 0 and 65535 (0 picks a free port)',
    ]);
    expect(problemsOf(() => loadAgentConfig(undefined, { port: Number.NaN }))).toEqual([
      'command line: --port: must be a whole number between 0 and 65535 (0 picks a free port)',
    ]);
  });

  it('reports a YAML syntax error with its line and column', () => {
    const file = write('agent.yaml', 'http:\n  port: 8787\n  port: 9000\n');
    expect(problemsOf(() => loadAgentConfig(file, {}))).toEqual([
      `${file}: line 3, column 3: YAML syntax error: Map keys must be unique. Fix the file and start the agent again.`,
    ]);
  });

  it('reports a JSON syntax error with its line', () => {
    const trailingComma = write('comma.json', '{\n  "http": {\n    "port": 9000,\n  }\n}\n');
    expect(problemsOf(() => loadAgentConfig(trailingComma, {}))).toEqual([
      `${trailingComma}: line 4: JSON syntax error: Expected double-quoted property name. Fix the file and start the agent again.`,
    ]);
    const bareWord = write('word.json', '{\n  "http": {\n    "host": localhost\n  }\n}\n');
    expect(problemsOf(() => loadAgentConfig(bareWord, {}))).toEqual([
      `${bareWord}: line 3: JSON syntax error: Unexpected token 'l'. Fix the file and start the agent again.`,
    ]);
  });

  it('says what to do about a missing file, a folder and an unknown extension', () => {
    const missing = join(dir, 'nope.yaml');
    expect(problemsOf(() => loadAgentConfig(missing, {}))).toEqual([
      `${missing}: no such file. Check the path given to --config, or leave --config out to use the defaults.`,
    ]);
    const folder = join(dir, 'conf.yaml');
    mkdirSync(folder);
    expect(problemsOf(() => loadAgentConfig(folder, {}))).toEqual([
      `${folder}: is a folder, not a file. Give the path of the config file itself to --config.`,
    ]);
    const toml = write('agent.toml', 'port = 1');
    expect(problemsOf(() => loadAgentConfig(toml, {}))).toEqual([
      `${toml}: the config file must end in .yaml, .yml or .json, so its format is known; rename it.`,
    ]);
  });
});

