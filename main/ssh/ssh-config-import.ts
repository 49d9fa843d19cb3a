import { userInfo } from 'node:os';
import type { Server, ServerInput } from '../../preload/api';
import { dispatch, type RequestHandlers } from '../api/requests';
import { serverInputSchema } from '../api/server-rules';
import { readSshConfig, resolveSshHost, SshConfigError, type JumpSpec, type ResolvedSshHost, type SshConfig } from './ssh-config';

// Turns ~/.ssh/config into servers: a preview (`planSshConfigImport`) that says what would be created
// and what is skipped and why, then `applySshConfigImport`, which creates them through the service.

export interface PlannedServer {
  name: string;
  /** Without `jumpServerId`: the jump server gets its id when it is created (see `jumpChain`). */
  fields: ServerInput;
  /** Key files the config names for this host; importing them into the vault is a separate step. */
  identityFiles: string[];
  /** The servers connected through on the way, by name, the first hop first; the last is the jump server. */
  jumpChain: string[];
}

export interface SkippedHost {
  host: string;
  reason: string;
}

export interface SshImportPlan {
  /** Every jump server comes before the servers that connect through it. */
  create: PlannedServer[];
  skipped: SkippedHost[];
  /** The files read, the main config first. */
  files: string[];
}

export interface SshImportOutcome {
  created: Server[];
  failed: Array<{ name: string; reason: string }>;
}

export interface PlanOptions {
  /** Defaults to `<home>/.ssh/config`. */
  file?: string;
  home: string;
  /** The servers Lifeline already has: their names are not imported again, and hops may name them. */
  existing: Server[];
  /** Whom ssh logs in as when the config names no User; defaults to the current account. */
  localUser?: string;
}

// A failure caused by a loop is passed on unchanged: every server on the loop has the same reason.
type Chain = { ok: true; hops: string[] } | { ok: false; reason: string; loop?: true };

/** A server the plan knows by name: from a Host line, made for a ProxyJump hop, or already in Lifeline. */
interface Candidate {
  name: string;
  source: 'host' | 'hop' | 'existing';
  /** For 'host' and 'hop': what ssh would use, or why it cannot be a server. */
  settings?: { ok: true; host: ResolvedSshHost; fields: ServerInput } | { ok: false; reason: string };
  /** Worked out once; a hop placed after another in a chain gets its chain from there. */
  chain?: Chain;
}

/** A Host line's name to import, or why a line yields nothing. In config order. */
type HostEntry = { candidate: Candidate } | { skip: SkippedHost };

/**
 * Reads the config (throwing SshConfigError when ssh would refuse it too) and decides, host by host,
 * what to create. Nothing is written.
 */
export async function planSshConfigImport(options: PlanOptions): Promise<SshImportPlan> {
  const config = await readSshConfig({ home: options.home, file: options.file });
  return new ImportPlanner(config, options.existing, options.localUser ?? userInfo().username).plan();
}

class ImportPlanner {
  private readonly candidates = new Map<string, Candidate>();
  private readonly skipped: SkippedHost[];
  /** The candidates whose chains are being worked out, outermost first: a loop shows up here. */
  private readonly resolving: Candidate[] = [];

  constructor(
    private readonly config: SshConfig,
    private readonly existing: Server[],
    private readonly localUser: string,
  ) {
    this.skipped = config.notes.map((note) => ({ host: note.subject, reason: note.reason }));
    for (const server of existing) this.candidates.set(key(server.name), { name: server.name, source: 'existing' });
  }

  plan(): SshImportPlan {
    // Every name is known before any chain is followed: a ProxyJump may name a Host defined further down.
    const entries = this.hostEntries();
    const wanted = new Set<Candidate>();
    for (const entry of entries) {
      if ('skip' in entry) {
        this.skipped.push(entry.skip);
        continue;
      }
      const chain = this.chainOf(entry.candidate);
      if (!chain.ok) {
        this.skipped.push({ host: entry.candidate.name, reason: chain.reason });
        continue;
      }
      wanted.add(entry.candidate);
      // Hops made for ProxyJump are created only when a server that is created goes through them.
      for (const hop of chain.hops) {
        const candidate = this.candidates.get(key(hop))!;
        if (candidate.source === 'hop') wanted.add(candidate);
      }
    }
    const create: PlannedServer[] = [];
    for (const candidate of wanted) {
      // Every wanted candidate has valid settings and a chain: that is what made it wanted.
      const { settings, chain } = candidate;
      if (settings?.ok && chain?.ok) {
        create.push({ name: candidate.name, fields: settings.fields, identityFiles: settings.host.identityFiles, jumpChain: chain.hops });
      }
    }
    // Stable, and a server's chain is its jump server's chain plus that server, so jump servers come first.
    create.sort((a, b) => a.jumpChain.length - b.jumpChain.length);
    return { create, skipped: this.skipped, files: this.config.files };
  }

