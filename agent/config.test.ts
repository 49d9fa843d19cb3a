import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

const MB = 1024 * 1024;

/** Everything a file that sets nothing but http and dataDir gets. */
const DEFAULTS = {
  shutdownTimeoutSeconds: 10,
  minFreeDiskBytes: 256 * MB,
  bodyLimitBytes: 25 * MB,
  trustedProxies: [],
  hooks: [],
  sites: [],
  queue: { concurrency: 2, leaseSeconds: 60, maxAttempts: 3, backoffSeconds: 10, dedupeDays: 7 },
  logs: { maxFileBytes: 50 * MB, maxTotalBytes: 5 * 1024 * MB, maxAgeDays: 30, jobLogMaxBytes: 10 * MB },
  bridge: { host: '127.0.0.1', port: 8899, maxFrameBytes: MB },
  commands: { timeoutSeconds: 300, outputCapBytes: MB },
  tmux: {},
};

/** The defaults, with the trigger folder that follows the data dir. */
const defaultsFor = (dataDir: string) => ({
  ...DEFAULTS,
  trigger: { enabled: true, dir: join(dataDir, 'trigger'), rescanSeconds: 2, retentionHours: 24, maxFileBytes: 64 * 1024 },
});

const ALLOWED = 'http, dataDir, shutdownTimeoutSeconds, minFreeDiskBytes, bodyLimitBytes, trustedProxies, apiToken, hooks, sites, queue, bridge, trigger, commands, tmux, logs';

