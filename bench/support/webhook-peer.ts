// The peer: adnanh/webhook from Debian's `webhook` package, set up as its README shows for GitHub — an
// HMAC-SHA256 trigger rule on X-Hub-Signature-256 — plus the same event and branch filter our example hook
// has, running /bin/true for each accepted delivery (it starts one process per request and keeps no queue).
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freeLoopbackPort } from '../../main/ssh/testing/free-port';
import { startPinnedServer, type PinnedServer } from './webhook-process';
import { PUSH_REF } from './webhook-payload';

const START_TIMEOUT_MS = 15_000;

export interface PeerWebhook {
  readonly server: PinnedServer;
  /** POST here. */
  readonly hookUrl: string;
  /** As it reports itself: "adnanh/webhook 2.8.0". */
  readonly version: string;
}

/** Starts `/usr/bin/webhook` on 127.0.0.1, pinned to `cpu`, with a hook `example` checking `secret`. */
export async function startAdnanhWebhook(dir: string, secret: string, cpu: number): Promise<PeerWebhook> {
  const reported = spawnSync('/usr/bin/webhook', ['-version'], { encoding: 'utf8' });
  const version = /webhook version (\S+)/.exec(reported.stdout)?.[1];
  if (!version) throw new Error(`/usr/bin/webhook -version said ${JSON.stringify(reported.stdout || reported.error?.message)}; install Debian's webhook package (apt-get install webhook).`);
  const hooksFile = join(dir, 'hooks.json');
  const hooks = [
    {
      id: 'example',
      'execute-command': '/bin/true',
      'command-working-directory': dir,
      // Its default answers a failed rule with 200; a refused delivery must count as refused.
      'trigger-rule-mismatch-http-response-code': 401,
      'trigger-rule': {
        and: [
          { match: { type: 'payload-hmac-sha256', secret, parameter: { source: 'header', name: 'X-Hub-Signature-256' } } },
          { match: { type: 'value', value: 'push', parameter: { source: 'header', name: 'X-GitHub-Event' } } },
          { match: { type: 'value', value: PUSH_REF, parameter: { source: 'payload', name: 'ref' } } },
        ],
      },
    },
  ];
  writeFileSync(hooksFile, JSON.stringify(hooks, null, 2), { mode: 0o600 });
  const port = await freeLoopbackPort();
  const origin = `http://127.0.0.1:${port}`;
  const server = await startPinnedServer({
    name: 'adnanh/webhook',
    command: '/usr/bin/webhook',
    args: ['-hooks', hooksFile, '-ip', '127.0.0.1', '-port', String(port)],
    cpu,
    outputFile: join(dir, 'webhook.log'),
    // Its root answers "OK" once it serves.
    readyUrl: `${origin}/`,
    readyStatus: 200,
    startTimeoutMs: START_TIMEOUT_MS,
  });
  return { server, hookUrl: `${origin}/hooks/example`, version: `adnanh/webhook ${version}` };
}