  /** The concrete names of the Host lines, each once, and why the other lines give none. */
  private hostEntries(): HostEntry[] {
    const entries: HostEntry[] = [];
    for (const line of this.config.hostLines) {
      const names = line.patterns.filter((pattern) => !pattern.negated && !pattern.wildcard).map((pattern) => pattern.text);
      if (line.guard.includes(null)) {
        for (const name of names) {
          entries.push({
            skip: { host: name, reason: `${line.where}: it is inside a Match block, whose conditions Lifeline cannot evaluate; add it by hand.` },
          });
        }
        continue;
      }
      if (names.length === 0) {
        entries.push({
          skip: {
            host: line.patterns.map((pattern) => (pattern.negated ? `!${pattern.text}` : pattern.text)).join(' '),
            reason: `${line.where}: wildcard-only Host: its settings apply to the hosts it matches, but it names no server of its own.`,
          },
        });
        continue;
      }
      for (const name of names) {
        const known = this.candidates.get(key(name));
        if (known?.source === 'existing') {
          entries.push({
            skip: { host: name, reason: `A server named "${known.name}" already exists in Lifeline; edit it there, or rename it to import this one.` },
          });
        } else if (!known) {
          // A later Host line naming the same host (in any case) adds to its settings, as in ssh.
          const candidate: Candidate = { name, source: 'host', settings: this.settingsOf(name, name, null) };
          this.candidates.set(key(name), candidate);
          entries.push({ candidate });
        }
      }
    }
    return entries;
  }

  private settingsOf(name: string, alias: string, hop: JumpSpec | null): Candidate['settings'] {
    let host: ResolvedSshHost;
    try {
      host = resolveSshHost(this.config, alias, this.localUser);
    } catch (error) {
      if (error instanceof SshConfigError) return { ok: false, reason: error.message };
      throw error;
    }
    if (hop) host = { ...host, user: hop.user ?? host.user, port: hop.port ?? host.port };
    if (host.proxyCommand !== null) {
      return { ok: false, reason: `It connects through ProxyCommand "${host.proxyCommand}", which Lifeline does not run; use ProxyJump, or add it by hand.` };
    }
    const fields: ServerInput = {
      name,
      host: host.hostName,
      port: host.port,
      user: host.user,
      ...(host.serverAliveInterval !== null && { keepaliveInterval: host.serverAliveInterval }),
      ...(host.serverAliveCountMax !== null && { keepaliveCountMax: host.serverAliveCountMax }),
      ...(host.strictHostKeyChecking !== null && { strictHostKeyChecking: host.strictHostKeyChecking }),
      ...(host.forwardAgent !== null && { agentForwarding: host.forwardAgent }),
    };
    const checked = serverInputSchema.safeParse(fields);
    if (!checked.success) {
      const problems = [...new Set(checked.error.issues.map((issue) => issue.message))].join('; ');
      return { ok: false, reason: `It cannot be a Lifeline server as configured: ${problems}.` };
    }
    return { ok: true, host, fields };
  }

  /** The servers connected through on the way to `candidate`, first hop first; memoized. */
  private chainOf(candidate: Candidate): Chain {
    if (candidate.chain) return candidate.chain;
    const start = this.resolving.indexOf(candidate);
    if (start >= 0) {
      const loop = [...this.resolving.slice(start), candidate].map((step) => step.name).join(' → ');
      return { ok: false, loop: true, reason: `Its ProxyJump goes round in a loop (${loop}); ssh cannot connect like that either.` };
    }
    this.resolving.push(candidate);
    try {
      candidate.chain = this.workOutChain(candidate);
      return candidate.chain;
    } finally {
      this.resolving.pop();
    }
  }

