import { homedir, userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import type { Server, ServerInput } from '../../preload/api';
import { dispatch } from '../api/requests';
import { SshConfigError } from '../ssh/ssh-config';
import { applySshConfigImport, planSshConfigImport } from '../ssh/ssh-config-import';
import type { CliContext } from './context';
import { parsePort, type CliIo } from './io';
import { AGENT_OPTIONS, agentLinkOptions } from './agent-options';
import { CliRefusal, guard, openVault } from './vault-access';

/** `lifeline servers add|list|import-ssh-config`. Every change goes through the same rules as the UI's. */
export async function runServers(argv: string[], io: CliIo, context: CliContext): Promise<number> {
  const [action, ...rest] = argv;
  switch (action) {
    case 'add':
      return add(rest, io, context);
    case 'list': {
      const { values } = parseArgs({ args: rest, strict: true, options: { json: { type: 'boolean' } } });
      const servers = context.servers.list();
      if (values.json) io.out(JSON.stringify(servers, null, 2));
      else if (servers.length === 0) io.err('No servers yet. Add one with "lifeline servers add NAME --host H".');
      else for (const server of servers) io.out(`${server.name}\t${server.user}@${server.host}:${server.port}\t${server.auth}${jumpOf(server, context)}`);
      return 0;
    }
    case 'import-ssh-config':
      return importSshConfig(rest, io, context);
    default:
      throw new CliRefusal(`"servers ${action ?? ''}" is not a command: use servers add, servers list or servers import-ssh-config.`);
  }
}

async function add(argv: string[], io: CliIo, context: CliContext): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      user: { type: 'string' },
      key: { type: 'string' },
      'ssh-agent': { type: 'boolean' },
      'password-env': { type: 'string' },
      jump: { type: 'string' },
      group: { type: 'string' },
      tag: { type: 'string', multiple: true },
      ...AGENT_OPTIONS,
    },
  });
  const [name, extra] = positionals;
  if (!name || extra) throw new CliRefusal('Name one server: lifeline servers add NAME --host H [options].');
  const methods = [values.key !== undefined, values['ssh-agent'] === true, values['password-env'] !== undefined].filter(Boolean);
  if (methods.length > 1) throw new CliRefusal('Choose one way to log in: --key NAME, --ssh-agent or --password-env VAR.');

  let password: string | undefined;
  if (values['password-env'] !== undefined) {
    password = context.env[values['password-env']];
    if (password === undefined) throw new CliRefusal(`The variable ${values['password-env']} named by --password-env is not set.`);
  }
  const link = agentLinkOptions(values, context.env);
  const input: ServerInput = {
    name,
    host: values.host ?? '',
    port: values.port === undefined ? undefined : parsePort(values.port),
    user: values.user ?? userInfo().username,
    tags: values.tag,
    group: values.group ?? null,
    auth: values.key !== undefined ? 'key' : password !== undefined ? 'password' : 'agent',
    keyId: values.key === undefined ? null : keyIdByName(values.key, context),
    jumpServerId: values.jump === undefined ? null : serverByName(values.jump, context).id,
    ...(link.tmuxSession !== undefined ? { tmuxSession: link.tmuxSession } : {}),
  };
  // Unlock before creating, so a wrong passphrase leaves nothing half-made.
  if (password !== undefined || link.token !== undefined) await openVault(context.vault, io, context.env, true);
  const result = await dispatch(context.service, 'createServer', [input]);
  if (!result.ok) {
    const fields = Object.entries(result.fields ?? {}).map(([field, message]) => `--${field === 'name' ? 'NAME' : field}: ${message}`);
    throw new CliRefusal(fields.length ? `${result.message} ${fields.join('; ')}.` : result.message);
  }
  const server = result.value as Server;
  if (password !== undefined) await guard(() => context.vault.setServerPassword(server.id, password));
  if (link.token !== undefined) await guard(() => context.vault.setAgentToken(server.id, link.token!));
  const links = context.store.serverLinks.update(server.id, link.settings)!;
  const agent = links.agent ? `, agent ${links.agent.host}:${links.agent.port}${links.agent.tlsFingerprint ? ' (TLS)' : ''}` : '';
  io.err(`Lifeline: added ${server.name} (${server.user}@${server.host}:${server.port}, login: ${server.auth}${password !== undefined ? ', password saved in the vault' : ''}${agent}, layers ${links.layers.join(',')}).`);
  return 0;
}

async function importSshConfig(argv: string[], io: CliIo, context: CliContext): Promise<number> {
  const { values } = parseArgs({ args: argv, strict: true, options: { file: { type: 'string' }, 'dry-run': { type: 'boolean' } } });
  let plan;
  try {
    plan = await planSshConfigImport({ file: values.file, home: homedir(), existing: context.servers.list() });
  } catch (error) {
    if (error instanceof SshConfigError) throw new CliRefusal(error.message);
    throw error;
  }
  for (const skipped of plan.skipped) io.err(`skip\t${skipped.host}\t${skipped.reason}`);
  if (values['dry-run']) {
    for (const planned of plan.create) io.out(`create\t${planned.name}\t${planned.fields.user}@${planned.fields.host}:${planned.fields.port ?? 22}${planned.jumpChain.length ? `\tvia ${planned.jumpChain.join(' → ')}` : ''}`);
    io.err(`Lifeline: ${plan.create.length} to create, ${plan.skipped.length} skipped; nothing written (--dry-run).`);
    return 0;
  }
  const outcome = await applySshConfigImport(plan, context.service);
  for (const server of outcome.created) io.out(`created\t${server.name}`);
  for (const failure of outcome.failed) io.err(`failed\t${failure.name}\t${failure.reason}`);
  io.err(`Lifeline: created ${outcome.created.length}, skipped ${plan.skipped.length}, failed ${outcome.failed.length}.`);
  return outcome.failed.length ? 1 : 0;
}

function keyIdByName(name: string, context: CliContext): string {
  const key = context.vault.listKeys().find((candidate) => candidate.name.toLowerCase() === name.toLowerCase());
  if (!key) throw new CliRefusal(`There is no key named "${name}". See "lifeline keys list", or import one with "lifeline keys import FILE".`);
  return key.id;
}

/** A server by name (case-insensitive) or id. */
export function serverByName(name: string, context: CliContext): Server {
  const servers = context.servers.list();
  const server = servers.find((s) => s.name.toLowerCase() === name.toLowerCase()) ?? servers.find((s) => s.id === name);
  if (!server) throw new CliRefusal(`There is no server named "${name}". See "lifeline servers list".`);
  return server;
}

function jumpOf(server: Server, context: CliContext): string {
  return server.jumpServerId ? `\tvia ${context.servers.get(server.jumpServerId)?.name ?? '?'}` : '';
}
