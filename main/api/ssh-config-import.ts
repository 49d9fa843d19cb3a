import { join } from 'node:path';
import type { Result, SshConfigHost, SshConfigImportOutcome, SshConfigPreview, SshConfigSkipped } from '../../preload/api';
import { SshConfigError } from '../ssh/ssh-config';
import { applySshConfigImport, planSshConfigImport, type PlannedServer, type SshImportPlan } from '../ssh/ssh-config-import';
import { fail, ok } from './errors';
import type { ParsedArgs, RequestHandlers } from './requests';
import type { ServersStore } from './servers';

export interface SshConfigImportDeps {
  servers: Pick<ServersStore, 'list'>;
  /** Creates the servers, through the same validation and events as any other call. */
  service: RequestHandlers;
  /** The home folder of the account main runs as: `~` in paths and the default `~/.ssh/config`. */
  home: string;
  /** Whom ssh logs in as when the config names no User; defaults to the current account. */
  localUser?: string;
}

type Source = ParsedArgs<'previewSshConfigImport'>[0];
type ImportInput = ParsedArgs<'importSshConfig'>[0];

/**
 * The ~/.ssh/config import of the contract: a preview of the plan, then the import of the hosts the
 * user chose. Both read the file afresh, so the import acts on the config as it is when the user confirms.
 */
export class SshConfigImportApi {
  constructor(private readonly deps: SshConfigImportDeps) {}

  async previewSshConfigImport(source: Source): Promise<Result<SshConfigPreview>> {
    const plan = await this.plan(source);
    if (!plan.ok) return plan;
    return ok({ files: plan.value.files, create: plan.value.create.map(hostOf), skipped: plan.value.skipped });
  }

  async importSshConfig(input: ImportInput): Promise<Result<SshConfigImportOutcome>> {
    const planned = await this.plan(input);
    if (!planned.ok) return planned;
    const plan = planned.value;
    const chosen = new Set(input.hosts.map(key));
    const plannedNames = new Set(plan.create.map((server) => key(server.name)));
    const notCreated: SshConfigSkipped[] = [];

    for (const host of new Set(input.hosts)) {
      if (plannedNames.has(key(host))) continue;
      const skipped = plan.skipped.find((entry) => key(entry.host) === key(host));
      notCreated.push({
        host,
        reason: skipped?.reason ?? 'The config no longer has a host of this name (was it edited since the preview?); preview again.',
      });
    }

    const create: PlannedServer[] = [];
    for (const server of plan.create) {
      if (!chosen.has(key(server.name))) continue;
      // A jump server this import would create but the user left out: the server could not be reached.
      const missing = server.jumpChain.filter((hop) => plannedNames.has(key(hop)) && !chosen.has(key(hop)));
      if (missing.length > 0) {
        const names = missing.map((hop) => `"${hop}"`).join(', ');
        notCreated.push({ host: server.name, reason: `It connects through ${names}, which ${missing.length === 1 ? 'was' : 'were'} not chosen; choose ${missing.length === 1 ? 'it' : 'them'} too.` });
      } else {
        create.push(server);
      }
    }

    const outcome = await applySshConfigImport({ ...plan, create }, this.deps.service);
    for (const failure of outcome.failed) notCreated.push({ host: failure.name, reason: failure.reason });
    return ok({ created: outcome.created, notCreated });
  }

  private async plan(source: Source): Promise<Result<SshImportPlan>> {
    const { home } = this.deps;
    const file = source.file?.startsWith('~/') ? join(home, source.file.slice(2)) : source.file;
    try {
      return ok(await planSshConfigImport({ file, home, existing: this.deps.servers.list(), localUser: this.deps.localUser }));
    } catch (error) {
      if (error instanceof SshConfigError) return fail('SSH_CONFIG_ERROR', error.message);
      throw error;
    }
  }
}

function hostOf(planned: PlannedServer): SshConfigHost {
  const { fields } = planned;
  const settings: SshConfigHost['settings'] = {};
  // Only what the config set: the rest is Lifeline's default, which the preview does not repeat.
  if (fields.keepaliveInterval !== undefined) settings.keepaliveInterval = fields.keepaliveInterval;
  if (fields.keepaliveCountMax !== undefined) settings.keepaliveCountMax = fields.keepaliveCountMax;
  if (fields.strictHostKeyChecking !== undefined) settings.strictHostKeyChecking = fields.strictHostKeyChecking;
  if (fields.agentForwarding !== undefined) settings.agentForwarding = fields.agentForwarding;
  return {
    name: planned.name,
    host: fields.host,
    port: fields.port ?? 22,
    user: fields.user,
    identityFiles: planned.identityFiles,
    jumpChain: planned.jumpChain,
    settings,
  };
}

// Server names are unique regardless of case, as the planner compares them.
function key(name: string): string {
  return name.toLowerCase();
}
