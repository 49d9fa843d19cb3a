import { randomUUID } from 'node:crypto';
import { runParamsSchema, type CommandResult, type RunParams } from '../../agent/protocol/messages';
import { describeIssues } from '../../agent/protocol/client';
import type { SshConnection } from '../ssh/connection';
import type { CommandLedgerRepository, CommandRecord } from '../store/command-ledger';
import type { LinkSamplesRepository } from '../store/link-samples';
import type { ServerLinkSettings } from '../store/server-links';
import { DEFAULT_REMOTE_COMMAND, type LayerAdapter, type LayerName, type LinkTarget, type OutputListener } from './adapters/layer';
import { asLinkError, LinkError } from './adapters/link-error';
import { eachLimited } from './each-limited';
import { healthFromSamples, nextHealth, type LayerHealth } from './link-health';
import type { Redaction, Redactor } from './redact';

// The link manager: a command reaches a server over the first of its layers that works, in the server's
// order, each attempt bounded in time; the command's id is made once, before the first attempt, and the
// agent's ledger runs an id at most once, so an attempt that timed out after the command started is
// answered with the recorded result by the next layer instead of running it again. Every attempt and
// the end are written to the desktop's command ledger, redacted. Probes keep each layer's health, and a
// layer that failed `downAfterFailures` probes in a row is skipped until a probe succeeds again.

export interface LinkManagerOptions {
  /**
   * How long an attempt over each layer may take before the next layer is tried (not for the last layer
   * tried, which waits for the command's own time limit). Once a layer streams output the command is known
   * to run, and that attempt too waits for the command's limit.
   */
  readonly attemptTimeoutMs: Readonly<Record<LayerName, number>>;
  /** The command's limit when the request gives none (the agent's default is the same). */
  readonly defaultCommandTimeoutSeconds: number;
  /** Added to a command's limit: the agent stops it at its limit and still has to answer. */
  readonly resultGraceMs: number;
  readonly probeIntervalMs: number;
  /** Each round starts after the interval ± this fraction of it, so many desktops do not probe in step. */
  readonly probeJitter: number;
  readonly probeTimeoutMs: number;
  readonly downAfterFailures: number;
  /** Servers probed at once in a round. */
  readonly probeConcurrency: number;
  readonly sampleRetentionMs: number;
  /** Per stream, in the ledger; the agent keeps its own copy capped at its own limit. */
  readonly ledgerOutputCapBytes: number;
}

export const DEFAULT_LINK_MANAGER_OPTIONS: LinkManagerOptions = {
  attemptTimeoutMs: { bridge: 5000, trigger: 5000, tmux: 10_000, exec: 10_000 },
  defaultCommandTimeoutSeconds: 300,
  resultGraceMs: 10_000,
  probeIntervalMs: 10_000,
  probeJitter: 0.2,
  probeTimeoutMs: 5000,
  downAfterFailures: 3,
  probeConcurrency: 16,
  sampleRetentionMs: 24 * 3600_000,
  ledgerOutputCapBytes: 256 * 1024,
};

export interface LinkManagerDeps {
  readonly links: { get(serverId: string): ServerLinkSettings | undefined; list(): ServerLinkSettings[] };
  readonly samples: LinkSamplesRepository;
  readonly ledger: CommandLedgerRepository;
  /** One per layer; the manager owns them and disposes them. */
  readonly adapters: readonly LayerAdapter[];
  /** The server's agent token (from the vault); throws with what to do when it cannot be read (vault locked). */
  readonly agentToken: (serverId: string) => string | undefined;
  /** The servers' shared SSH connections; owned by the manager. Absent: the SSH layers are refused. */
  readonly ssh?: { get(serverId: string): Promise<SshConnection>; dispose(): Promise<void> };
  readonly redactor: Redactor;
  /**
   * Which servers the interval probes (probeAll without ids probes all). Default: every server. Probing
   * opens SSH connections, so a server never attached to an agent can be left to explicit probes.
   */
  readonly probedOnInterval?: (settings: ServerLinkSettings) => boolean;
  readonly options?: Partial<LinkManagerOptions>;
}

/** What to run: an argv array (never a shell string) or a command named in the agent's config. */
export type CommandRequest = ({ argv: string[]; named?: undefined } | { named: string; argv?: undefined }) & {
  cwd?: string;
  env?: Record<string, string>;
  timeoutSeconds?: number;
};

