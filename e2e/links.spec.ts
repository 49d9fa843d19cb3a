import type { Locator, Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { startLinkWorld, type LinkWorld, type WorldServer } from './link-world';
import { setUpVaultWithKey } from './vault-ui';

// Issue 5 through the web console: two servers (one loopback sshd, each with its own real agent: bridge,
// trigger watcher, tmux session, run-command) are added with their agents through the server form, their
// layers are probed up in the Links matrix, a saved command runs on their group, and when one server's
// bridge stops, its cell turns down and the command still reaches it over the next layer (tmux).

const GROUP = 'fleet';
const NAMES = ['alpha', 'beta'] as const;
const LAYERS = ['bridge', 'tmux', 'trigger', 'exec'] as const;
const SAVED = 'say-hello';
const OUTPUT = 'hello from lifeline';

let world: LinkWorld | undefined;

test.afterEach(async () => {
  await world?.stop();
  world = undefined;
});

/** Adds a server with its agent through the server form, as a person would, token included. */
async function addServer(page: Page, sshd: LinkWorld['sshd'], server: WorldServer): Promise<void> {
  await page.getByRole('link', { name: 'Servers' }).click();
  await page.getByRole('button', { name: 'Add server', exact: true }).first().click();
  const form = page.getByTestId('server-form');
  await form.getByRole('textbox', { name: 'Name', exact: true }).fill(server.name);
  await form.getByRole('textbox', { name: 'Host', exact: true }).fill(sshd.host);
  await form.getByRole('textbox', { name: 'Port', exact: true }).fill(String(sshd.port));
  await form.getByRole('textbox', { name: 'User', exact: true }).fill(sshd.user);
  await form.getByRole('textbox', { name: 'Group', exact: true }).fill(GROUP);
  await form.getByRole('combobox', { name: 'Authentication', exact: true }).selectOption({ label: 'Key from the vault' });
  // The probes connect on their own, with nobody to answer a host key question.
  await form.getByRole('combobox', { name: 'Host key checking', exact: true }).selectOption({ label: 'Trust on first use' });
  await form.getByRole('textbox', { name: 'tmux session', exact: true }).fill(server.tmuxSession);

  const agent = form.getByTestId('agent-section');
  const fold = agent.getByRole('button', { name: 'Agent', exact: true });
  await expect(fold, 'a new server has no agent yet: the section starts folded').toHaveAttribute('aria-expanded', 'false');
  await expect(agent.getByRole('textbox', { name: 'Agent host' })).toBeHidden();
  await fold.click();
  await agent.getByRole('textbox', { name: 'Agent host', exact: true }).fill('127.0.0.1');
  await agent.getByRole('textbox', { name: 'Agent port', exact: true }).fill(String(server.bridgePort));
  await agent.getByLabel('Agent token', { exact: true }).fill(server.token);
  await agent.getByRole('textbox', { name: 'Trigger folder', exact: true }).fill(server.triggerDir);
  await agent.getByRole('textbox', { name: 'tmux socket', exact: true }).fill(server.tmuxSocket);
  await agent.getByRole('textbox', { name: 'Agent command', exact: true }).fill(server.agentCommand.join('\n'));
  await expect(agent.getByTestId('layer-order').getByRole('checkbox')).toHaveCount(4);
  for (const layer of LAYERS) await expect(agent.getByRole('checkbox', { name: new RegExp(`\\(${layer}\\)`) })).toBeChecked();

  await form.getByRole('button', { name: 'Add server' }).click();
  await expect(page.getByTestId('notice')).toHaveText(`Added ${server.name}.`);
}

/** Opens a server's form and reads back what its Agent section shows (the token only as "saved"). */
async function expectAgentSaved(page: Page, server: WorldServer): Promise<void> {
  await page.getByRole('button', { name: `Edit ${server.name}` }).click();
  const agent = page.getByTestId('server-form').getByTestId('agent-section');
  await expect(agent.getByRole('button', { name: 'Agent', exact: true })).toHaveAttribute('aria-expanded', 'true');
  await expect(agent.getByRole('textbox', { name: 'Agent port', exact: true })).toHaveValue(String(server.bridgePort));
  await expect(agent.getByTestId('agent-token-status')).toHaveText('Token saved in the vault.');
  // Write-only: nothing on the page holds the token.
  expect(await page.content()).not.toContain(server.token);
  await page.getByTestId('server-form').getByRole('button', { name: 'Cancel' }).click();
}

const cell = (page: Page, server: string, layer: string): Locator => page.getByTestId(`link-${server}-${layer}`);

/** Saves a command on the Commands page, targeting a group. */
async function createSavedCommand(page: Page, name: string, line: string, group: string): Promise<void> {
  await page.getByRole('link', { name: 'Commands' }).click();
  await page.getByRole('button', { name: 'Save a command' }).first().click();
  const form = page.getByTestId('saved-command-form');
  await form.getByRole('textbox', { name: 'Name', exact: true }).fill(name);
  await form.getByRole('combobox', { name: 'Runs on', exact: true }).selectOption({ label: `Group ${group} (2 servers)` });
  await form.getByRole('textbox', { name: 'Command', exact: true }).fill(line);
  await form.getByRole('button', { name: 'Save command' }).click();
  await expect(page.getByTestId(`saved-command-${name}`)).toBeVisible();
}

/** One server's row of the live results table, once it has ended: exit 0, over `layer`, with the output. */
async function expectResult(page: Page, server: string, layer: string): Promise<void> {
  const row = page.getByTestId(`run-row-${server}`);
  await expect(row).toHaveAttribute('data-state', 'ok', { timeout: 30_000 });
  await expect(row.getByTestId('run-exit')).toHaveText('0');
  await expect(row.getByTestId('run-layer')).toHaveText(layer);
  await row.getByRole('button', { name: `Show the output of ${server}` }).click();
  await expect(page.locator('tbody', { has: row })).toContainText(OUTPUT);
}

test('links: agents added through the server form, all layers up, a saved command on a group, failover when a bridge stops', async ({ page, consoles }) => {
  test.setTimeout(180_000);
  const running = await consoles.start();
  await page.goto(running.url);

  let publicKey = '';
  await test.step('set up the vault (it keeps the agent tokens) and a login key', async () => {
    const card = await setUpVaultWithKey(page, 'e2e-links');
    publicKey = await card.getByTestId('key-public').inputValue();
  });

  const started = await startLinkWorld({ authorizedKeys: [publicKey], names: NAMES });
  world = started;
  const [alpha, beta] = started.servers as [WorldServer, WorldServer];

  await test.step('add both servers with their agents through the server form, in one group', async () => {
    await page.getByRole('link', { name: 'Servers' }).click();
    for (const server of started.servers) {
      await addServer(page, started.sshd, server);
      await expect(page.getByTestId('server-row').filter({ hasText: server.name })).toContainText(GROUP);
    }
    await expectAgentSaved(page, alpha);
    await page.screenshot({ path: 'test-results/links-servers.png', fullPage: true });
  });

  await test.step('the Links matrix shows every layer of both servers up after a probe', async () => {
    await page.getByRole('link', { name: 'Links' }).click();
    await page.getByRole('button', { name: 'Probe all now' }).click();
    for (const server of NAMES) {
      for (const layer of LAYERS) await expect(cell(page, server, layer), `${server} ${layer}`).toHaveAttribute('data-state', 'up', { timeout: 20_000 });
    }
  });

  await test.step('a saved command on the group runs on both servers over their bridges', async () => {
    await createSavedCommand(page, SAVED, `echo ${OUTPUT}`, GROUP);
    await page.getByTestId(`saved-command-${SAVED}`).click();
    await expectResult(page, alpha.name, 'bridge');
    await expectResult(page, beta.name, 'bridge');
  });

  await test.step("stop beta's bridge: probes mark it down", async () => {
    await beta.stopBridge();
    await page.getByRole('link', { name: 'Links' }).click();
    // A layer is down after three failed probes in a row (degraded before that).
    await expect
      .poll(
        async () => {
          await page.getByRole('button', { name: `Probe now: every layer of ${beta.name}` }).click();
          // While it probes the button says "Probing…": back to its name, the probe has answered.
          await expect(page.getByRole('button', { name: `Probe now: every layer of ${beta.name}` })).toBeVisible();
          return cell(page, beta.name, 'bridge').getAttribute('data-state');
        },
        { timeout: 30_000 },
      )
      .toBe('down');
    await expect(cell(page, alpha.name, 'bridge')).toHaveAttribute('data-state', 'up');
    await page.screenshot({ path: 'test-results/links-matrix.png', fullPage: true });
  });

  await test.step('the saved command again: beta answers over tmux, alpha still over its bridge', async () => {
    await page.getByRole('link', { name: 'Commands' }).click();
    // One results table at a time, so each server has one row to read.
    await page.getByRole('button', { name: /^Dismiss the results of/ }).click();
    await expect(page.getByTestId('run-results')).toHaveCount(0);
    await page.getByTestId(`saved-command-${SAVED}`).click();
    await expectResult(page, alpha.name, 'bridge');
    await expectResult(page, beta.name, 'tmux');
    await page.screenshot({ path: 'test-results/links-commands.png', fullPage: true });
  });
});

test('server form: agent settings checked on their fields, the token write-only, kept by the vault, replaced and cleared', async ({ page, consoles }) => {
  const running = await consoles.start();
  await page.goto(running.url);
  const token = 'a-token-of-the-agent-0123456789';
  const form = page.getByTestId('server-form');
  const agent = form.getByTestId('agent-section');
  const rows = page.getByTestId('server-row');

  await test.step('wrong shapes land on their own fields, and nothing is saved', async () => {
    await page.getByRole('button', { name: 'Add your first server' }).click();
    await form.getByRole('textbox', { name: 'Name', exact: true }).fill('edge');
    await form.getByRole('textbox', { name: 'Host', exact: true }).fill('127.0.0.1');
    await form.getByRole('textbox', { name: 'User', exact: true }).fill('ops');
    await agent.getByRole('button', { name: 'Agent', exact: true }).click();
    await agent.getByRole('textbox', { name: 'Agent host', exact: true }).fill('127.0.0.1');
    await agent.getByRole('textbox', { name: 'Agent port', exact: true }).fill('99999');
    await agent.getByRole('textbox', { name: 'TLS fingerprint', exact: true }).fill('SHA256:not-a-fingerprint');
    for (const layer of LAYERS) await agent.getByRole('checkbox', { name: new RegExp(`\\(${layer}\\)`) }).uncheck();
    await form.getByRole('button', { name: 'Add server' }).click();
    // The form's own checks first: what never reaches the main side in a shape it could judge.
    await expect(page.getByTestId('form-message')).toHaveText('Please correct the 2 highlighted fields.');
    const port = agent.getByRole('textbox', { name: 'Agent port', exact: true });
    await expect(port).toBeFocused();
    await expect(port).toHaveAccessibleDescription(/whole number from 1 to 65535/);
    await expect(agent.getByTestId('layer-order')).toContainText('Include at least one layer');
    await expect(page.getByTestId('servers-empty')).toBeVisible();

    // Then the main side's: its problem inside the link lands on the very field.
    await port.fill('8899');
    await agent.getByRole('checkbox', { name: /\(bridge\)/ }).check();
    await form.getByRole('button', { name: 'Add server' }).click();
    await expect(page.getByTestId('form-message')).toHaveText('Please correct the highlighted field.');
    const fingerprint = agent.getByRole('textbox', { name: 'TLS fingerprint', exact: true });
    await expect(fingerprint).toBeFocused();
    await expect(fingerprint).toHaveAccessibleDescription(/as lifeline agent init prints it/);
    await expect(page.getByTestId('servers-empty')).toBeVisible();
  });

  await test.step('the layer order is chosen with the buttons; focus stays on the moved layer', async () => {
    await agent.getByRole('textbox', { name: 'Agent port', exact: true }).fill('8899');
    await agent.getByRole('textbox', { name: 'TLS fingerprint', exact: true }).fill('');
    for (const layer of ['exec', 'bridge']) await agent.getByRole('checkbox', { name: new RegExp(`\\(${layer}\\)`) }).check();
    const up = agent.getByRole('button', { name: 'Move exec up' });
    await up.click();
    await expect(up).toBeFocused();
    await page.keyboard.press('Enter');
    await page.keyboard.press('Enter');
    // At the top its up button is disabled, so focus moved to its down button.
    await expect(agent.getByRole('button', { name: 'Move exec down' })).toBeFocused();
    await expect(agent.getByTestId('layer-order').getByRole('listitem')).toHaveText([/\(exec\)/, /\(bridge\)/, /\(tmux\)/, /\(trigger\)/]);
  });

  await test.step('a token without a vault: the server is saved, the token is not, and saving again adds nothing twice', async () => {
    await agent.getByLabel('Agent token', { exact: true }).fill(token);
    await form.getByRole('button', { name: 'Add server' }).click();
    await expect(page.getByTestId('form-message')).toContainText('edge is saved, but its agent token is not');
    await expect(agent.getByLabel('Agent token', { exact: true })).toBeFocused();
    await expect(agent.getByLabel('Agent token', { exact: true })).toHaveAccessibleDescription(/on the Keys page/);
    await expect(form.getByRole('heading', { name: 'Edit edge' })).toBeVisible();
    await form.getByRole('button', { name: 'Save changes' }).click();
    await expect(page.getByTestId('form-message')).toContainText('edge is saved, but its agent token is not');
    await expect(rows).toHaveCount(1);
    await form.getByRole('button', { name: 'Cancel' }).click();
  });

  await test.step('with the vault set up, the token is saved and only ever shown as saved', async () => {
    await setUpVaultWithKey(page, 'e2e-form');
    await page.getByRole('link', { name: 'Servers' }).click();
    await page.getByRole('button', { name: 'Edit edge' }).click();
    await expect(agent.getByRole('button', { name: 'Agent', exact: true }), 'a server with an agent opens the section').toHaveAttribute('aria-expanded', 'true');
    await expect(agent.getByTestId('layer-order').getByRole('listitem')).toHaveText([/\(exec\)/, /\(bridge\)/, /\(tmux\)/, /\(trigger\)/]);
    await agent.getByLabel('Agent token', { exact: true }).fill(`${token}\n`);
    await form.getByRole('button', { name: 'Save changes' }).click();
    await expect(page.getByTestId('notice')).toHaveText('Saved edge.');
    await page.getByRole('button', { name: 'Edit edge' }).click();
    await expect(agent.getByTestId('agent-token-status')).toHaveText('Token saved in the vault.');
    await expect(agent.locator('input[type="password"]'), 'no field holds the saved token').toHaveCount(0);
    expect(await page.content()).not.toContain(token);
  });

  await test.step('replace needs a new token; clear forgets it on save', async () => {
    await agent.getByRole('button', { name: 'Replace token' }).click();
    await expect(agent.getByLabel('Agent token', { exact: true })).toHaveValue('');
    await form.getByRole('button', { name: 'Save changes' }).click();
    await expect(agent.getByLabel('Agent token', { exact: true })).toHaveAccessibleDescription(/keep the saved one/);
    await agent.getByRole('button', { name: 'Keep saved token' }).click();
    await agent.getByRole('button', { name: 'Clear token' }).click();
    await expect(agent.getByTestId('agent-token-status')).toHaveText('The saved token will be forgotten when you save.');
    await form.getByRole('button', { name: 'Save changes' }).click();
    await expect(page.getByTestId('notice')).toHaveText('Saved edge.');
    await page.getByRole('button', { name: 'Edit edge' }).click();
    await expect(agent.getByTestId('agent-token-status')).toHaveCount(0);
    await expect(agent.getByLabel('Agent token', { exact: true })).toHaveValue('');
  });
});
