import { readFileSync } from 'node:fs';
import { parseLayerOrder } from '../links/layer-order';
import type { ServerLinkChanges } from '../store/server-links';
import { agentTokenSchema } from '../vault/rules';
import { CliRefusal } from './vault-access';

// `servers add` options that attach a server's agent and choose its layer order (issue 5).

export const AGENT_OPTIONS = {
  agent: { type: 'string' },
  'agent-fingerprint': { type: 'string' },
  'agent-token-env': { type: 'string' },
  'agent-token-file': { type: 'string' },
  'agent-command': { type: 'string', multiple: true },
  'trigger-dir': { type: 'string' },
  'tmux-session': { type: 'string' },
  'tmux-socket': { type: 'string' },
  layers: { type: 'string' },
} as const;

type AgentValues = {
  agent?: string;
  'agent-fingerprint'?: string;
  'agent-token-env'?: string;
  'agent-token-file'?: string;
  'agent-command'?: string[];
  'trigger-dir'?: string;
  'tmux-session'?: string;
  'tmux-socket'?: string;
  layers?: string;
};

export interface AgentLink {
  readonly settings: ServerLinkChanges;
  /** For the vault; checked already. */
  readonly token: string | undefined;
  /** Goes with the server's SSH settings (terminals use it too). */
  readonly tmuxSession: string | undefined;
}

/** Checks the agent options before anything is written; throws CliRefusal saying what to fix. */
export function agentLinkOptions(values: AgentValues, env: NodeJS.ProcessEnv): AgentLink {
  const settings: { -readonly [K in keyof ServerLinkChanges]: ServerLinkChanges[K] } = {};
  let token: string | undefined;
  const tokenFrom = [values['agent-token-env'], values['agent-token-file']].filter((value) => value !== undefined);
  if (values.agent !== undefined) {
    if (tokenFrom.length !== 1) throw new CliRefusal('--agent needs the bridge token: give --agent-token-env VAR or --agent-token-file F (the agent\'s bridge.token), one of them.');
    const fingerprint = values['agent-fingerprint'];
    if (fingerprint !== undefined && !/^SHA256:[A-Za-z0-9+/]{43}=?$/.test(fingerprint)) {
      throw new CliRefusal(`--agent-fingerprint must be the agent certificate's "SHA256:…" fingerprint, as lifeline agent init prints it, not "${fingerprint}".`);
    }
    settings.agent = { ...agentAddress(values.agent), tlsFingerprint: fingerprint ?? null };
    token = readToken(values, env);
  } else if (tokenFrom.length > 0 || values['agent-fingerprint'] !== undefined) {
    throw new CliRefusal('The agent token and fingerprint go with --agent tcp://HOST:PORT; give that too.');
  }
  if (values['agent-command'] !== undefined) settings.agentCommand = values['agent-command'];
  if (values['trigger-dir'] !== undefined) {
    if (values['trigger-dir'].trim() === '' || values['trigger-dir'].length > 4096) throw new CliRefusal('--trigger-dir must be the agent\'s trigger folder (its trigger.dir), not empty.');
    settings.triggerDir = values['trigger-dir'];
  }
  if (values['tmux-socket'] !== undefined) {
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(values['tmux-socket'])) throw new CliRefusal('--tmux-socket is a tmux -L socket name: 1–64 letters, digits, ".", "_" or "-".');
    settings.tmuxSocket = values['tmux-socket'];
  }
  if (values.layers !== undefined) {
    try {
      settings.layers = parseLayerOrder(values.layers);
    } catch (error) {
      throw new CliRefusal(`--layers: ${(error as Error).message}`);
    }
  }
  return { settings, token, tmuxSession: values['tmux-session'] };
}

/** tcp://HOST:PORT (an IPv6 host in brackets). */
function agentAddress(text: string): { host: string; port: number } {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new CliRefusal(`--agent must look like tcp://HOST:PORT (e.g. tcp://10.0.0.5:8899), not "${text}".`);
  }
  if (url.protocol !== 'tcp:' || url.pathname !== '' || url.search || url.username || !url.hostname || !url.port) {
    throw new CliRefusal(`--agent must be tcp://HOST:PORT with nothing else (for TLS add --agent-fingerprint), not "${text}".`);
  }
  return { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(url.port) };
}

function readToken(values: AgentValues, env: NodeJS.ProcessEnv): string {
  let raw: string | undefined;
  const variable = values['agent-token-env'];
  const file = values['agent-token-file'];
  if (variable !== undefined) {
    raw = env[variable];
    if (raw === undefined) throw new CliRefusal(`The variable ${variable} named by --agent-token-env is not set.`);
  } else if (file !== undefined) {
    try {
      raw = readFileSync(file, 'utf8');
    } catch (error) {
      throw new CliRefusal(`The token file ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); copy the agent's bridge.token here first.`);
    }
  }
  // A file ends with a newline; the token itself has no spaces.
  const checked = agentTokenSchema.safeParse((raw ?? '').trim());
  if (!checked.success) throw new CliRefusal(`${checked.error.issues[0]?.message ?? 'The agent token is not valid'}.`);
  return checked.data;
}