export interface RunOptions {
  /** Who asked, for the ledger and the agent's (e.g. "alice@laptop"). */
  readonly requestedBy: string;
  /** Only this layer, whatever its health. */
  readonly layer?: LayerName;
  /** The saved command being run, by its name, for the ledger. */
  readonly savedCommand?: string;
  /** Live output (bridge); output a layer brings only at the end arrives here then, never twice. */
  readonly onOutput?: OutputListener;
  /** Stops waiting (the command may run on; its id keeps a retry from running it twice). */
  readonly signal?: AbortSignal;
  /** Called with the id before the first attempt. */
  readonly onStart?: (commandId: string) => void;
}

export type AttemptEvent =
  | { readonly kind: 'start'; readonly commandId: string; readonly serverId: string; readonly layer: LayerName; readonly seq: number; readonly at: number }
  | { readonly kind: 'end'; readonly commandId: string; readonly serverId: string; readonly layer: LayerName; readonly seq: number; readonly at: number; readonly latencyMs: number; readonly ok: boolean; readonly error?: LinkError }
  | { readonly kind: 'skip'; readonly commandId: string; readonly serverId: string; readonly layer: LayerName; readonly at: number; readonly reason: 'down' };

export type LinkManagerErrorCode = 'NOT_FOUND' | 'BAD_REQUEST' | 'DISPOSED';

/** A command the manager would not start; nothing was recorded or sent. */
export class LinkManagerError extends Error {
  override readonly name = 'LinkManagerError';
  constructor(
    readonly code: LinkManagerErrorCode,
    message: string,
  ) {
    super(message);
  }
}

type Listener<T> = (event: T) => void;

export class LinkManager {
  private readonly options: LinkManagerOptions;
  private readonly adapters = new Map<LayerName, LayerAdapter>();
  private readonly health = new Map<string, LayerHealth>();
  private readonly attemptListeners = new Set<Listener<AttemptEvent>>();
  private readonly linkListeners = new Set<Listener<LayerHealth>>();
  private readonly stopping = new AbortController();
  private probeTimer: NodeJS.Timeout | undefined;
  private probing: Promise<void> | undefined;
  private probeRounds = false;

  constructor(private readonly deps: LinkManagerDeps) {
    this.options = { ...DEFAULT_LINK_MANAGER_OPTIONS, ...deps.options };
    for (const adapter of deps.adapters) this.adapters.set(adapter.layer, adapter);
  }

  onAttempt(listener: Listener<AttemptEvent>): () => void {
    this.attemptListeners.add(listener);
    return () => this.attemptListeners.delete(listener);
  }

  onLinkChange(listener: Listener<LayerHealth>): () => void {
    this.linkListeners.add(listener);
    return () => this.linkListeners.delete(listener);
  }

  /**
   * Runs a command on a server with failover and resolves with its ledger record (redacted): the agent's
   * result, or state `undelivered` when no layer brought one back. Rejects only with LinkManagerError,
   * before anything is recorded (unknown server, invalid request).
   */
  async run(serverId: string, request: CommandRequest, options: RunOptions): Promise<CommandRecord> {
    this.refuseIfDisposed();
    const settings = this.settingsOf(serverId);
    const commandId = randomUUID();
    const params = checkedParams({ ...request, commandId, requestedBy: options.requestedBy });
    const redaction = this.redaction(settings);
    this.deps.ledger.start({
      id: commandId,
      serverId,
      serverName: settings.serverName,
      argv: params.argv ? redaction.argv(params.argv) : null,
      named: params.named ?? null,
      savedCommand: options.savedCommand === undefined ? null : redaction.text(options.savedCommand),
      cwd: params.cwd === undefined ? null : redaction.text(params.cwd),
      requestedBy: options.requestedBy,
      startedAt: new Date().toISOString(),
    });
    options.onStart?.(commandId);

    const layers = this.layersToTry(settings, commandId, options.layer);
    const emitted = { stdout: 0, stderr: 0 };
    const onOutput: OutputListener = (stream, text) => {
      emitted[stream] += text.length;
      options.onOutput?.(stream, text);
    };
    const failures: LinkError[] = [];
    let outcome: { layer: LayerName; result: CommandResult } | undefined;
    for (const [index, layer] of layers.entries()) {
      if (options.signal?.aborted) break;
      const last = index === layers.length - 1;
      const attempt = await this.attempt(settings, layer, params, { last, onOutput, signal: options.signal, redaction });
      if ('result' in attempt) {
        outcome = { layer, result: attempt.result };
        break;
      }
      failures.push(attempt.error);
    }

    if (outcome) {
      // What a layer brought only at the end (or a replay) is passed on from where live output stopped.
      for (const stream of ['stdout', 'stderr'] as const) {
        const text = outcome.result[stream];
        if (text.length > emitted[stream]) options.onOutput?.(stream, text.slice(emitted[stream]));
      }
    }
    this.deps.ledger.finish(commandId, this.endOf(outcome, failures, options.signal, redaction));
    return this.deps.ledger.get(commandId)!;
  }

