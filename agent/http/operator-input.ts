import { z } from 'zod';
import { JOB_STATES } from '../queue/job';

// What the operator API accepts, checked at the edge: path ids, query strings and JSON bodies. Unknown
// query parameters and body fields are refused by name, so a typo (?status=) is not silently ignored.

/** A parse that either gives the value or says, in one sentence, what is wrong and what to send. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

const wholeNumber = (what: string, max: number) => {
  const message = `must be ${what}: a whole number from 1 to ${max}`;
  return z
    .string({ error: message })
    .regex(/^[1-9][0-9]{0,15}$/, { error: message })
    .transform(Number)
    .refine((value) => value <= max, { error: message });
};

const idMessage = 'must be an id: 1 to 64 letters, digits, dots, dashes or underscores';
const idSchema = z.string({ error: idMessage }).regex(/^[A-Za-z0-9._-]{1,64}$/, { error: idMessage });
const limitSchema = wholeNumber('how many to list', 1000).optional();

const jobsQuerySchema = z.strictObject({
  state: z.enum(JOB_STATES, { error: `must be one of ${JOB_STATES.join(', ')}` }).optional(),
  site: idSchema.optional(),
  limit: limitSchema,
  before: wholeNumber('a job id (list the jobs older than it)', Number.MAX_SAFE_INTEGER).optional(),
});

const deliveriesQuerySchema = z.strictObject({ hook: idSchema.optional(), limit: limitSchema });

const commitMessage = 'must be the full commit id to deploy: 40 hex digits (git rev-parse HEAD prints it)';
const deployBodySchema = z.strictObject(
  {
    commit: z
      .string({ error: commitMessage })
      .regex(/^[0-9a-fA-F]{40}$/, { error: commitMessage })
      .transform((commit) => commit.toLowerCase()),
    branch: z.string({ error: 'must be the name of a branch the site deploys' }).min(1, { error: 'must be the name of a branch the site deploys' }).optional(),
  },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? undefined : 'must be a JSON object like {"commit": "<40 hex digits>", "branch": "main"}') },
);

export type JobsQuery = z.output<typeof jobsQuerySchema>;
export type DeliveriesQuery = z.output<typeof deliveriesQuerySchema>;
export type DeployBody = z.output<typeof deployBodySchema>;

/** `lister` says where the ids are listed: the API's GET /jobs, or the CLI's command. */
export function parseJobId(text: string, lister = 'GET /jobs'): Parsed<number> {
  const id = /^[1-9][0-9]{0,15}$/.test(text) ? Number(text) : Number.NaN;
  if (Number.isSafeInteger(id)) return { ok: true, value: id };
  return { ok: false, message: `"${text.slice(0, 64)}" is not a job id: job ids are whole numbers from 1 up. ${lister} lists the jobs with their ids.` };
}

const queryParameter = (key: string) => `The query parameter ${key}`;

/** `field` names a parameter in messages: a query parameter by default, an option for the CLI. */
export function parseJobsQuery(query: Record<string, string | undefined>, field = queryParameter): Parsed<JobsQuery> {
  return check(jobsQuerySchema, query, { whole: 'The query', field, allowed: ['state', 'site', 'limit', 'before'] });
}

export function parseDeliveriesQuery(query: Record<string, string>): Parsed<DeliveriesQuery> {
  return check(deliveriesQuerySchema, query, { whole: 'The query', field: queryParameter, allowed: ['hook', 'limit'] });
}

export function parseDeployBody(body: Buffer): Parsed<DeployBody> {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    return { ok: false, message: 'The body is not JSON; send a JSON object like {"commit": "<40 hex digits>", "branch": "main"}.' };
  }
  return check(deployBodySchema, value, { whole: 'The body', field: (key) => `The body field ${key}`, allowed: ['commit', 'branch'] });
}

/** How problems are named: `whole` for the input itself, `field` for one of its fields. */
interface Naming {
  whole: string;
  field: (key: string) => string;
  allowed: string[];
}

function check<T>(schema: z.ZodType<T>, input: unknown, naming: Naming): Parsed<T> {
  const result = schema.safeParse(input);
  if (result.success) return { ok: true, value: result.data };
  const { whole, field, allowed } = naming;
  const problems = result.error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      const names = field(issue.keys.map((key) => `"${key}"`).join(', '));
      return `${names} ${issue.keys.length > 1 ? 'are' : 'is'} not known (the known ones are: ${allowed.join(', ')})`;
    }
    return issue.path.length ? `${field(issue.path.map(String).join('.'))} ${issue.message}` : `${whole} ${issue.message}`;
  });
  return { ok: false, message: `${problems.join('; ')}.` };
}
