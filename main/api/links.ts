import type { CommandRecordInfo, CommandRunInfo, LinkSamplePoint, LinkStatus, Result, Server } from '../../preload/api';
import { LinkManagerError, type LinkManager } from '../links/manager';
import type { CommandLedgerRepository } from '../store/command-ledger';
import type { LinkSamplesRepository } from '../store/link-samples';
import { toCommandRecordInfo } from './command-records';
import type { RunCommandFields } from './command-rules';
import { CommandRuns, type CommandRunsOptions } from './command-runs';
import { Emitter } from './emitter';
import { fail, ok } from './errors';
import { linkPoints } from './link-points';
import { savedCommandNotFound, type SavedCommandsApi } from './saved-commands';
import { serverNotFound, type ServersStore } from './servers';

export interface LinksApiDeps {
  /** Whoever made the manager disposes it (after this part). */
  readonly manager: LinkManager;
  readonly servers: ServersStore;
  readonly samples: Pick<LinkSamplesRepository, 'since'>;
  readonly ledger: Pick<CommandLedgerRepository, 'recent'>;
  readonly savedCommands: SavedCommandsApi;
  readonly runs: Partial<CommandRunsOptions> & Pick<CommandRunsOptions, 'requestedBy'>;
  /** Probe results within this long are announced as one linksChanged. */
  readonly linksChangedDelayMs?: number;
}

/**
 * The links and command panel part of the contract: link states and samples, probes, runs over the link
 * manager. Arguments arrive validated (see command-rules.ts).
 */
export class LinksApi {
  private readonly linksChanged = new Emitter<LinkStatus[]>();
  private readonly runs: CommandRuns;
  private readonly stopListening: () => void;
  private announceTimer: NodeJS.Timeout | undefined;
  readonly onLinksChanged = this.linksChanged.event;
  readonly onCommandRun: CommandRuns['onEvent'];

  constructor(private readonly deps: LinksApiDeps) {
    this.runs = new CommandRuns(deps.manager, deps.runs);
    this.onCommandRun = this.runs.onEvent;
    // Every probe of every layer changes a state; a round over many servers is announced once.
    this.stopListening = deps.manager.onLinkChange(() => {
      if (this.linksChanged.size === 0) return;
      this.announceTimer ??= setTimeout(() => {
        this.announceTimer = undefined;
        this.linksChanged.fire(this.statuses());
      }, deps.linksChangedDelayMs ?? 250);
    });
  }

  async listLinks(): Promise<Result<LinkStatus[]>> {
    return ok(this.statuses());
  }

  async linkSamples(serverId: string, since: string): Promise<Result<LinkSamplePoint[]>> {
    if (!this.deps.servers.get(serverId)) return serverNotFound(serverId);
    return ok(linkPoints(this.deps.samples.since(serverId, since), Date.parse(since), Date.now()));
  }

  async probeLinks(serverId: string | undefined): Promise<Result<LinkStatus[]>> {
    if (serverId !== undefined && !this.deps.servers.get(serverId)) return serverNotFound(serverId);
    try {
      await this.deps.manager.probeAll(serverId === undefined ? undefined : [serverId]);
    } catch (error) {
      return managerFailure(error);
    }
    return ok(this.statuses());
  }

  async runCommand(input: RunCommandFields): Promise<Result<CommandRunInfo>> {
    const servers = this.targetServers(input.target);
    if (!Array.isArray(servers)) return servers;
    let argv: string[];
    let savedCommand: string | undefined;
    if (input.savedCommandId !== undefined) {
      const saved = this.deps.savedCommands.get(input.savedCommandId);
      if (!saved) return savedCommandNotFound(input.savedCommandId);
      if (saved.dangerous && !input.confirmDangerous) {
        return fail('CONFIRMATION_REQUIRED', `"${saved.name}" is marked dangerous. Confirm that it should run on ${describe(servers)}, then run it again with the confirmation; nothing ran.`);
      }
      // A script is the user's own text for the server's shell; on this side it stays one argv element.
      argv = saved.argv ?? ['/bin/sh', '-c', saved.script!];
      savedCommand = saved.name;
    } else {
      argv = input.argv!;
    }
    return ok(
      this.runs.start({
        servers: servers.map((server) => ({ serverId: server.id, serverName: server.name })),
        request: { argv, ...(input.timeoutSeconds !== undefined ? { timeoutSeconds: input.timeoutSeconds } : {}) },
        concurrency: input.concurrency,
        ...(input.layer ? { layer: input.layer } : {}),
        ...(savedCommand ? { savedCommand } : {}),
      }),
    );
  }

  async retryCommandRun(runId: string, serverIds: string[]): Promise<Result<CommandRunInfo>> {
    return this.runs.retry(runId, serverIds);
  }

  async recentCommands(limit: number): Promise<Result<CommandRecordInfo[]>> {
    return ok(this.deps.ledger.recent(limit).map(toCommandRecordInfo));
  }

  /** Stops announcing and gives up runs in flight; the manager itself is its maker's to dispose. */
  dispose(): void {
    this.stopListening();
    clearTimeout(this.announceTimer);
    this.linksChanged.dispose();
    this.runs.dispose();
  }

  private statuses(): LinkStatus[] {
    const names = new Map(this.deps.servers.list().map((server) => [server.id, server.name]));
    return this.deps.manager
      .linkStates()
      .filter((health) => names.has(health.serverId))
      .map((health) => ({
        serverId: health.serverId,
        serverName: names.get(health.serverId)!,
        layer: health.layer,
        state: health.state,
        failures: health.failures,
        lastLatencyMs: health.lastLatencyMs,
        lastError: health.lastError,
        lastProbeAt: health.lastProbeAt,
      }));
  }

  private targetServers(target: RunCommandFields['target']): Server[] | Result<never> {
    const { servers } = this.deps;
    if ('serverId' in target) {
      const server = servers.get(target.serverId);
      return server ? [server] : serverNotFound(target.serverId);
    }
    if ('groupId' in target) {
      const members = servers.list().filter((server) => server.groupId === target.groupId);
      return members.length > 0 ? members : fail('NOT_FOUND', 'No server is in this group (any more); choose another group, or servers.');
    }
    const chosen = [...new Set(target.serverIds)].map((id) => servers.get(id) ?? id);
    const missing = chosen.filter((server): server is string => typeof server === 'string');
    if (missing.length > 0) return fail('NOT_FOUND', `${missing.length === 1 ? 'A chosen server no longer exists' : `${missing.length} chosen servers no longer exist`} (deleted in another window?); reload the list and choose again. Nothing ran.`);
    return chosen as Server[];
  }
}

function describe(servers: readonly Server[]): string {
  return servers.length === 1 ? servers[0]!.name : `${servers.length} servers`;
}

function managerFailure(error: unknown): Result<never> {
  if (!(error instanceof LinkManagerError)) throw error;
  if (error.code === 'NOT_FOUND') return fail('NOT_FOUND', error.message);
  if (error.code === 'DISPOSED') return fail('DISCONNECTED', error.message);
  return fail('VALIDATION', error.message);
}
