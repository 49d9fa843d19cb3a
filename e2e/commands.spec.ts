import { resolve } from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { freeLoopbackPort } from '../main/ssh/testing/free-port';
import { run } from '../main/ssh/testing/run';
import { expect, test } from './fixtures';
import { startLinkWorld, type LinkWorld, type WorldServer } from './link-world';
import { VAULT_PASSPHRASE } from './vault-ui';

// The Commands page beyond links.spec.ts's happy path, through the web console: a dangerous saved command
// asks first, a run where one server fails is retried there alone, a server none of whose layers works
// offers a terminal for manual recovery, and the ad-hoc form splits a quoted line but refuses an unquoted
// shell character. The servers come from the command line before the console starts (adding them in the
// form is links.spec.ts's subject): alpha and beta are two sshds with an account each, so one can hold a
// file the other lacks, as two machines would; gamma is alpha's sshd with its agent nowhere to be found.

const LAUNCHER = resolve(__dirname, '../bin/lifeline.cjs');
const KEY = 'e2e-commands';
const GROUP = 'fleet';
const TOKEN_VARIABLE = 'LIFELINE_E2E_AGENT_TOKEN';
const RESULT_LIMIT_MS = 20_000;

const worlds: LinkWorld[] = [];

test.afterEach(async () => {
  for (const world of worlds.splice(0)) await world.stop();
});

/** `lifeline …` on the test's data folder, as a person scripting it would run it; resolves with stdout. */
function lifeline(home: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  return run(process.execPath, [LAUNCHER, ...args], {
    env: { ...process.env, LIFELINE_HOME: home, LIFELINE_VAULT_PASSPHRASE: VAULT_PASSPHRASE, ...env },
  });
}

/** Adds a world server with its agent, then logs in once to trust its host key (the probes cannot ask). */
async function addServer(home: string, world: LinkWorld, server: WorldServer): Promise<void> {
  await lifeline(
    home,
    [
      'servers', 'add', server.name,
      '--host', world.sshd.host, '--port', String(world.sshd.port), '--user', world.sshd.user, '--key', KEY, '--group', GROUP,
      '--agent', `tcp://127.0.0.1:${server.bridgePort}`, `--agent-token-env=${TOKEN_VARIABLE}`,
      `--trigger-dir=${server.triggerDir}`, `--tmux-session=${server.tmuxSession}`, `--tmux-socket=${server.tmuxSocket}`,
      // The "=" form, since the agent command has arguments of its own that start with "--".
      ...server.agentCommand.map((arg) => `--agent-command=${arg}`),
    ],
    { [TOKEN_VARIABLE]: server.token },
  );
  await lifeline(home, ['exec', server.name, '--accept-new', '--', 'true']);
}

/** The live results of the run labelled `label` (a saved command's name, or the typed line). */
const results = (page: Page, label: string): Locator =>
  page.getByTestId('run-results').filter({ has: page.getByRole('heading', { name: label, exact: true }) });

/** The ledger's rows (Recent commands) that ran `argv` on `server`, saved commands and typed ones alike. */
const ledgerRows = (page: Page, server: string, argv: string): Locator =>
  page
    .getByTestId('recent-commands')
    .locator('tbody > tr:first-child')
    .filter({ has: page.getByRole('rowheader', { name: server, exact: true }) })
    .filter({ has: page.locator('code').getByText(argv, { exact: true }) });

/** Opens a row's output and checks one stream of it. */
async function expectOutput(table: Locator, server: string, stream: 'stdout' | 'stderr', text: string | RegExp): Promise<void> {
  await table.getByTestId(`run-row-${server}`).getByRole('button', { name: `Show the output of ${server}` }).click();
  // `has` looks inside each tbody, so it takes the row's own test id, not the chain from the page.
  const group = table.locator('tbody', { has: table.page().getByTestId(`run-row-${server}`) });
  await expect(group.getByRole('figure', { name: stream }).locator('pre')).toHaveText(text);
}

async function saveCommand(page: Page, command: { name: string; line: string; target: string; dangerous?: boolean }): Promise<void> {
  await page.getByRole('button', { name: 'Save a command' }).first().click();
  const form = page.getByTestId('saved-command-form');
  await form.getByRole('textbox', { name: 'Name', exact: true }).fill(command.name);
  await form.getByRole('combobox', { name: 'Runs on', exact: true }).selectOption({ label: command.target });
  await form.getByRole('textbox', { name: 'Command', exact: true }).fill(command.line);
  if (command.dangerous) await form.getByRole('checkbox', { name: 'Dangerous' }).check();
  await form.getByRole('button', { name: 'Save command' }).click();
  await expect(page.getByTestId(`saved-command-${command.name}`)).toBeVisible();
}

async function runLine(page: Page, line: string, target: string): Promise<void> {
  const form = page.getByTestId('run-form');
  await form.getByRole('textbox', { name: 'Command', exact: true }).fill(line);
  await form.getByRole('combobox', { name: 'Run on', exact: true }).selectOption({ label: target });
  await form.getByTestId('run-submit').click();
}

