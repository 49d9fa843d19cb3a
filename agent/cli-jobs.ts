import type { AgentCliIo } from './cli';
import { parseCommandArgs } from './cli-args';
import { CommandRefusal, requireQueue, withOperatorContext } from './cli-operator';
import { parseJobId, parseJobsQuery } from './http/operator-input';
import { jobView, type JobView } from './http/operator-views';
import type { EnqueueOutcome } from './queue/job';
import type { JobQueue } from './queue/job-queue';
import { QueueError } from './queue/queue-error';

const DEFAULT_LIMIT = 20;
const LISTING = '"lifeline agent jobs"';

/** `lifeline agent jobs`: the newest jobs, optionally of one state or site. */
export async function runJobs(argv: string[], io: AgentCliIo): Promise<number> {
  const options = { config: { type: 'string' }, state: { type: 'string' }, site: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' } } as const;
  const args = parseCommandArgs(argv, options, false, 'jobs takes only options');
  if ('error' in args) return usageError(io, 'jobs', args.error);
  const { config: configFile, state, site, limit, json = false } = args.values;
  const filter = parseJobsQuery({ state, site, limit }, (key) => `--${key}`);
  if (!filter.ok) return usageError(io, 'jobs', filter.message);

  return withOperatorContext('jobs', configFile, io, ({ queue }) => {
    const wanted = filter.value.limit ?? DEFAULT_LIMIT;
    const jobs = (queue?.list({ state: filter.value.state, siteId: filter.value.site, limit: wanted }) ?? []).map(jobView);
    if (json) {
      io.out(JSON.stringify(jobs, null, 2));
      return 0;
    }
    if (jobs.length === 0) {
      const which = [filter.value.state, filter.value.site && `of site ${filter.value.site}`].filter(Boolean).join(' ');
      io.out(`No ${which ? `${which} ` : ''}jobs.`);
      return 0;
    }
    table(jobs).forEach((line) => io.out(line));
    if (jobs.length === wanted) io.out(`(the newest ${wanted}; --limit N shows more)`);
    return 0;
  });
}

/** `lifeline agent retry <id>`: a new job with the same deploy as a finished or failed one. */
export async function runRetry(argv: string[], io: AgentCliIo): Promise<number> {
  return withJob('retry', argv, io, (queue, id) => {
    let outcome: EnqueueOutcome;
    try {
      outcome = queue.retry(id);
    } catch (error) {
      if (error instanceof QueueError) throw new CommandRefusal(error.message);
      throw error;
    }
    if (outcome.status === 'busy') {
      throw new CommandRefusal(
        `job ${id}'s site takes no new deploy while job ${outcome.runningJobId} is queued or running (its queue policy is reject-if-busy); retry once that one is done.`,
      );
    }
    if (outcome.status === 'duplicate') throw new Error(`the queue called the retry a duplicate of job ${outcome.jobId}`);
    const replaced = outcome.replaced?.length ? ` It replaces waiting job(s) ${outcome.replaced.join(', ')} of the same site.` : '';
    io.out(
      `Job ${outcome.jobId} queued to run job ${id}'s deploy again (place ${outcome.position} in its site's line).${replaced} A running agent starts it within about a second; otherwise it runs once the agent starts.`,
    );
    return 0;
  });
}

/** `lifeline agent cancel <id>`: a waiting job at once; a running one through the agent that runs it. */
export async function runCancel(argv: string[], io: AgentCliIo): Promise<number> {
  return withJob('cancel', argv, io, (queue, id, leaseSeconds) => {
    switch (queue.cancel(id)) {
      case 'cancelled':
        io.out(`Job ${id} was waiting and is now cancelled.`);
        return 0;
      case 'cancel-requested':
        io.out(
          `Job ${id} is running: cancel requested. The agent running it notices at its next heartbeat (within ${Math.ceil(leaseSeconds / 3)} s), kills the running step's whole process group and ends the job as cancelled. ${LISTING} shows when it has.`,
        );
        return 0;
      case 'not-cancellable':
        throw new CommandRefusal(`job ${id} is ${queue.get(id)?.state ?? 'finished'}, so there is nothing to cancel ("lifeline agent retry ${id}" runs it again).`);
      case 'not-found':
        throw new CommandRefusal(`there is no job ${id}; ${LISTING} lists them.`);
    }
  });
}

/** Parses `<command> <job id> [--config F]` and runs `work` with the queue; a missing database means no such job. */
function withJob(
  command: string,
  argv: string[],
  io: AgentCliIo,
  work: (queue: JobQueue, id: number, leaseSeconds: number) => number,
): Promise<number> {
  const args = parseCommandArgs(argv, { config: { type: 'string' } }, true, `${command} takes one job id`);
  if ('error' in args) return Promise.resolve(usageError(io, command, args.error));
  const [text, extra] = args.positionals;
  if (text === undefined) return Promise.resolve(usageError(io, command, `say which job, like "lifeline agent ${command} 42"; ${LISTING} lists them.`));
  if (extra !== undefined) return Promise.resolve(usageError(io, command, `unexpected argument "${extra}" (${command} takes one job id).`));
  const id = parseJobId(text, LISTING);
  if (!id.ok) return Promise.resolve(usageError(io, command, id.message));
  return withOperatorContext(command, args.values.config, io, (context) => work(requireQueue(context), id.value, context.config.queue.leaseSeconds));
}

function usageError(io: AgentCliIo, command: string, problem: string): number {
  io.err(`lifeline agent ${command}: ${problem} Run "lifeline agent --help" for the options.`);
  return 2;
}

/** One line per job under a header, columns padded to their widest entry. */
function table(jobs: JobView[]): string[] {
  const rows = [
    ['ID', 'STATE', 'SITE', 'BRANCH', 'COMMIT', 'TRIES', 'CREATED', 'LAST ERROR'],
    ...jobs.map((job) => [
      String(job.id),
      job.cancelRequested && job.state === 'running' ? 'running (cancelling)' : job.state,
      job.siteId,
      job.request.branch,
      job.request.commit.slice(0, 12),
      `${job.attempts}/${job.maxAttempts}`,
      job.createdAt.replace(/\.\d{3}Z$/, 'Z'),
      oneLine(job.lastError ?? ''),
    ]),
  ];
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  return rows.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0))).join('  ').trimEnd());
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 80 ? `${flat.slice(0, 79)}…` : flat;
}
