import type { Server } from '../../preload/api';
import type { TrustedHostKeysRepository } from '../store/trusted-host-keys';
import { VaultError, type Vault } from '../vault';
import { connectSsh, SshError, type SshConnection } from './connect';
import {
  rememberHostKey,
  verifyHostKey,
  type HostKeyAnswer,
  type HostKeyQuestion,
  type PresentedHostKey,
  type StrictHostKeyChecking,
} from './host-key-policy';
import { KnownHosts, knownHostsFiles } from './known-hosts';
import type { HostKeyInfo, KeyboardInteractiveRequest, SshAuth, SshHop } from './target';

// Turns a stored server into a connection: its ProxyJump chain of stored servers, each hop's login
// (a vault key, the ssh-agent, a saved or asked password, keyboard-interactive) and its host-key policy.
// The desktop, the web console and the CLI all connect through here; they differ only in who answers
// the questions (a dialog, a terminal prompt, or nobody).

export interface ServerConnectorDeps {
  servers: { get(id: string): Server | undefined };
  vault: Pick<Vault, 'withPrivateKey' | 'getServerPassword'>;
  trustStore: Pick<TrustedHostKeysRepository, 'find' | 'remember'>;
  /** known_hosts files to consult (see knownHostsFiles()); read afresh at every connect. */
  knownHostsFiles: readonly string[];
  /** The environment that names the ssh-agent (SSH_AUTH_SOCK). */
  env: NodeJS.ProcessEnv;
  /** Asked about an unknown host key under StrictHostKeyChecking 'ask'; without it such keys are refused. */
  askHostKey?(question: HostKeyQuestion, serverId: string): Promise<HostKeyAnswer>;
  /** Asked for a password (when none is saved) or keyboard-interactive answers; null cancels. */
  askCredentials?(request: KeyboardInteractiveRequest, serverId: string): Promise<string[] | null>;
}

/** Who answers the questions a login may raise; without an answerer such questions are refused. */
export type ConnectorPrompts = Pick<ServerConnectorDeps, 'askHostKey' | 'askCredentials'>;

/** Where an installation keeps what the connector reads: its servers, its vault and its trusted host keys. */
export interface ConnectorStore {
  servers: ServerConnectorDeps['servers'];
  vault: ServerConnectorDeps['vault'];
  trustedHostKeys: ServerConnectorDeps['trustStore'];
}

export interface ConnectorSetup extends ConnectorPrompts {
  store: ConnectorStore;
  /** The environment that names the ssh-agent (SSH_AUTH_SOCK). */
  env: NodeJS.ProcessEnv;
  /** Whose ~/.ssh/known_hosts to read; defaults to the current account's home folder. */
  home?: string;
}

/**
 * The connector's dependencies for an installation: its store, the user's and the system's known_hosts
 * files and the environment. Callers differ only in who answers the questions.
 */
export function connectorDeps({ store, env, home, ...prompts }: ConnectorSetup): ServerConnectorDeps {
  return {
    servers: store.servers,
    vault: store.vault,
    trustStore: store.trustedHostKeys,
    knownHostsFiles: knownHostsFiles({ home }),
    env,
    ...prompts,
  };
}

export interface ConnectServerOptions {
  /** Overrides every hop's StrictHostKeyChecking (the CLI's --accept-new). */
  strictHostKeyChecking?: StrictHostKeyChecking;
  readyTimeoutMs?: number;
  signal?: AbortSignal;
}

/** The stored servers to pass through, first hop first, ending with the destination. */
export function serverChain(serverId: string, servers: ServerConnectorDeps['servers']): Server[] {
  const chain: Server[] = [];
  for (let id: string | null = serverId; id !== null; ) {
    const server = servers.get(id);
    if (!server) {
      const what = chain.length ? `jump server ${id} of ${chain[0]!.name}` : `server ${id}`;
      throw new SshError('JUMP_FAILED', `The ${what} no longer exists. Edit the server and choose another jump server.`);
    }
    // The store refuses loops when saving; this guards against a file edited by hand.
    if (chain.some((seen) => seen.id === server.id)) {
      throw new SshError('JUMP_FAILED', `The jump servers of ${chain[chain.length - 1]!.name} loop back to ${server.name}. Edit them so the chain ends.`);
    }
    chain.unshift(server);
    id = server.jumpServerId;
  }
  return chain;
}

