import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../agent/store/sqlite';
import type { Server, ServerInput } from '../../preload/api';
import { serverInputSchema } from '../api/server-rules';
import { desktopMigrations } from '../store/migrations';
import { ServersRepository } from '../store/servers-repository';
import { TrustedHostKeysRepository } from '../store/trusted-host-keys';
import { Vault } from '../vault';
import type { SshConnection } from './connect';
import type { HostKeyAnswer, HostKeyQuestion } from './host-key-policy';
import { knownHostsName } from './known-hosts';
import { connectorDeps, connectServer, serverChain, type ServerConnectorDeps } from './server-connector';
import { makeTestKey, type TestKey } from './testing/keys';
import { startSshd, type TestSshd } from './testing/sshd';
import { createTestUser, type TestUser } from './testing/test-user';

// A stored server, its vault key and its host-key policy, against OpenSSH's sshd: what the CLI, the
// web console and the desktop all go through.

async function readAll(stream: Readable): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += String(chunk);
  return text;
}

async function run(connection: SshConnection, argv: string[]): Promise<string> {
  const channel = await connection.exec(argv);
  const [output] = await Promise.all([readAll(channel.stdout), channel.exit]);
  return output;
}

describe('connectServer', () => {
  let dir: string;
  let db: Database;
  let servers: ServersRepository;
  let trust: TrustedHostKeysRepository;
  let vault: Vault;
  let key: TestKey;
  let sshd: TestSshd;
  let bastion: TestSshd;
  let passwordSshd: TestSshd;
  let user: TestUser;
  let questions: HostKeyQuestion[];
  let answer: HostKeyAnswer;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lifeline-connector-'));
    key = await makeTestKey(dir, 'ed25519');
    user = await createTestUser();
    [sshd, bastion, passwordSshd] = await Promise.all([
      startSshd({ authorizedKeys: [key.publicKey] }),
      startSshd({ authorizedKeys: [key.publicKey] }),
      startSshd({ passwordAuthentication: true, user: user.name }),
    ]);
    db = openDatabase({ path: join(dir, 'lifeline.db'), migrations: desktopMigrations });
    servers = new ServersRepository(db);
    trust = new TrustedHostKeysRepository(db);
    vault = new Vault(db);
    await vault.initialize({ passphrase: 'correct horse battery' });
  });

  afterAll(async () => {
    await Promise.all([sshd?.stop(), bastion?.stop(), passwordSshd?.stop()]);
    await user?.remove();
    db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    questions = [];
    answer = 'cancel';
    for (const server of servers.list()) servers.remove(server.id);
    for (const target of [sshd, bastion]) trust.forget(target.host, target.port);
  });

  function deps(overrides: Partial<ServerConnectorDeps> = {}): ServerConnectorDeps {
    return {
      servers,
      vault,
      trustStore: trust,
      knownHostsFiles: [],
      env: {},
      askHostKey: async (question) => {
        questions.push(question);
        return answer;
      },
      ...overrides,
    };
  }

  function addServer(input: Omit<ServerInput, 'name'> & { name?: string }): Server {
    const created = servers.create(serverInputSchema.parse({ name: `s${servers.list().length}`, ...input }));
    if (created === 'duplicate-name') throw new Error('duplicate');
    return created;
  }

  function keyServer(target: TestSshd, extra: Partial<ServerInput> = {}): Server {
    const keyId = vault.listKeys()[0]?.id ?? vault.importKey({ name: 'test', text: key.privateKey.toString() }).id;
    return addServer({ host: target.host, port: target.port, user: target.user, auth: 'key', keyId, ...extra });
  }

  it('logs in with the vault key, asks about the unknown host key, and remembers it only after login', async () => {
    const server = keyServer(sshd);
    answer = 'remember';
    const connection = await connectServer(server.id, deps());
    try {
      expect(await run(connection, ['echo', 'via vault key'])).toBe('via vault key\n');
    } finally {
      await connection.close();
    }
    expect(questions).toMatchObject([{ host: sshd.host, port: sshd.port, fingerprint: sshd.hostKeys[0]!.fingerprint }]);
    expect(trust.find(sshd.host, sshd.port).map((k) => k.fingerprint)).toEqual([sshd.hostKeys[0]!.fingerprint]);

    // Remembered: StrictHostKeyChecking 'yes' now connects without a question.
    const again = await connectServer(server.id, deps(), { strictHostKeyChecking: 'yes' });
    await again.close();
    expect(questions).toHaveLength(1);
  });

  it('refuses a cancelled host key without logging in or storing anything', async () => {
    const server = keyServer(sshd);
    answer = 'cancel';
    await expect(connectServer(server.id, deps())).rejects.toMatchObject({ code: 'HOST_KEY' });
    expect(trust.find(sshd.host, sshd.port)).toEqual([]);
  });

  it('connectorDeps reads the known_hosts of the home it is given and passes the answerers on', async () => {
    const server = keyServer(sshd, { strictHostKeyChecking: 'ask' });
    const home = join(dir, 'home');
    mkdirSync(join(home, '.ssh'), { recursive: true });
    const store = { servers, vault, trustedHostKeys: trust };
    const askHostKey = async (question: HostKeyQuestion): Promise<HostKeyAnswer> => {
      questions.push(question);
      return 'cancel';
    };

    await expect(connectServer(server.id, connectorDeps({ store, env: {}, home, askHostKey }))).rejects.toMatchObject({ code: 'HOST_KEY' });
    expect(questions).toHaveLength(1);

    writeFileSync(join(home, '.ssh', 'known_hosts'), `${knownHostsName(sshd.host, sshd.port)} ${sshd.hostKeys[0]!.publicKey}\n`);
    const connection = await connectServer(server.id, connectorDeps({ store, env: {}, home, askHostKey }));
    await connection.close();
    // Known from the file: no second question, and nothing copied into Lifeline's own store.
    expect(questions).toHaveLength(1);
    expect(trust.find(sshd.host, sshd.port)).toEqual([]);
  });

  it('refuses a changed host key with both fingerprints, even with --accept-new', async () => {
    const server = keyServer(bastion);
    await (await connectServer(server.id, deps(), { strictHostKeyChecking: 'accept-new' })).close();
    const old = bastion.hostKeys[0]!.fingerprint;
    await bastion.restart({ newHostKeys: true });
    const error = await connectServer(server.id, deps(), { strictHostKeyChecking: 'accept-new' }).catch((e: Error) => e);
    expect(error).toMatchObject({ code: 'HOST_KEY' });
    expect((error as Error).message).toContain(old);
    expect((error as Error).message).toContain(bastion.hostKeys[0]!.fingerprint);
    expect(trust.find(bastion.host, bastion.port).map((k) => k.fingerprint)).toEqual([old]);
  });

  it('goes through a stored jump server, checking each hop’s host key', async () => {
    const hop = keyServer(bastion, { name: 'bastion' });
    const server = keyServer(sshd, { name: 'behind', jumpServerId: hop.id });
    expect(serverChain(server.id, servers).map((s) => s.name)).toEqual(['bastion', 'behind']);
    answer = 'once';
    const connection = await connectServer(server.id, deps());
    try {
      expect(await run(connection, ['echo', 'through the bastion'])).toBe('through the bastion\n');
    } finally {
      await connection.close();
    }
    expect(questions.map((q) => q.port).sort()).toEqual([bastion.port, sshd.port].sort());
  });

  it('uses a saved password, or asks for one when none is saved', async () => {
    const server = addServer({ host: passwordSshd.host, port: passwordSshd.port, user: user.name, auth: 'password' });
    const asked: string[] = [];
    const askCredentials: ServerConnectorDeps['askCredentials'] = async (request) => {
      asked.push(request.prompts[0]!.prompt);
      return [user.password];
    };
    const once = await connectServer(server.id, deps({ askCredentials }), { strictHostKeyChecking: 'no' });
    expect(await run(once, ['id', '-un'])).toBe(`${user.name}\n`);
    await once.close();
    expect(asked).toEqual(['Password: ']);

    vault.setServerPassword(server.id, user.password);
    const saved = await connectServer(server.id, deps({ askCredentials }), { strictHostKeyChecking: 'no' });
    await saved.close();
    expect(asked).toHaveLength(1);
  });

  it('says what to do when the ssh-agent or the key is missing', async () => {
    const agentServer = addServer({ host: sshd.host, port: sshd.port, user: sshd.user, auth: 'agent' });
    await expect(connectServer(agentServer.id, deps())).rejects.toThrow(/SSH_AUTH_SOCK is not set/);
    await expect(connectServer('no-such-id', deps())).rejects.toThrow(/no longer exists/);
  });
});
