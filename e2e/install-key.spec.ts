import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { startSshd, type TestSshd } from '../main/ssh/testing/sshd';
import { createTestUser, type TestUser } from '../main/ssh/testing/test-user';
import config from '../playwright.config';
import { expect, test } from './fixtures';
import { setUpVaultWithKey } from './vault-ui';


// The DOM renderer's rows are text the test can read (see terminals.spec.ts).
const launchOptions = config.use?.launchOptions ?? {};
test.use({ launchOptions: { ...launchOptions, args: [...(launchOptions.args ?? []), '--disable-webgl'] } });

let account: TestUser | undefined;
let sshd: TestSshd | undefined;

test.afterAll(async () => {
  await sshd?.stop();
  sshd = undefined;
  await account?.remove();
  account = undefined;
});

async function screenLines(page: Page): Promise<string[]> {
  const rows = page.locator('.terminal-host:not([hidden]) .xterm-rows > div');
  return (await rows.allInnerTexts()).map((line) => line.replace(/\s+$/, ''));
}

async function editServer(page: Page, name: string) {
  await page.getByRole('link', { name: 'Servers' }).click();
  await page.getByRole('button', { name: `Edit ${name}` }).click();
  return page.getByTestId('server-form');
}

test('install a key over a password login, switch to it, and forget the trusted host key', async ({ page, consoles }) => {
  account = await createTestUser();
  sshd = await startSshd({ passwordAuthentication: true, user: account.name });
  const server = sshd;
  const user = account;
  const running = await consoles.start();
  await page.goto(running.url);

  await test.step('set up the vault and generate a key', async () => {
    await setUpVaultWithKey(page, 'e2e-install');
  });

  await test.step('add the loopback sshd with password authentication and save its password', async () => {
    await page.getByRole('link', { name: 'Servers' }).click();
    await page.getByRole('button', { name: 'Add your first server' }).click();
    const form = page.getByTestId('server-form');
    await form.getByRole('textbox', { name: 'Name', exact: true }).fill('loopback');
    await form.getByRole('textbox', { name: 'Host', exact: true }).fill(server.host);
    await form.getByRole('textbox', { name: 'Port', exact: true }).fill(String(server.port));
    await form.getByRole('textbox', { name: 'User', exact: true }).fill(server.user);
    await form.getByRole('combobox', { name: 'Authentication', exact: true }).selectOption({ label: 'Password' });
    await expect(form.getByTestId('password-hint')).toContainText('Add the server first');
    await form.getByRole('button', { name: 'Add server' }).click();
    await expect(page.getByTestId('notice')).toHaveText('Added loopback.');

    const edit = await editServer(page, 'loopback');
    await edit.getByLabel('Saved password').fill(user.password);
    await edit.getByRole('button', { name: 'Save password' }).click();
    await expect(edit.getByTestId('password-status')).toHaveText('Password saved in the vault.');
    // Nothing connected yet, so nothing is trusted.
    await expect(edit.getByTestId('trusted-host-keys-empty')).toBeVisible();
    await edit.getByRole('button', { name: 'Cancel' }).click();
  });

  await test.step('install the key from the Keys page: the host key is asked about, then the key is installed', async () => {
    await page.getByRole('link', { name: 'Keys' }).click();
    const card = page.getByTestId('key-card').filter({ hasText: 'e2e-install' });
    await card.getByRole('button', { name: 'Install on server…' }).click();
    const form = card.getByRole('form', { name: 'Install e2e-install on a server' });
    await expect(form.getByRole('combobox', { name: 'Server' })).toHaveValue(/.+/);
    await form.getByRole('button', { name: 'Install', exact: true }).click();
    const dialog = page.getByTestId('prompt-dialog');
    await expect(dialog.getByTestId('prompt-fingerprint')).toHaveText(server.hostKeys[0].fingerprint);
    await dialog.getByRole('button', { name: 'Accept and remember' }).click();
    await expect(form.getByTestId('install-key-status')).toHaveText('Installed on loopback.');
    await page.screenshot({ path: 'test-results/key-installed.png' });
    const publicKey = await card.getByTestId('key-public').inputValue();
    expect(await readFile(join(user.home, '.ssh', 'authorized_keys'), 'utf8')).toBe(`${publicKey}\n`);

    // Idempotent: the second time nothing is appended.
    await form.getByRole('button', { name: 'Install', exact: true }).click();
    await expect(form.getByTestId('install-key-status')).toHaveText('Already installed on loopback.');
    expect(await readFile(join(user.home, '.ssh', 'authorized_keys'), 'utf8')).toBe(`${publicKey}\n`);
  });

  await test.step('switch the server to the key and turn on its session log', async () => {
    const form = await editServer(page, 'loopback');
    await form.getByRole('combobox', { name: 'Authentication', exact: true }).selectOption({ label: 'Key from the vault' });
    await expect(form.getByRole('combobox', { name: 'Key', exact: true }).locator('option:checked')).toContainText('e2e-install');
    await expect(form.getByRole('checkbox', { name: 'Forward my ssh-agent' })).not.toBeChecked();
    await form.getByRole('checkbox', { name: 'Keep a session log' }).check();
    await expect(form.getByRole('checkbox', { name: 'Keep a session log' })).toHaveAccessibleDescription(/logs\/ in the data folder/);
    await form.getByRole('button', { name: 'Save changes' }).click();
    await expect(page.getByTestId('notice')).toHaveText('Saved loopback.');
  });

  await test.step('open a terminal: the remembered host key is not asked again, and the key logs in', async () => {
    await page.getByRole('button', { name: 'Open terminal on loopback' }).click();
    await expect(page.getByTestId('terminal-tab-state')).toHaveText('connected');
    await expect(page.getByTestId('prompt-dialog')).toHaveCount(0);
    await page.locator('.terminal-host:not([hidden]) .xterm').click();
    await page.keyboard.type('echo $((6*7))');
    await page.keyboard.press('Enter');
    await expect.poll(() => screenLines(page)).toContain('42');
    expect(server.log()).toMatch(new RegExp(`Accepted publickey for ${user.name} `));
    // The transcript went to the data folder's logs/, one folder per server.
    const [serverFolder] = await readdir(join(consoles.home, 'logs'));
    await expect.poll(async () => {
      const [file] = await readdir(join(consoles.home, 'logs', serverFolder));
      return file ? readFile(join(consoles.home, 'logs', serverFolder, file), 'utf8') : '';
    }).toContain('42');
    await page.getByRole('button', { name: 'Close loopback' }).click();
  });

  await test.step("the server's settings list the trusted host key; forgetting it asks first", async () => {
    const form = await editServer(page, 'loopback');
    const rows = form.getByTestId('trusted-host-key');
    await expect(rows).toHaveCount(1);
    await expect(rows).toContainText(server.hostKeys[0].fingerprint);
    await expect(form.getByRole('checkbox', { name: 'Keep a session log' })).toBeChecked();
    await form.scrollIntoViewIfNeeded();
    await page.screenshot({ path: 'test-results/server-trusted-host-keys.png', fullPage: true });

    await rows.getByRole('button', { name: /^Forget the .+ key$/ }).click();
    const dialog = page.getByRole('dialog', { name: /^Forget the .+ host key\?$/ });
    await expect(dialog).toContainText('The next connection will show the server');
    await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
    // Escape closes the dialog only; the form stays open.
    await page.keyboard.press('Escape');
    await expect(dialog).toHaveCount(0);
    await expect(rows).toHaveCount(1);

    await rows.getByRole('button', { name: /^Forget the .+ key$/ }).click();
    await dialog.getByRole('button', { name: 'Forget key' }).click();
    await expect(dialog).toHaveCount(0);
    await expect(form.getByTestId('trusted-host-keys-empty')).toBeVisible();
    await expect(form.getByTestId('trusted-host-keys-notice')).toContainText('the next connection will ask');
    await form.getByRole('button', { name: 'Cancel' }).click();
  });

  await test.step('the next connection asks about the host key again', async () => {
    await page.getByRole('button', { name: 'Open terminal on loopback' }).click();
    const dialog = page.getByTestId('prompt-dialog');
    await expect(dialog.getByTestId('prompt-fingerprint')).toHaveText(server.hostKeys[0].fingerprint);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect(dialog).toHaveCount(0);
  });
});