  /** Every layer's health of one server or of all, as the manager knows it (probes, or stored samples). */
  linkStates(serverId?: string): LayerHealth[] {
    const servers = serverId === undefined ? this.deps.links.list() : [this.settingsOf(serverId)];
    return servers.flatMap((settings) => settings.layers.map((layer) => this.healthOf(settings.serverId, layer)));
  }

  /**
   * What blanks this server's secrets (its agent token, every secret of the vault, the secret patterns)
   * in text shown or stored elsewhere, such as live output; throws LinkManagerError NOT_FOUND.
   */
  redactionFor(serverId: string): Redaction {
    return this.redaction(this.settingsOf(serverId));
  }

  /** Whether any probe of the server (or of any server) was ever recorded. */
  hasSamples(serverId?: string): boolean {
    return this.linkStates(serverId).some((health) => health.lastProbeAt !== null);
  }

  /** Probes every layer of the given servers (default: all) once, and records the samples. */
  async probeAll(serverIds?: readonly string[]): Promise<void> {
    this.refuseIfDisposed();
    const servers = serverIds === undefined ? this.deps.links.list() : serverIds.map((id) => this.settingsOf(id));
    await eachLimited(servers, this.options.probeConcurrency, (settings) => Promise.all(settings.layers.map((layer) => this.probe(settings, layer))));
    this.deps.samples.prune(new Date(Date.now() - this.options.sampleRetentionMs).toISOString());
  }

  /** Probes on the interval until stopProbing or dispose; a round never overlaps the one before. */
  startProbing(): void {
    this.refuseIfDisposed();
    if (this.probeTimer || this.probing) return;
    const round = () => {
      this.probeTimer = undefined;
      const filter = this.deps.probedOnInterval;
      this.probing = this.probeAll(filter && this.deps.links.list().filter(filter).map((settings) => settings.serverId))
        .catch(() => undefined)
        .finally(() => {
          this.probing = undefined;
          if (!this.stopping.signal.aborted && this.probeRounds) this.probeTimer = setTimeout(round, this.nextDelay());
        });
    };
    this.probeRounds = true;
    this.probeTimer = setTimeout(round, 0);
  }

  stopProbing(): void {
    this.probeRounds = false;
    clearTimeout(this.probeTimer);
    this.probeTimer = undefined;
  }

  /** Stops probing, gives up commands and probes in flight, closes the adapters and SSH connections. */
  async dispose(): Promise<void> {
    if (this.stopping.signal.aborted) return;
    this.stopProbing();
    this.stopping.abort(new Error('The link manager is shutting down.'));
    await this.probing;
    for (const adapter of this.adapters.values()) adapter.dispose();
    await this.deps.ssh?.dispose();
  }

  private nextDelay(): number {
    const { probeIntervalMs, probeJitter } = this.options;
    return Math.max(0, probeIntervalMs * (1 + probeJitter * (2 * Math.random() - 1)));
  }