describe('loadAgentConfig', () => {
  it('uses the defaults without a file, with the data under $LIFELINE_HOME/agent', () => {
    expect(loadAgentConfig(undefined, {}, { LIFELINE_HOME: '/srv/lifeline' })).toEqual({
      http: { host: '127.0.0.1', port: 8787 },
      dataDir: '/srv/lifeline/agent',
      ...defaultsFor('/srv/lifeline/agent'),
    });
  });

  it('reads a YAML file, fills what it omits, and resolves a relative dataDir next to the file', () => {
    mkdirSync(join(dir, 'etc'));
    const file = write('etc/agent.yaml', 'http:\n  port: 9000\ndataDir: ../data\n');
    expect(loadAgentConfig(file, {})).toEqual({
      http: { host: '127.0.0.1', port: 9000 },
      dataDir: join(dir, 'data'),
      ...defaultsFor(join(dir, 'data')),
    });
  });

  it('reads a .yml file and an empty YAML file as all defaults', () => {
    const file = write('agent.yml', '# nothing set yet\n');
    expect(loadAgentConfig(file, {}, { LIFELINE_HOME: dir }).http).toEqual({ host: '127.0.0.1', port: 8787 });
  });

  it('reads a JSON file', () => {
    const file = write('agent.json', JSON.stringify({ http: { host: '0.0.0.0', port: 80 }, dataDir: '/var/lib/x', shutdownTimeoutSeconds: 0 }));
    expect(loadAgentConfig(file, {})).toEqual({
      ...defaultsFor('/var/lib/x'),
      http: { host: '0.0.0.0', port: 80 },
      dataDir: '/var/lib/x',
      shutdownTimeoutSeconds: 0,
    });
  });

  it('resolves the bridge token, TLS files and trigger folder next to the file, and takes --bridge-port', () => {
    write('bridge.token', 'bridge-secret\n');
    const file = write('agent.yaml', 'bridge:\n  token: file:bridge.token\n  tls: { cert: tls/cert.pem, key: tls/key.pem }\ntrigger:\n  dir: drop\n');
    const config = loadAgentConfig(file, { 'bridge-port': 0 });
    expect(config.bridge).toEqual({ host: '127.0.0.1', port: 0, token: 'bridge-secret', tls: { cert: join(dir, 'tls/cert.pem'), key: join(dir, 'tls/key.pem') }, maxFrameBytes: MB });
    expect(config.trigger.dir).toBe(join(dir, 'drop'));
    const selfSigned = write('self.yaml', 'bridge:\n  tls: self-signed\n');
    expect(loadAgentConfig(selfSigned, {}).bridge.tls).toBe('self-signed');
    const inline = write('inline.yaml', 'bridge:\n  token: hunter2\n  tls: maybe\n');
    const problems = problemsOf(() => loadAgentConfig(inline, {}));
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/bridge\.token: /);
    expect(problems[1]).toMatch(/bridge\.tls: must be "self-signed" or \{ cert: FILE, key: FILE \}/);
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
      `${file}: webhoks: unknown setting (the settings here are: ${ALLOWED})`,
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
      `${list}: must be a mapping of settings (${ALLOWED})`,
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


const SITE = `
sites:
  - id: shop
    dir: sites/shop
    repository: https://git.example/acme/shop.git
    branches: { main: production }
    steps: [{ kind: git }]
`;

describe('loadAgentConfig: hooks and sites', () => {
  it('fills the defaults of hooks, sites and steps, resolves secrets and makes site folders absolute', () => {
    writeFileSync(join(dir, 'webhook.secret'), 's3cret value\n');
    const file = write(
      'agent.yaml',
      `
apiToken: env:LIFELINE_TOKEN
trustedProxies: [127.0.0.1, "::1"]
hooks:
  - id: example
    source: github
    secret: file:webhook.secret
    site: shop
  - id: ci.deploy-2
    source: generic
    secret: env:CI_SECRET
    events: [push, release]
    filters: { repository: [acme/*], branch: [main, release-*], action: [published] }
    site: api
    priority: -5
    rateLimit: { perMinute: 600, loopback: true }
    allow: [10.0.0.0/8, 2001:db8::/32]
sites:
  - id: shop
    dir: sites/shop
    repository: https://git.example/acme/shop.git
    branches: { main: production }
    steps: [{ kind: git }]
  - id: api
    dir: /srv/api
    repository: /srv/git/api.git
    branches: { staging: staging, prod: prod }
    queue: fifo
    timeoutSeconds: 120
    releasesKept: 3
    steps:
      - kind: git
      - kind: command
        name: install
        argv: [npm, ci]
        cwd: app
        env: { NODE_ENV: production }
        timeoutSeconds: 300
      - kind: compose
        file: deploy/compose.yaml
      - kind: health
        url: http://127.0.0.1:3000/health
      - kind: health
        argv: [./check.sh, --quick]
        retries: 3
        intervalSeconds: 0.5
        deadlineSeconds: 10
`,
    );
    const config = loadAgentConfig(file, {}, { LIFELINE_TOKEN: 'operator token', CI_SECRET: 'ci secret' });
    expect(config.apiToken).toBe('operator token');
    expect(config.trustedProxies).toEqual(['127.0.0.1', '::1']);
    expect(config.hooks).toEqual([
      {
        id: 'example',
        source: 'github',
        secret: 's3cret value',
        events: ['push'],
        filters: {},
        site: 'shop',
        priority: 0,
        rateLimit: { perMinute: 60, loopback: false },
      },
      {
        id: 'ci.deploy-2',
        source: 'generic',
        secret: 'ci secret',
        events: ['push', 'release'],
        filters: { repository: ['acme/*'], branch: ['main', 'release-*'], action: ['published'] },
        site: 'api',
        priority: -5,
        rateLimit: { perMinute: 600, loopback: true },
        allow: ['10.0.0.0/8', '2001:db8::/32'],
      },
    ]);
    expect(config.sites).toEqual([
      {
        id: 'shop',
        dir: join(dir, 'sites/shop'),
        repository: 'https://git.example/acme/shop.git',
        branches: { main: 'production' },
        steps: [{ kind: 'git' }],
        queue: 'coalesce-latest',
        timeoutSeconds: 900,
        releasesKept: 5,
      },
      {
        id: 'api',
        dir: '/srv/api',
        repository: '/srv/git/api.git',
        branches: { staging: 'staging', prod: 'prod' },
        queue: 'fifo',
        timeoutSeconds: 120,
        releasesKept: 3,
        steps: [
          { kind: 'git' },
          { kind: 'command', name: 'install', argv: ['npm', 'ci'], cwd: 'app', env: { NODE_ENV: 'production' }, timeoutSeconds: 300 },
          { kind: 'compose', file: 'deploy/compose.yaml' },
          { kind: 'health', url: 'http://127.0.0.1:3000/health', retries: 10, intervalSeconds: 1, deadlineSeconds: 60 },
          { kind: 'health', argv: ['./check.sh', '--quick'], retries: 3, intervalSeconds: 0.5, deadlineSeconds: 10 },
        ],
      },
    ]);
  });

  it('takes a file secret as written, less one trailing newline, from a path relative to the config', () => {
    mkdirSync(join(dir, 'etc'));
    mkdirSync(join(dir, 'secrets'));
    writeFileSync(join(dir, 'secrets/a'), 'two newlines\n\n');
    writeFileSync(join(dir, 'secrets/b'), ' spaced \r\n');
    const file = write(
      'etc/agent.yaml',
      `hooks:
  - { id: a, source: github, secret: "file:../secrets/a", site: shop }
  - { id: b, source: gitlab, secret: "file:${join(dir, 'secrets/b')}", site: shop }
${SITE}`,
    );
    expect(loadAgentConfig(file, {}).hooks.map((hook) => hook.secret)).toEqual(['two newlines\n', ' spaced ']);
  });

  it('refuses a secret written inline, without repeating it', () => {
    const file = write('agent.yaml', `apiToken: hunter2\nhooks:\n  - { id: a, source: github, secret: "sha256-looking-secret", site: shop }\n${SITE}`);
    const problems = problemsOf(() => loadAgentConfig(file, {}));
    const message =
      'must say where the secret is, not hold it: write env:NAME (an environment variable) or file:PATH (a file holding only the secret; a relative PATH is next to this config file)';
    expect(problems).toEqual([`${file}: apiToken: ${message}`, `${file}: hooks.0.secret: ${message}`]);
    expect(problems.join('\n')).not.toMatch(/hunter2|sha256-looking-secret/);
  });

  it('refuses a secret that is missing or empty, saying where it looked and what to do', () => {
    writeFileSync(join(dir, 'empty.secret'), '\n');
    const file = write(
      'agent.yaml',
      `apiToken: env:UNSET_TOKEN
hooks:
  - { id: a, source: github, secret: env:EMPTY, site: shop }
  - { id: b, source: github, secret: file:missing.secret, site: shop }
  - { id: c, source: github, secret: file:empty.secret, site: shop }
  - { id: d, source: github, secret: "env:1BAD", site: shop }
${SITE}`,
    );
    expect(problemsOf(() => loadAgentConfig(file, {}, { EMPTY: '' }))).toEqual([
      `${file}: hooks.3.secret: must say where the secret is, not hold it: write env:NAME (an environment variable) or file:PATH (a file holding only the secret; a relative PATH is next to this config file)`,
    ]);
    const fixed = write('agent.yaml', readFileSync(file, 'utf8').replace('env:1BAD', 'env:GOOD'));
    expect(problemsOf(() => loadAgentConfig(fixed, {}, { EMPTY: '', GOOD: 'x' }))).toEqual([
      `${file}: apiToken: the environment variable UNSET_TOKEN is not set; set it for the agent (in a systemd unit: Environment= or EnvironmentFile=), or use file:PATH`,
      `${file}: hooks.0.secret: the environment variable EMPTY is empty; set it to a long random value (for example the output of "openssl rand -hex 32")`,
      `${file}: hooks.1.secret: cannot read ${join(dir, 'missing.secret')} (no such file); write the secret into it, readable only by the user running the agent (chmod 600)`,
      `${file}: hooks.2.secret: ${join(dir, 'empty.secret')} is empty; write a long random value (for example the output of "openssl rand -hex 32") into it`,
    ]);
  });

  it('refuses duplicate ids and a hook naming a site that does not exist', () => {
    writeFileSync(join(dir, 's'), 'x');
    const file = write(
      'agent.yaml',
      `hooks:
  - { id: a, source: github, secret: file:s, site: shop }
  - { id: a, source: gitlab, secret: file:s, site: shpo }
${SITE}
  - id: shop
    dir: /srv/other
    repository: /srv/git/other.git
    branches: { main: production }
    steps: [{ kind: git }]
`,
    );
    expect(problemsOf(() => loadAgentConfig(file, {}))).toEqual([
      `${file}: hooks.1.id: "a" is already the id of hooks.0; give each hook its own id`,
      `${file}: sites.1.id: "shop" is already the id of sites.0; give each site its own id`,
      `${file}: hooks.1.site: no site has the id "shpo"; name one of the sites (shop) or add a site with that id under sites`,
    ]);
    const none = write('none.yaml', 'hooks:\n  - { id: a, source: github, secret: file:s, site: shop }\n');
    expect(problemsOf(() => loadAgentConfig(none, {}))).toEqual([`${none}: hooks.0.site: no site has the id "shop"; add a site with that id under sites`]);
  });

  it('reports each bad hook setting with its path', () => {
    const file = write(
      'agent.yaml',
      `trustedProxies: [10.0.0.0/33]
hooks:
  - id: "has space"
    source: gitea
    secret: file:s
    events: []
    filters: { branch: main, tag: [v1] }
    site: shop
    priority: 1.5
    rateLimit: { perMinute: 0, loopback: "no" }
    allow: [203.0.113.0/24, example.com]
${SITE}`,
    );
    expect(problemsOf(() => loadAgentConfig(file, {}))).toEqual([
      `${file}: trustedProxies.0: "10.0.0.0/33" is not an address or a CIDR network (like 192.0.2.0/24 or 2001:db8::/32)`,
      `${file}: hooks.0.id: must be 1 to 64 letters, digits, dots, dashes or underscores (it appears in URLs and folder names)`,
      `${file}: hooks.0.source: must be one of github, gitlab, bitbucket, generic`,
      `${file}: hooks.0.events: must name at least one event, like [push]`,
      `${file}: hooks.0.filters.branch: must be a list of patterns (* matches anything), like [main, release-*]`,
      `${file}: hooks.0.filters.tag: unknown setting (the settings here are: repository, branch, action)`,
      `${file}: hooks.0.priority: must be a whole number from -1000 to 1000 (a higher priority is deployed first)`,
      `${file}: hooks.0.rateLimit.perMinute: must be a whole number of requests per minute from one address from 1 to 100000`,
      `${file}: hooks.0.rateLimit.loopback: must be true (limit requests from this machine too) or false (exempt them, as a reverse proxy here forwards from there)`,
      `${file}: hooks.0.allow.1: "example.com" is not an address or a CIDR network (like 192.0.2.0/24 or 2001:db8::/32)`,
    ]);
  });

  it('reports each bad site and step setting with its path', () => {
    const file = write(
      'agent.yaml',
      `sites:
  - id: a
    dir: ""
    repository: /srv/git/a.git
    branches: {}
    steps: []
    queue: lifo
  - id: b
    dir: /srv/b
    repository: /srv/git/b.git
    branches: { main: 5 }
    releasesKept: 0
    steps:
      - kind: shell
      - kind: command
        argv: []
      - kind: command
        argv: "npm ci"
      - kind: health
      - kind: health
        url: http://127.0.0.1/health
        argv: [/bin/true]
      - kind: health
        url: ftp://example.com/
      - kind: git
        commit: abc
      - just text
`,
    );
    expect(problemsOf(() => loadAgentConfig(file, {}))).toEqual([
      `${file}: sites.0.dir: must be a folder path (a relative path is next to this config file)`,
      `${file}: sites.0.branches: must map each branch to deploy to its environment, like { main: production }`,
      `${file}: sites.0.steps: must list at least one step, like - kind: git`,
      `${file}: sites.0.queue: must be coalesce-latest (a newer push replaces a waiting deploy), fifo (every push deploys, in order) or reject-if-busy (answer 409 while a deploy runs)`,
      `${file}: sites.1.branches.main: must be an environment name, like production`,
      `${file}: sites.1.steps.0.kind: must be git, command, compose or health`,
      `${file}: sites.1.steps.1.argv: must name the program to run, like [npm, ci]`,
      `${file}: sites.1.steps.2.argv: must be a list: the program, then its arguments, like [npm, ci] (no shell runs it)`,
      `${file}: sites.1.steps.3: a health step needs exactly one of url (a GET expecting 2xx) or argv (a command expecting exit code 0)`,
      `${file}: sites.1.steps.4: a health step needs exactly one of url (a GET expecting 2xx) or argv (a command expecting exit code 0)`,
      `${file}: sites.1.steps.5.url: must be an http:// or https:// URL`,
      `${file}: sites.1.steps.6.commit: unknown setting (the settings here are: kind)`,
      `${file}: sites.1.steps.7: must be a step: a mapping with a kind (git, command, compose or health)`,
      `${file}: sites.1.releasesKept: must be a whole number from 1 to 100 (release folders kept for rollback)`,
    ]);
  });

  it('checks the queue, logs and body limit ranges', () => {
    const file = write(
      'agent.yaml',
      'bodyLimitBytes: 10\nqueue: { concurrency: 0, dedupeDays: 3, leaseSeconds: 5 }\nlogs: { maxAgeDays: 0, jobLogMaxBytes: 1.5, rotate: true }\n',
    );
    expect(problemsOf(() => loadAgentConfig(file, {}))).toEqual([
      `${file}: bodyLimitBytes: must be a whole number of bytes from 1024 to 104857600`,
      `${file}: queue.concurrency: must be a whole number from 1 to 64 (deploys running at once, across sites)`,
      `${file}: queue.leaseSeconds: must be a whole number of seconds from 10 to 600`,
      `${file}: queue.dedupeDays: must be a whole number of days from 7 to 365`,
      `${file}: logs.maxAgeDays: must be a whole number of days from 1 to 3650`,
      `${file}: logs.jobLogMaxBytes: must be a whole number of bytes from 1024 to 1073741824`,
      `${file}: logs.rotate: unknown setting (the settings here are: maxFileBytes, maxTotalBytes, maxAgeDays, jobLogMaxBytes)`,
    ]);
  });
});