test('commands: a dangerous command confirmed, a failed server retried alone, manual recovery, the ad-hoc line split and refused', async ({ page, consoles }) => {
  test.setTimeout(90_000);

  const publicKey = (await lifeline(consoles.home, ['keys', 'generate', '--name', KEY])).trim();
  // Two sshds, two accounts: the file check below passes on one server and fails on the other.
  const started = await Promise.allSettled([
    startLinkWorld({ authorizedKeys: [publicKey], names: ['alpha'] }),
    startLinkWorld({ authorizedKeys: [publicKey], names: ['beta'] }),
  ]);
  for (const world of started) if (world.status === 'fulfilled') worlds.push(world.value);
  for (const world of started) if (world.status === 'rejected') throw world.reason;
  const [worldA, worldB] = worlds as [LinkWorld, LinkWorld];
  const [alpha] = worldA.servers as [WorldServer];
  const [beta] = worldB.servers as [WorldServer];

  await addServer(consoles.home, worldA, alpha);
  await addServer(consoles.home, worldB, beta);
  // Gamma: its bridge port has nobody behind it and its trigger folder does not exist, so no layer delivers.
  const deadPort = await freeLoopbackPort();
  await lifeline(
    consoles.home,
    [
      'servers', 'add', 'gamma', '--host', worldA.sshd.host, '--port', String(worldA.sshd.port), '--user', worldA.sshd.user, '--key', KEY,
      '--agent', `tcp://127.0.0.1:${deadPort}`, `--agent-token-env=${TOKEN_VARIABLE}`, '--trigger-dir=/nonexistent/lifeline-trigger', '--layers', 'bridge,trigger',
    ],
    { [TOKEN_VARIABLE]: alpha.token },
  );
  await lifeline(consoles.home, ['exec', 'gamma', '--accept-new', '--', 'true']);
  // The marker the saved check looks for, on alpha only.
  await lifeline(consoles.home, ['exec', alpha.name, '--', 'touch', 'ready']);

  const running = await consoles.start();
  await page.goto(running.url);

  await test.step('unlock the vault the command line set up: it holds the login key and the agent tokens', async () => {
    await page.getByRole('link', { name: 'Keys' }).click();
    const vault = page.getByTestId('vault-panel');
    await vault.getByLabel('Passphrase').fill(VAULT_PASSPHRASE);
    await vault.getByRole('button', { name: 'Unlock' }).click();
    await expect(page.getByTestId('vault-state')).toContainText('The vault is unlocked');
    await page.getByRole('link', { name: 'Commands' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Commands' })).toBeVisible();
    await expect(page.getByText('No command has run yet.')).toBeVisible();
  });

  await test.step('a dangerous saved command asks first: Cancel runs nothing, confirming runs it', async () => {
    const name = 'restart-app';
    await saveCommand(page, { name, line: 'echo app restarted', target: `Server ${alpha.name}`, dangerous: true });
    const button = page.getByTestId(`saved-command-${name}`);
    await expect(button).toContainText('dangerous');

    await button.click();
    const dialog = page.getByRole('dialog', { name: `Run ${name}?` });
    await expect(dialog).toContainText(`${name} is marked dangerous. It runs echo app restarted on ${alpha.name}.`);
    await expect(dialog.getByRole('button', { name: 'Cancel' }), 'Enter alone must not run it').toBeFocused();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect(dialog).toHaveCount(0);
    await expect(button, 'focus goes back to the button').toBeFocused();
    await expect(page.getByTestId('run-results')).toHaveCount(0);
    // The ledger, read afresh, has nothing either.
    await page.getByRole('button', { name: 'Refresh' }).click();
    await expect(page.getByText('No command has run yet.')).toBeVisible();

    await button.click();
    await dialog.getByRole('button', { name: `Run ${name}` }).click();
    await expect(dialog).toHaveCount(0);
    const table = results(page, name);
    const row = table.getByTestId(`run-row-${alpha.name}`);
    await expect(row).toHaveAttribute('data-state', 'ok', { timeout: RESULT_LIMIT_MS });
    await expect(row.getByTestId('run-exit')).toHaveText('0');
    await expect(row.getByTestId('run-layer')).toHaveText('bridge');
    await expectOutput(table, alpha.name, 'stdout', 'app restarted');
    await expect(ledgerRows(page, alpha.name, 'echo app restarted')).toHaveCount(1);
    // The ledger keeps the saved command's name beside what it ran.
    await expect(ledgerRows(page, alpha.name, 'echo app restarted')).toContainText(name);
  });

  await test.step('a check that fails on one server of the group; once fixed there, Retry failed runs it there alone', async () => {
    const name = 'check-ready';
    await saveCommand(page, { name, line: 'ls ready', target: `Group ${GROUP} (2 servers)` });
    await page.getByTestId(`saved-command-${name}`).click();
    const table = results(page, name);
    const alphaRow = table.getByTestId(`run-row-${alpha.name}`);
    const betaRow = table.getByTestId(`run-row-${beta.name}`);
    await expect(table.getByTestId('run-summary')).toHaveText('Done on 2 servers: 1 ok, 1 failed', { timeout: RESULT_LIMIT_MS });
    await expect(alphaRow).toHaveAttribute('data-state', 'ok');
    await expect(alphaRow.getByTestId('run-exit')).toHaveText('0');
    await expect(betaRow).toHaveAttribute('data-state', 'failed');
    // ls says 2 for a missing file.
    await expect(betaRow.getByTestId('run-exit')).toHaveText('2');
    await expectOutput(table, beta.name, 'stderr', /ls: cannot access 'ready': No such file or directory/);
    await expect(ledgerRows(page, beta.name, 'ls ready')).toHaveCount(1);

    // The fix, made by hand on beta alone.
    await lifeline(consoles.home, ['exec', beta.name, '--', 'touch', 'ready']);
    await table.getByTestId('retry-failed').click();
    await expect(page.getByTestId('notice')).toHaveText(`Retrying on ${beta.name}.`);
    await expect(betaRow).toHaveAttribute('data-state', 'ok', { timeout: RESULT_LIMIT_MS });
    await expect(betaRow.getByTestId('run-exit')).toHaveText('0');
    await expect(table.getByTestId('run-summary')).toHaveText('Done on 2 servers: 2 ok, 0 failed');
    await expect(table.getByTestId('retry-failed')).toHaveCount(0);
    // A new command on beta beside the failed one; alpha's one run stays the only one there.
    await expect(ledgerRows(page, beta.name, 'ls ready')).toHaveCount(2);
    await expect(ledgerRows(page, beta.name, 'ls ready').first()).toContainText('exit 0');
    await expect(ledgerRows(page, beta.name, 'ls ready').last()).toContainText('exit 2');
    await expect(ledgerRows(page, alpha.name, 'ls ready')).toHaveCount(1);
  });

  await test.step('the ad-hoc line: quotes keep an argument whole; an unquoted shell character is refused, nothing run', async () => {
    const line = `printf '%s|' "a b" c`;
    await runLine(page, line, `Server ${alpha.name}`);
    const table = results(page, line);
    const row = table.getByTestId(`run-row-${alpha.name}`);
    await expect(row).toHaveAttribute('data-state', 'ok', { timeout: RESULT_LIMIT_MS });
    await expectOutput(table, alpha.name, 'stdout', 'a b|c|');
    await expect(ledgerRows(page, alpha.name, 'printf %s| a b c')).toHaveCount(1);

    const runsBefore = await page.getByTestId('run-results').count();
    const ledgerBefore = await page.getByTestId('recent-commands').locator('tbody').count();
    await runLine(page, 'echo hi > out', `Server ${alpha.name}`);
    const field = page.getByTestId('run-form').getByRole('textbox', { name: 'Command', exact: true });
    await expect(field).toBeFocused();
    await expect(field).toHaveAccessibleDescription(/">" \(character 9\) means something to a shell.*Quote it \('>'\).*or save the command as a script/);
    await expect(page.getByTestId('notice')).toHaveText('');
    await expect(page.getByTestId('run-results')).toHaveCount(runsBefore);
    await page.getByRole('button', { name: 'Refresh' }).click();
    await expect(page.getByTestId('recent-commands').locator('tbody')).toHaveCount(ledgerBefore);
  });

  await test.step('a server none of whose layers delivers: undelivered, and Open terminal recovers by hand', async () => {
    await runLine(page, 'uptime', 'Server gamma');
    const table = results(page, 'uptime');
    const row = table.getByTestId('run-row-gamma');
    await expect(row).toHaveAttribute('data-state', 'failed', { timeout: RESULT_LIMIT_MS });
    await expect(row).toContainText('undelivered');
    await expect(row.getByTestId('run-exit')).toHaveText('—');
    // Both layers were tried (or skipped, once probes have marked them down) and none brought a result.
    await expect(row.locator('.attempts')).toContainText(/bridge (failed|skipped)/);
    await expect(row.locator('.attempts')).toContainText(/trigger (failed|skipped)/);
    await expect(row.locator('.attempt-ok')).toHaveCount(0);
    await expect(ledgerRows(page, 'gamma', 'uptime')).toContainText('undelivered');

    await row.getByRole('button', { name: 'Open a terminal on gamma' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Terminals' })).toBeVisible();
    const tab = page.getByTestId('terminal-tab').filter({ hasText: 'gamma' });
    await expect(tab).toHaveCount(1);
    await expect(tab.getByTestId('terminal-tab-state')).toHaveText('connected', { timeout: RESULT_LIMIT_MS });
  });
});