  private async attempt(
    settings: ServerLinkSettings,
    layer: LayerName,
    params: RunParams,
    context: { last: boolean; onOutput: OutputListener; signal: AbortSignal | undefined; redaction: Redaction },
  ): Promise<{ result: CommandResult } | { error: LinkError }> {
    const { serverId } = settings;
    const commandId = params.commandId;
    const runLimitMs = (params.timeoutSeconds ?? this.options.defaultCommandTimeoutSeconds) * 1000 + this.options.resultGraceMs;
    const controller = new AbortController();
    let limitMs = context.last ? runLimitMs : this.options.attemptTimeoutMs[layer];
    const expire = () =>
      controller.abort(
        new LinkError(layer, 'TIMEOUT', `No answer over ${layer} within ${limitMs} ms${context.last ? '' : '; trying the next layer (the command may already run there: it never runs twice)'}.`),
      );
    let timer = setTimeout(expire, limitMs);
    const cancel = () => controller.abort(new LinkError(layer, 'TIMEOUT', 'Cancelled by the caller; the command may still run on the server, and a retry with the same id never runs it twice.'));
    context.signal?.addEventListener('abort', cancel, { once: true });
    const stopping = () => controller.abort(new LinkError(layer, 'TIMEOUT', 'Lifeline is shutting down; the command may still run on the server.'));
    this.stopping.signal.addEventListener('abort', stopping, { once: true });
    const onOutput: OutputListener = (stream, text) => {
      // Output proves the command runs: from now on this attempt waits for the command itself.
      if (limitMs !== runLimitMs) {
        limitMs = runLimitMs;
        clearTimeout(timer);
        timer = setTimeout(expire, limitMs);
      }
      context.onOutput(stream, text);
    };

    const startedAt = Date.now();
    const seq = this.deps.ledger.startAttempt(commandId, layer, new Date(startedAt).toISOString());
    this.emitAttempt({ kind: 'start', commandId, serverId, layer, seq, at: startedAt });
    try {
      const adapter = this.adapterOf(layer);
      const result = await adapter.run(this.targetOf(settings, layer), params, controller.signal, onOutput);
      const latencyMs = Date.now() - startedAt;
      this.deps.ledger.endAttempt(commandId, seq, { latencyMs, ok: true });
      this.emitAttempt({ kind: 'end', commandId, serverId, layer, seq, at: Date.now(), latencyMs, ok: true });
      return { result };
    } catch (caught) {
      const error = asLinkError(layer, controller.signal.aborted && controller.signal.reason instanceof LinkError ? controller.signal.reason : caught);
      const latencyMs = Date.now() - startedAt;
      this.deps.ledger.endAttempt(commandId, seq, { latencyMs, ok: false, errorCode: error.code, error: context.redaction.text(error.message) });
      this.emitAttempt({ kind: 'end', commandId, serverId, layer, seq, at: Date.now(), latencyMs, ok: false, error });
      return { error };
    } finally {
      clearTimeout(timer);
      context.signal?.removeEventListener('abort', cancel);
      this.stopping.signal.removeEventListener('abort', stopping);
    }
  }

  private endOf(outcome: { layer: LayerName; result: CommandResult } | undefined, failures: readonly LinkError[], signal: AbortSignal | undefined, redaction: Redaction) {
    const finishedAt = new Date().toISOString();
    if (outcome) {
      const { result, layer } = outcome;
      const stdout = capped(redaction.text(result.stdout), this.options.ledgerOutputCapBytes);
      const stderr = capped(redaction.text(result.stderr), this.options.ledgerOutputCapBytes);
      return {
        state: result.state,
        finishedAt,
        exitCode: result.exitCode,
        signal: result.signal,
        stdout: stdout.text,
        stderr: stderr.text,
        truncated: result.truncated || stdout.cut || stderr.cut,
        layer,
        message: result.message === undefined ? null : redaction.text(result.message),
      };
    }
    const why = failures.map((failure) => `${failure.layer}: ${failure.message}`).join(' | ');
    const message = signal?.aborted
      ? `Cancelled before a result came back${why ? ` (${why})` : ''}. The command may have run; see the agent's ledger.`
      : failures.length === 0
        ? 'No layer is set for this server; set its layers (lifeline servers add … --layers bridge,tmux,trigger,exec).'
        : `No layer brought a result back (${why}). The command may have run all the same; the agent runs its id at most once.`;
    return { state: 'undelivered' as const, finishedAt, exitCode: null, signal: null, stdout: '', stderr: '', truncated: false, layer: null, message: redaction.text(message) };
  }

  private layersToTry(settings: ServerLinkSettings, commandId: string, only: LayerName | undefined): LayerName[] {
    if (only) return [only];
    const order = settings.layers.filter((layer) => this.adapters.has(layer));
    const usable = order.filter((layer) => this.healthOf(settings.serverId, layer).state !== 'down');
    for (const layer of order) {
      if (!usable.includes(layer)) this.emitAttempt({ kind: 'skip', commandId, serverId: settings.serverId, layer, at: Date.now(), reason: 'down' });
    }
    // Every layer down by its probes: try them all rather than refuse, since a probe can be stale.
    return usable.length > 0 ? usable : order;
  }

  private async probe(settings: ServerLinkSettings, layer: LayerName): Promise<void> {
    const adapter = this.adapters.get(layer);
    if (!adapter || this.stopping.signal.aborted) return;
    const signal = AbortSignal.any([AbortSignal.timeout(this.options.probeTimeoutMs), this.stopping.signal]);
    const started = Date.now();
    let error: string | null = null;
    try {
      await adapter.probe(this.targetOf(settings, layer), signal);
    } catch (caught) {
      error = this.redaction(settings).text(asLinkError(layer, caught).message);
    }
    if (this.stopping.signal.aborted) return;
    const sample = { serverId: settings.serverId, layer, at: new Date().toISOString(), ok: error === null, latencyMs: Date.now() - started, error };
    this.deps.samples.add(sample);
    const before = this.healthOf(settings.serverId, layer);
    const after = nextHealth(before, sample, this.options.downAfterFailures);
    this.health.set(healthKey(settings.serverId, layer), after);
    this.linkListeners.forEach((listener) => listener(after));
  }