/** Connects to a stored server; host keys accepted "to remember" are stored only once the login succeeded. */
export async function connectServer(serverId: string, deps: ServerConnectorDeps, options: ConnectServerOptions = {}): Promise<SshConnection> {
  const chain = serverChain(serverId, deps.servers);
  const destination = chain[chain.length - 1]!;
  const keys: Buffer[] = [];
  const toRemember: PresentedHostKey[] = [];
  try {
    const hops = await Promise.all(chain.map((server) => hopOf(server, deps, keys)));
    const knownHosts = await KnownHosts.load(deps.knownHostsFiles);
    const connection = await connectSsh(
      { ...hops[hops.length - 1]!, jump: hops.slice(0, -1) },
      {
        verifyHostKey: async (info: HostKeyInfo) => {
          const server = chain.find((hop) => hop.host === info.host && hop.port === info.port) ?? destination;
          const presented = { host: info.host, port: info.port, keyType: info.keyType, key: info.key };
          const ask = deps.askHostKey && ((question: HostKeyQuestion) => deps.askHostKey!(question, destination.id));
          try {
            const acceptance = await verifyHostKey(presented, { knownHosts, trustStore: deps.trustStore }, {
              mode: options.strictHostKeyChecking ?? server.strictHostKeyChecking,
              ask,
            });
            if (acceptance.how === 'remember') toRemember.push(presented);
            return true;
          } catch (error) {
            return error instanceof Error ? error : new Error(String(error));
          }
        },
        prompt: deps.askCredentials && ((request) => deps.askCredentials!(request, destination.id)),
        readyTimeoutMs: options.readyTimeoutMs,
        signal: options.signal,
      },
    );
    try {
      for (const presented of toRemember) rememberHostKey(presented, deps.trustStore);
    } catch (error) {
      await connection.close();
      throw error;
    }
    return connection;
  } finally {
    for (const key of keys) key.fill(0);
  }
}

async function hopOf(server: Server, deps: ServerConnectorDeps, keys: Buffer[]): Promise<SshHop> {
  const agentSocket = deps.env.SSH_AUTH_SOCK;
  return {
    host: server.host,
    port: server.port,
    user: server.user,
    auth: await authOf(server, deps, keys),
    keepaliveInterval: server.keepaliveInterval,
    keepaliveCountMax: server.keepaliveCountMax,
    agentForward: server.agentForwarding && agentSocket ? { socket: agentSocket } : undefined,
  };
}

async function authOf(server: Server, deps: ServerConnectorDeps, keys: Buffer[]): Promise<SshAuth> {
  switch (server.auth) {
    case 'key': {
      if (server.keyId === null) throw new SshError('AUTH_FAILED', `${server.name} logs in with a vault key, but none is chosen. Edit the server and pick a key.`);
      // The vault wipes its buffer when `use` returns; this copy lives until the login is over.
      const privateKey = deps.vault.withPrivateKey(server.keyId, (key) => Buffer.from(key));
      keys.push(privateKey);
      return { kind: 'key', privateKey };
    }
    case 'agent': {
      const socket = deps.env.SSH_AUTH_SOCK;
      if (!socket) {
        throw new SshError('AUTH_FAILED', `${server.name} logs in with the ssh-agent, but SSH_AUTH_SOCK is not set here. Start ssh-agent and add your key (ssh-add), or choose another login method for the server.`);
      }
      return { kind: 'agent', socket };
    }
    case 'password': {
      const saved = savedPassword(server.id, deps.vault);
      if (saved !== undefined) return { kind: 'password', password: saved };
      const answers = await deps.askCredentials?.(
        { name: `Password for ${server.user}@${server.host}`, instructions: '', prompts: [{ prompt: 'Password: ', echo: false }] },
        server.id,
      );
      if (!answers) {
        throw new SshError('CANCELLED', `${server.name} logs in with a password, and none was given. Unlock the vault to use a saved one, save it in the server's settings, or enter it when asked.`);
      }
      return { kind: 'password', password: answers[0] ?? '' };
    }
    case 'keyboard-interactive':
      return { kind: 'keyboard-interactive' };
  }
}

// A locked (or not yet set up) vault cannot say whether a password is saved; asking is the way on.
function savedPassword(serverId: string, vault: ServerConnectorDeps['vault']): string | undefined {
  try {
    return vault.getServerPassword(serverId);
  } catch (error) {
    if (error instanceof VaultError && (error.code === 'LOCKED' || error.code === 'NOT_INITIALIZED')) return undefined;
    throw error;
  }
}
