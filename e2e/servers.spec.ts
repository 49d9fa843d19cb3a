import type { Locator, Page } from '@playwright/test';
import { WebSocket } from 'ws';
import type { Result, Server, WireReply } from '../preload/api';
import { expect, test } from './fixtures';

type FieldLabel = 'Name' | 'Host' | 'Port' | 'User' | 'Group' | 'Tags' | 'tmux session';

const field = (scope: Page | Locator, label: FieldLabel) => scope.getByRole('textbox', { name: label, exact: true });

async function fill(form: Locator, values: Partial<Record<FieldLabel, string>>): Promise<void> {
  for (const [label, value] of Object.entries(values)) await field(form, label as FieldLabel).fill(value);
}

type SelectLabel = 'Authentication' | 'Jump server' | 'Host key checking';
const select = (scope: Page | Locator, label: SelectLabel) => scope.getByRole('combobox', { name: label, exact: true });

/**
 * One call through the console's WebSocket API with the page's session, as a second client would make
 * it: for what the form does not show.
 */
async function callApi<T>(page: Page, origin: string, method: string, ...args: unknown[]): Promise<T> {
  const cookie = (await page.context().cookies(origin)).map(({ name, value }) => `${name}=${value}`).join('; ');
  const socket = new WebSocket(`${origin.replace(/^http/, 'ws')}/api`, { headers: { origin, cookie } });
  try {
    const result = await new Promise<Result<T>>((resolve, reject) => {
      socket.once('error', reject);
      socket.once('open', () => socket.send(JSON.stringify({ type: 'call', id: 1, method, args })));
      socket.on('message', (data) => {
        const reply = JSON.parse(String(data)) as WireReply;
        if (reply.type === 'result' && reply.id === 1) resolve(reply.result as Result<T>);
      });
    });
    if (!result.ok) throw new Error(`${method} failed: ${result.message}`);
    return result.value;
  } finally {
    socket.close();
  }
}

// An empty cell shows a dash, with "none" for screen readers.
const EMPTY = /^—\s*none$/;

const row = (page: Page, name: string) =>
  page.getByTestId('server-row').filter({ has: page.getByRole('rowheader', { name, exact: true }) });

/** Host, port, user, group, tags and the actions, as the table shows them. */
async function expectRow(page: Page, name: string, cells: Array<string | RegExp>): Promise<void> {
  await expect(row(page, name).getByRole('cell')).toHaveText([...cells, /Edit\s*Delete/]);
}