  private healthOf(serverId: string, layer: LayerName): LayerHealth {
    const key = healthKey(serverId, layer);
    let health = this.health.get(key);
    if (!health) {
      // A new process (the CLI, a restart) starts from what the probes recorded.
      const recent = this.deps.samples.recent(serverId, layer, this.options.downAfterFailures);
      health = healthFromSamples(serverId, layer, recent, this.options.downAfterFailures);
      this.health.set(key, health);
    }
    return health;
  }

  private targetOf(settings: ServerLinkSettings, layer: LayerName): LinkTarget {
    const { serverId } = settings;
    let agent: LinkTarget['agent'];
    if (layer === 'bridge' && settings.agent) {
      let token: string | undefined;
      try {
        token = this.deps.agentToken(serverId);
      } catch (error) {
        throw new LinkError('bridge', 'AUTH', `The agent token of ${settings.serverName} cannot be read: ${(error as Error).message}`, { cause: error });
      }
      if (token === undefined) {
        throw new LinkError('bridge', 'AUTH', `${settings.serverName} has an agent address but no token; attach it again with --agent-token-env VAR or --agent-token-file F.`);
      }
      agent = { host: settings.agent.host, port: settings.agent.port, token, ...(settings.agent.tlsFingerprint ? { tlsFingerprint: settings.agent.tlsFingerprint } : {}) };
    }
    const ssh = this.deps.ssh;
    return {
      serverId,
      ...(agent ? { agent } : {}),
      ...(ssh ? { ssh: () => ssh.get(serverId) } : {}),
      ...(settings.sshDestination ? { sshDestination: settings.sshDestination } : {}),
      ...(settings.triggerDir ? { triggerDir: settings.triggerDir } : {}),
      ...(settings.tmuxSession ? { tmuxSession: settings.tmuxSession } : {}),
      ...(settings.tmuxSocket ? { tmuxSocketName: settings.tmuxSocket } : {}),
      remoteCommand: settings.agentCommand ?? DEFAULT_REMOTE_COMMAND,
    };
  }

  private redaction(settings: ServerLinkSettings): Redaction {
    let token: string | undefined;
    try {
      token = settings.agent ? this.deps.agentToken(settings.serverId) : undefined;
    } catch {
      // Unreadable (vault locked): then it cannot be sent either.
    }
    return this.deps.redactor.session(token === undefined ? [] : [token]);
  }

  private adapterOf(layer: LayerName): LayerAdapter {
    const adapter = this.adapters.get(layer);
    if (!adapter) throw new LinkError(layer, 'REFUSED', `This Lifeline has no ${layer} layer; choose another layer.`);
    return adapter;
  }

  private settingsOf(serverId: string): ServerLinkSettings {
    const settings = this.deps.links.get(serverId);
    if (!settings) throw new LinkManagerError('NOT_FOUND', `No server has the id ${serverId} (it may have been deleted); see lifeline servers list.`);
    return settings;
  }

  private emitAttempt(event: AttemptEvent): void {
    this.attemptListeners.forEach((listener) => listener(event));
  }

  private refuseIfDisposed(): void {
    if (this.stopping.signal.aborted) throw new LinkManagerError('DISPOSED', 'The link manager has been shut down; restart Lifeline.');
  }
}

function healthKey(serverId: string, layer: LayerName): string {
  return `${serverId}\n${layer}`;
}

function checkedParams(params: unknown): RunParams {
  const parsed = runParamsSchema.safeParse(params);
  if (!parsed.success) throw new LinkManagerError('BAD_REQUEST', `The command is not valid (${describeIssues(parsed.error.issues, 'command')}); fix it and run it again.`);
  return parsed.data;
}

/** The first `maxBytes` of `text` in UTF-8, and whether anything was cut. */
function capped(text: string, maxBytes: number): { text: string; cut: boolean } {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return { text, cut: false };
  // A character split at the cut decodes as U+FFFD, which is dropped.
  return { text: bytes.subarray(0, maxBytes).toString('utf8').replace(/\uFFFD$/, ''), cut: true };
}
