import { freeLoopbackPort } from '../main/ssh/testing/free-port';
import { expect, test } from './fixtures';

// Chromium here has WebGL (SwiftShader), so the shown tab draws on a WebGL canvas; a hidden tab must give
// its context back, since a page gets only about 16. No SSH server is needed: a tab exists (and keeps
// retrying) whether or not its server answers.
test('terminals: the shown tab renders with WebGL and releases it when hidden', async ({ page, consoles }) => {
  const running = await consoles.start();
  const closedPort = await freeLoopbackPort();
  await page.goto(running.url);

  await page.getByRole('button', { name: 'Add your first server' }).click();
  const form = page.getByTestId('server-form');
  await form.getByRole('textbox', { name: 'Name', exact: true }).fill('nowhere');
  await form.getByRole('textbox', { name: 'Host', exact: true }).fill('127.0.0.1');
  await form.getByRole('textbox', { name: 'Port', exact: true }).fill(String(closedPort));
  await form.getByRole('textbox', { name: 'User', exact: true }).fill('nobody');
  await form.getByRole('button', { name: 'Add server' }).click();
  await expect(page.getByTestId('notice')).toHaveText('Added nowhere.');

  await page.getByRole('button', { name: 'Open terminal on nowhere' }).click();
  const tab = page.getByTestId('terminal-tab');
  await expect(tab).toHaveCount(1);
  // A refused connection is reported on the tab with what to do, not as an error in the page.
  await expect(tab.getByTestId('terminal-tab-state')).toHaveText(/reconnecting|failed/);
  await expect(page.getByTestId('terminal-status')).toContainText(/refused|reconnect/i);

  const host = page.locator('.terminal-host');
  await expect(host.locator('.xterm-screen canvas')).not.toHaveCount(0);
  await expect(host.locator('.xterm-rows')).toHaveCount(0);

  await page.getByRole('link', { name: 'Servers' }).click();
  await expect(host).toBeHidden();
  await expect(host.locator('canvas')).toHaveCount(0);

  await page.getByRole('link', { name: 'Terminals' }).click();
  await expect(host.locator('.xterm-screen canvas')).not.toHaveCount(0);

  await page.getByRole('button', { name: 'Close nowhere' }).click();
  await expect(tab).toHaveCount(0);
  await expect(host).toHaveCount(0);
});