test('servers: add, reload, refuse bad input, edit, restart with the same data, delete', async ({ page, consoles }) => {
  const first = await consoles.start();
  await page.goto(first.url);

  await test.step('the link signs in and drops the token from the address', async () => {
    await expect(page).toHaveURL(`${first.origin}/`);
    await expect(page.getByRole('heading', { level: 1, name: 'Servers' })).toBeVisible();
    await expect(page.getByTestId('servers-empty')).toContainText('No servers yet');
    await expect(page.getByTestId('about')).toContainText(`Data folder: ${consoles.home}`);
    await expect(page.getByTestId('about')).toContainText('web console');
  });

  const form = page.getByTestId('server-form');

  await test.step('add a server', async () => {
    await page.getByRole('button', { name: 'Add your first server' }).click();
    await expect(form.getByRole('heading', { name: 'Add a server' })).toBeVisible();
    await expect(field(form, 'Name')).toBeFocused();
    await expect(field(form, 'Port')).toHaveValue('22');
    await fill(form, { Name: 'web-1', Host: '10.0.0.5', User: 'deploy', Group: 'production', Tags: 'web, eu, , web' });
    await form.getByRole('button', { name: 'Add server' }).click();

    await expect(form).toBeHidden();
    await expect(page.getByTestId('notice')).toHaveText('Added web-1.');
    await expectRow(page, 'web-1', ['10.0.0.5', '22', 'deploy', 'production', /^web\s*eu$/]);
    await expect(page.getByRole('button', { name: 'Add server', exact: true })).toBeFocused();
  });

  await test.step('reload: the server is still there', async () => {
    await page.reload();
    await expect(page).toHaveURL(`${first.origin}/`);
    await expectRow(page, 'web-1', ['10.0.0.5', '22', 'deploy', 'production', /^web\s*eu$/]);
  });

  await test.step('a duplicate name is refused inline', async () => {
    await page.getByRole('button', { name: 'Add server', exact: true }).click();
    await fill(form, { Name: 'web-1', Host: '10.0.0.6', User: 'deploy' });
    await form.getByRole('button', { name: 'Add server' }).click();

    await expect(form.getByTestId('form-message')).toContainText('A server named "web-1" already exists');
    const name = field(form, 'Name');
    await expect(name).toHaveAttribute('aria-invalid', 'true');
    await expect(name).toHaveAccessibleDescription(/already used by another server/);
    await expect(name).toBeFocused();
    await expect(page.getByTestId('server-row')).toHaveCount(1);
  });

  await test.step('a bad port is shown under the port field', async () => {
    await fill(form, { Name: 'web-2', Port: '70000' });
    await expect(field(form, 'Name')).not.toHaveAttribute('aria-invalid', 'true');
    await form.getByRole('button', { name: 'Add server' }).click();

    const port = field(form, 'Port');
    await expect(port).toHaveAttribute('aria-invalid', 'true');
    await expect(port).toHaveAccessibleDescription(/Port must be between 1 and 65535/);
    await expect(port).toBeFocused();
    await expect(form.getByTestId('form-message')).toHaveText('Please correct the highlighted field.');

    await port.fill('ssh');
    await form.getByRole('button', { name: 'Add server' }).click();
    await expect(port).toHaveAccessibleDescription(/Port must be a number/);
  });

  await test.step('Escape cancels the form and nothing was added', async () => {
    await page.keyboard.press('Escape');
    await expect(form).toBeHidden();
    await expect(page.getByRole('button', { name: 'Add server', exact: true })).toBeFocused();
    await expect(page.getByTestId('server-row')).toHaveCount(1);
  });

  await test.step('edit it', async () => {
    const edit = row(page, 'web-1').getByRole('button', { name: 'Edit web-1' });
    await edit.click();
    await expect(form.getByRole('heading', { name: 'Edit web-1' })).toBeVisible();
    await expect(field(form, 'Tags')).toHaveValue('web, eu');
    await fill(form, { Host: 'web-1.example.com', Port: '2222', Group: '', Tags: 'web, eu, primary' });
    await form.getByRole('button', { name: 'Save changes' }).click();

    await expect(form).toBeHidden();
    await expect(page.getByTestId('notice')).toHaveText('Saved web-1.');
    await expectRow(page, 'web-1', ['web-1.example.com', '2222', 'deploy', EMPTY, /^web\s*eu\s*primary$/]);
    await expect(edit).toBeFocused();
  });

  await test.step('add a second server; the list stays in name order', async () => {
    await page.getByRole('button', { name: 'Add server', exact: true }).click();
    await fill(form, { Name: 'db-1', Host: '2001:db8::10', User: 'postgres', Port: '5022', Group: 'production', Tags: 'db' });
    await page.keyboard.press('Enter');
    await expect(form).toBeHidden();
    await expect(page.getByRole('rowheader')).toHaveText(['db-1', 'web-1']);
    await page.screenshot({ path: 'test-results/servers-page.png' });
  });

  await test.step('restart the console on the same data folder: everything is still there', async () => {
    // Leave the page first, so its WebSocket does not report the console going away as an error.
    await page.goto('about:blank');
    expect(await first.stop()).toEqual({ code: 0, signal: null });
    const second = await consoles.start();
    await page.goto(second.url);
    await expectRow(page, 'web-1', ['web-1.example.com', '2222', 'deploy', EMPTY, /^web\s*eu\s*primary$/]);
    await expectRow(page, 'db-1', ['2001:db8::10', '5022', 'postgres', 'production', 'db']);
  });

  await test.step('delete asks first; Cancel is the default and Escape keeps the server', async () => {
    const remove = row(page, 'web-1').getByRole('button', { name: 'Delete web-1' });
    await remove.click();
    const dialog = page.getByRole('dialog', { name: 'Delete web-1?' });
    await expect(dialog).toBeVisible();
    await expect(dialog).toContainText('deploy@web-1.example.com:2222');
    await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
    await page.keyboard.press('Escape');
    await expect(dialog).toBeHidden();
    await expect(remove).toBeFocused();
    await expect(page.getByTestId('server-row')).toHaveCount(2);
  });

  await test.step('delete it', async () => {
    await row(page, 'web-1').getByRole('button', { name: 'Delete web-1' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete web-1?' });
    // Focus stays inside the modal dialog while it is open.
    await page.keyboard.press('Tab');
    await expect(dialog.getByRole('button', { name: 'Delete server' })).toBeFocused();
    await page.keyboard.press('Enter');

    await expect(dialog).toBeHidden();
    await expect(row(page, 'web-1')).toHaveCount(0);
    await expect(page.getByTestId('notice')).toHaveText('Deleted web-1.');
    await expect(page.getByRole('button', { name: 'Add server', exact: true })).toBeFocused();
    await page.reload();
    await expect(page.getByRole('rowheader')).toHaveText(['db-1']);
  });
});

test('another window of the same browser sees changes live', async ({ page, context, consoles, browserErrors }) => {
  const running = await consoles.start();
  await page.goto(running.url);
  await expect(page.getByTestId('servers-empty')).toBeVisible();
  // The session cookie signs in the second window; the link itself works only once.
  const other = await context.newPage();
  browserErrors.watch(other);
  await other.goto(`${running.origin}/`);
  await expect(other.getByTestId('servers-empty')).toBeVisible();

  await page.getByRole('button', { name: 'Add your first server' }).click();
  await fill(page.getByTestId('server-form'), { Name: 'live-1', Host: 'live-1.example.com', User: 'ops' });
  await page.keyboard.press('Enter');

  await expect(other.getByRole('rowheader')).toHaveText(['live-1']);
  await other.close();
});

test('a wrong token or no session gets 401, and the real link still works after', async ({ page, request, consoles }) => {
  const running = await consoles.start();

  const wrongToken = await request.get(`${running.origin}/?token=not-the-token`, { maxRedirects: 0 });
  expect(wrongToken.status()).toBe(401);
  const noSession = await request.get(`${running.origin}/`, { maxRedirects: 0 });
  expect(noSession.status()).toBe(401);

  await page.goto(running.url);
  await expect(page.getByRole('heading', { level: 1, name: 'Servers' })).toBeVisible();
});

test('the sidebar is reachable and usable with the keyboard alone', async ({ page, consoles }) => {
  const running = await consoles.start();
  await page.goto(running.url);
  await expect(page.getByRole('heading', { level: 1, name: 'Servers' })).toBeVisible();
  const nav = page.getByRole('navigation', { name: 'Sections' });
  const link = (name: string) => nav.getByRole('link', { name: new RegExp(`^${name}`) });

  await page.keyboard.press('Tab');
  await expect(page.getByRole('link', { name: 'Skip to content' })).toBeFocused();
  for (const name of ['Servers', 'Keys', 'Terminals', 'Links', 'Commands', 'Agents', 'Incidents', 'Dashboard']) {
    await page.keyboard.press('Tab');
    await expect(link(name)).toBeFocused();
    await expect(link(name)).toHaveCSS('outline-style', 'solid');
  }
  await expect(link('Servers')).toHaveAttribute('aria-current', 'page');

  for (let i = 0; i < 2; i++) await page.keyboard.press('Shift+Tab');
  await expect(link('Agents')).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/#\/agents$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Agents' })).toBeVisible();
  await expect(page.getByTestId('coming-soon')).toContainText('Coming soon');
  await expect(page.getByTestId('coming-soon')).toContainText('health');
  await expect(link('Agents')).toHaveAttribute('aria-current', 'page');
  await expect(link('Servers')).not.toHaveAttribute('aria-current');
  await expect(page).toHaveTitle('Agents · Lifeline');

  await page.goBack();
  await expect(page.getByRole('heading', { level: 1, name: 'Servers' })).toBeVisible();

  await page.reload();
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await expect(page.locator('main')).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(page.getByRole('button', { name: 'Add server', exact: true })).toBeFocused();
});

test('says so when the console stops, and the new link works', async ({ page, consoles, browserErrors }) => {
  // The page keeps trying to reconnect; Chromium logs each refused WebSocket as an error.
  browserErrors.allow(/WebSocket connection to 'ws:\/\/127\.0\.0\.1:\d+\/api' failed/);
  const first = await consoles.start();
  await page.goto(first.url);
  await expect(page.getByTestId('servers-empty')).toBeVisible();

  await first.stop();
  const banner = page.getByTestId('connection-banner');
  await expect(banner).toContainText('Reconnecting');
  await expect(banner).toContainText('The web console stopped: start it again and open the new link', { timeout: 40_000 });

  // Calls fail with the reason instead of hanging.
  await page.getByRole('button', { name: 'Add your first server' }).click();
  await fill(page.getByTestId('server-form'), { Name: 'x', Host: 'x', User: 'x' });
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('form-message')).toContainText('not reachable');

  const second = await consoles.start();
  await page.goto(second.url);
  await expect(page.getByTestId('servers-empty')).toBeVisible();
  await expect(banner).toBeHidden();
});

test('SSH settings: chosen in the form, kept across edits even when the form does not show them', async ({ page, consoles }) => {
  const running = await consoles.start();
  await page.goto(running.url);
  await expect(page.getByTestId('servers-empty')).toBeVisible();
  const form = page.getByTestId('server-form');
  const findServer = async (name: string) =>
    (await callApi<Server[]>(page, running.origin, 'listServers')).find((server) => server.name === name)!;

  await test.step('add a jump host with its SSH settings', async () => {
    await page.getByRole('button', { name: 'Add your first server' }).click();
    const ssh = form.getByRole('group', { name: 'SSH' });
    await expect(select(ssh, 'Authentication')).toHaveValue('agent');
    await expect(select(ssh, 'Host key checking')).toHaveValue('ask');
    await expect(select(ssh, 'Jump server')).toHaveValue('');
    // A vault key is not offered here: it is chosen in the key vault.
    await expect(select(ssh, 'Authentication').getByRole('option')).toHaveText(['SSH agent', 'Password', 'Keyboard-interactive (prompts)']);
    await fill(form, { Name: 'bastion', Host: 'bastion.example.com', User: 'ops' });
    await select(ssh, 'Authentication').selectOption({ label: 'Password' });
    await select(ssh, 'Host key checking').selectOption({ label: 'Only keys already trusted' });
    await field(ssh, 'tmux session').fill('ops');
    await page.screenshot({ path: 'test-results/server-form-ssh.png', fullPage: true });
    await page.keyboard.press('Enter');
    await expect(form).toBeHidden();
    expect(await findServer('bastion')).toMatchObject({ auth: 'password', strictHostKeyChecking: 'yes', tmuxSession: 'ops', jumpServerId: null });
  });

  await test.step('a second client sets what the form does not show', async () => {
    await callApi(page, running.origin, 'createServer', {
      name: 'app',
      host: 'app.internal',
      user: 'deploy',
      agentForwarding: true,
      keepaliveInterval: 45,
      keepaliveCountMax: 9,
      sessionLog: true,
      strictHostKeyChecking: 'accept-new',
    });
    await expect(page.getByRole('rowheader')).toHaveText(['app', 'bastion']);
  });

  await test.step('edit app: choose the jump host; every other setting stays', async () => {
    await row(page, 'app').getByRole('button', { name: 'Edit app' }).click();
    const ssh = form.getByRole('group', { name: 'SSH' });
    await expect(select(ssh, 'Host key checking')).toHaveValue('accept-new');
    await expect(select(ssh, 'Jump server').getByRole('option')).toHaveText(['None: connect directly', 'bastion (ops@bastion.example.com)']);
    await select(ssh, 'Jump server').selectOption({ label: 'bastion (ops@bastion.example.com)' });
    await fill(form, { Host: 'app.example.com' });
    await form.getByRole('button', { name: 'Save changes' }).click();
    await expect(form).toBeHidden();

    const bastion = await findServer('bastion');
    expect(await findServer('app')).toMatchObject({
      host: 'app.example.com',
      jumpServerId: bastion.id,
      agentForwarding: true,
      keepaliveInterval: 45,
      keepaliveCountMax: 9,
      sessionLog: true,
      strictHostKeyChecking: 'accept-new',
      auth: 'agent',
    });
  });

  await test.step('edit bastion: app is not offered (it goes through bastion), and a bad tmux name is refused inline', async () => {
    await row(page, 'bastion').getByRole('button', { name: 'Edit bastion' }).click();
    const ssh = form.getByRole('group', { name: 'SSH' });
    await expect(select(ssh, 'Authentication')).toHaveValue('password');
    await expect(select(ssh, 'Jump server').getByRole('option')).toHaveText(['None: connect directly']);
    const tmux = field(ssh, 'tmux session');
    await expect(tmux).toHaveValue('ops');
    await tmux.fill('ops.main');
    await form.getByRole('button', { name: 'Save changes' }).click();
    await expect(tmux).toHaveAttribute('aria-invalid', 'true');
    await expect(tmux).toHaveAccessibleDescription(/tmux session names are 1–64 letters/);
    await expect(tmux).toBeFocused();
    await expect(form.getByTestId('form-message')).toHaveText('Please correct the highlighted field.');
    await page.keyboard.press('Escape');
    await expect(form).toBeHidden();
    expect(await findServer('bastion')).toMatchObject({ tmuxSession: 'ops' });
  });

  await test.step('a jump host in use is not deleted, and the dialog says why', async () => {
    await row(page, 'bastion').getByRole('button', { name: 'Delete bastion' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete bastion?' });
    await dialog.getByRole('button', { name: 'Delete server' }).click();
    await expect(dialog).toContainText('"bastion" is the jump server of "app"');
    await page.keyboard.press('Escape');
    await expect(page.getByRole('rowheader')).toHaveText(['app', 'bastion']);
  });
});
