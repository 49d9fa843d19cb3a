// The delivery both webhook servers take: a GitHub push event to main with the fields GitHub sends,
// sized exactly so that both sides hash and parse the same number of bytes.

export const PUSH_REF = 'refs/heads/main';
const REPOSITORY = 'acme/shop';

/** A GitHub `push` payload of exactly `bytes` bytes (ASCII): one commit to main of acme/shop. */
export function githubPushBody(bytes: number): string {
  const after = 'c0ffee'.padEnd(40, '7');
  const before = 'beef'.padEnd(40, '3');
  const author = { name: 'Ada Lovelace', email: 'ada@example.com', username: 'ada' };
  const message = 'Fix rounding of checkout totals';
  const commit = { id: after, tree_id: 'a'.repeat(40), distinct: true, message, timestamp: '2026-11-22T12:00:00Z', author, committer: author };
  const payload = (modified: string[]) => ({
    ref: PUSH_REF,
    before,
    after,
    repository: {
      id: 123456789,
      name: 'shop',
      full_name: REPOSITORY,
      private: true,
      owner: { login: 'acme', id: 4242, type: 'Organization' },
      html_url: `https://github.com/${REPOSITORY}`,
      clone_url: `https://github.com/${REPOSITORY}.git`,
      default_branch: 'main',
    },
    pusher: { name: 'ada', email: 'ada@example.com' },
    sender: { login: 'ada', id: 777, type: 'User' },
    created: false,
    deleted: false,
    forced: false,
    compare: `https://github.com/${REPOSITORY}/compare/${before.slice(0, 12)}...${after.slice(0, 12)}`,
    commits: [{ ...commit, added: [], removed: [], modified }],
    head_commit: { ...commit, added: [], removed: [], modified },
  });
  // The lists of changed files fill the size. Each name appears twice (commits[0] and head_commit), so
  // whole names go in while there is room, then one name takes half the bytes left, and the pusher's
  // name, which appears once, takes an odd byte.
  const modified: string[] = [];
  const padded = (length: number) => JSON.stringify(payload([...modified, `docs/${'n'.repeat(length)}.md`]));
  const fileName = () => `src/checkout/totals-${String(modified.length).padStart(3, '0')}.ts`;
  while (padded(0).length + 2 * (fileName().length + 3) <= bytes) modified.push(fileName());
  if (padded(0).length > bytes) throw new Error(`A push payload needs at least ${padded(0).length} bytes; ask for more than ${bytes}.`);
  const body = padded(Math.floor((bytes - padded(0).length) / 2));
  const exact = body.replace('"pusher":{"name":"ada"', `"pusher":{"name":"ada${'a'.repeat(bytes - body.length)}"`);
  if (Buffer.byteLength(exact) !== bytes) throw new Error(`The push payload came out at ${Buffer.byteLength(exact)} bytes instead of ${bytes}.`);
  return exact;
}