  private workOutChain(candidate: Candidate): Chain {
    if (candidate.source === 'existing') return { ok: true, hops: this.existingChain(candidate.name) };
    const settings = candidate.settings!;
    if (!settings.ok) return settings;
    const jumps = settings.host.proxyJump;
    if (jumps.length === 0) return { ok: true, hops: [] };

    // ssh connects to the first hop with that hop's own settings (its ProxyJump included) and to every
    // later hop through the ones before it, whatever that hop's own ProxyJump says.
    let hops: string[] = [];
    for (const [index, jump] of jumps.entries()) {
      const hop = this.hopCandidate(jump);
      let chain: Chain;
      if (index > 0 && hop.source === 'hop' && !hop.chain) {
        chain = hop.settings!.ok ? { ok: true, hops } : hop.settings!;
        hop.chain = chain;
      } else {
        chain = this.chainOf(hop);
      }
      if (!chain.ok) return chain.loop ? chain : { ok: false, reason: `Its jump host ${jump.text} cannot be imported: ${chain.reason}` };
      if (index > 0 && !sameNames(chain.hops, hops)) {
        return {
          ok: false,
          reason:
            `Its ProxyJump reaches ${hop.name} through ${chainText(hops)}, but ${hop.name} itself goes through ${chainText(chain.hops)}; ` +
            `Lifeline keeps one jump server per server, so put the whole chain in ${hop.name}'s ProxyJump and only ${hop.name} in this one.`,
        };
      }
      hops = [...chain.hops, hop.name];
    }
    return { ok: true, hops };
  }

  /**
   * The server a hop stands for: the Host block it names (unless it changes that block's user or port),
   * a Lifeline server of that name, or else a new server named as the hop is written.
   */
  private hopCandidate(jump: JumpSpec): Candidate {
    const named = this.candidates.get(key(jump.host));
    if (named?.source === 'existing' && jump.user === null && jump.port === null) return named;
    if (named?.source === 'host' && named.settings?.ok) {
      const host = named.settings.host;
      if ((jump.user ?? host.user) === host.user && (jump.port ?? host.port) === host.port) return named;
    }
    const name = jump.text.replace(/^ssh:\/\//, '').replace(/\/$/, '');
    const known = this.candidates.get(key(name));
    if (known) return known;
    const candidate: Candidate = { name, source: 'hop', settings: this.settingsOf(name, jump.host, jump) };
    this.candidates.set(key(name), candidate);
    return candidate;
  }

  private existingChain(name: string): string[] {
    const byId = new Map(this.existing.map((server) => [server.id, server]));
    const hops: string[] = [];
    let server = this.existing.find((candidate) => key(candidate.name) === key(name));
    // The service keeps loops out of the store; the bound only protects against a list that has one.
    while (server?.jumpServerId && hops.length < this.existing.length) {
      server = byId.get(server.jumpServerId);
      if (server) hops.unshift(server.name);
    }
    return hops;
  }
}

/**
 * Creates the planned servers through the service (validated like any other call), jump servers first
 * so that every jump reference resolves, and reports what was created and what was refused and why.
 */
export async function applySshConfigImport(plan: SshImportPlan, service: RequestHandlers): Promise<SshImportOutcome> {
  const outcome: SshImportOutcome = { created: [], failed: [] };
  const listed = await service.listServers();
  if (!listed.ok) {
    outcome.failed = plan.create.map((planned) => ({ name: planned.name, reason: listed.message }));
    return outcome;
  }
  // A planned name refers to the server this import creates, never to one that took the name meanwhile.
  const planned = new Set(plan.create.map((server) => key(server.name)));
  const ids = new Map(listed.value.filter((server) => !planned.has(key(server.name))).map((server) => [key(server.name), server.id]));
  const ordered = [...plan.create].sort((a, b) => a.jumpChain.length - b.jumpChain.length);
  for (const next of ordered) {
    const jumpName = next.jumpChain.at(-1);
    const jumpServerId = jumpName === undefined ? null : ids.get(key(jumpName));
    if (jumpServerId === undefined) {
      outcome.failed.push({ name: next.name, reason: `Its jump server "${jumpName}" was not created, so it was not created either.` });
      continue;
    }
    const result = await dispatch(service, 'createServer', [{ ...next.fields, jumpServerId }]);
    if (result.ok) {
      const server = result.value as Server;
      outcome.created.push(server);
      ids.set(key(server.name), server.id);
    } else {
      outcome.failed.push({ name: next.name, reason: result.fields ? Object.values(result.fields).join('; ') : result.message });
    }
  }
  return outcome;
}

// Server names are unique regardless of case, and ssh matches host names regardless of case.
function key(name: string): string {
  return name.toLowerCase();
}

function sameNames(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((name, index) => key(name) === key(b[index]!));
}

function chainText(hops: string[]): string {
  return hops.length === 0 ? 'no jump host' : hops.join(' → ');
}
