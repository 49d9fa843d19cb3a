import { hostname } from 'node:os';
import type { Page, WebSocketRoute } from '@playwright/test';
import { startSshd, type TestSshd } from '../main/ssh/testing/sshd';
import config from '../playwright.config';
import { expect, test } from './fixtures';
import { setUpVaultWithKey } from './vault-ui';


// Without WebGL the tabs must fall back to xterm's DOM renderer on their own, and that renderer's rows
// (`.xterm-rows`) are text the test can read; with WebGL (SwiftShader here) the screen is a canvas.
const launchOptions = config.use?.launchOptions ?? {};
test.use({ launchOptions: { ...launchOptions, args: [...(launchOptions.args ?? []), '--disable-webgl'] } });

let sshd: TestSshd | undefined;

test.afterAll(async () => {
  await sshd?.stop();
  sshd = undefined;
});

/** The shown tab's screen, one string per row, trailing blanks trimmed. */
async function screenLines(page: Page): Promise<string[]> {
  const rows = page.locator('.terminal-host:not([hidden]) .xterm-rows > div');
  return (await rows.allInnerTexts()).map((line) => line.replace(/\s+$/, ''));
}

/** Types a command line into the shown terminal, as a person does. */
async function run(page: Page, command: string): Promise<void> {
  await page.locator('.terminal-host:not([hidden]) .xterm').click();
  await page.keyboard.type(command);
  await page.keyboard.press('Enter');
}

/** The last `rows cols` line `stty size` printed on the shown tab. */
async function lastSttySize(page: Page): Promise<string | undefined> {
  return (await screenLines(page)).filter((line) => /^\d+ \d+$/.test(line)).at(-1);
}

const shownTab = (page: Page) => page.getByTestId('terminal-tab').filter({ has: page.getByRole('tab', { selected: true }) });

test('terminals: key login to a real sshd, host key prompt, typing, resize, a second tab, broadcast, takeover', async ({ page, consoles, browserErrors }) => {
  const running = await consoles.start();
  // Every WebSocket of this page passes through Playwright, so a step below can cut them as a network
  // drop would, while the console itself keeps running.
  const lines: { page: WebSocketRoute; server: WebSocketRoute }[] = [];
  await page.routeWebSocket(/\/(api|terminals\/[^/?]+)$/, (line) => {
    lines.push({ page: line, server: line.connectToServer() });
  });
  await page.goto(running.url);

  let publicKey = '';
  await test.step('set up the vault and generate a key; its public line is what the server will trust', async () => {
    const card = await setUpVaultWithKey(page, 'e2e-login');
    const shown = card.getByTestId('key-public');
    await expect(shown).toHaveValue(/^ssh-ed25519 AAAA\S+/);
    publicKey = await shown.inputValue();
  });

  sshd = await startSshd({ authorizedKeys: [publicKey] });
  const server = sshd;

  await test.step('add the loopback sshd as a server that logs in with that key', async () => {
    await page.getByRole('link', { name: 'Servers' }).click();
    await page.getByRole('button', { name: 'Add your first server' }).click();
    const form = page.getByTestId('server-form');
    await form.getByRole('textbox', { name: 'Name', exact: true }).fill('loopback');
    await form.getByRole('textbox', { name: 'Host', exact: true }).fill(server.host);
    await form.getByRole('textbox', { name: 'Port', exact: true }).fill(String(server.port));
    await form.getByRole('textbox', { name: 'User', exact: true }).fill(server.user);
    await form.getByRole('combobox', { name: 'Authentication', exact: true }).selectOption({ label: 'Key from the vault' });
    const key = form.getByRole('combobox', { name: 'Key', exact: true });
    await key.selectOption({ label: (await key.locator('option', { hasText: 'e2e-login' }).textContent()) ?? '' });
    await form.getByRole('button', { name: 'Add server' }).click();
    await expect(page.getByTestId('notice')).toHaveText('Added loopback.');
  });

  await test.step('open a terminal: the unknown host key is asked about, with its fingerprint', async () => {
    await page.getByRole('button', { name: 'Open terminal on loopback' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Terminals' })).toBeVisible();
    const dialog = page.getByTestId('prompt-dialog');
    await expect(dialog.getByTestId('prompt-fingerprint')).toHaveText(server.hostKeys[0].fingerprint);
    await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
    await dialog.getByRole('button', { name: 'Accept and remember' }).click();
    await expect(dialog).toHaveCount(0);
    await expect(shownTab(page).getByTestId('terminal-tab-state')).toHaveText('connected');
  });

  await test.step('type a command and see its output', async () => {
    await run(page, 'echo $((6*7))');
    await expect.poll(() => screenLines(page)).toContain('42');
  });

  await test.step('a smaller window makes a smaller PTY', async () => {
    await run(page, 'stty size');
    await expect.poll(() => lastSttySize(page)).toMatch(/^\d+ \d+$/);
    const before = await lastSttySize(page);
    await page.setViewportSize({ width: 900, height: 600 });
    // The resize reaches the PTY after the debounce; ask until the shell reports the new size.
    await expect
      .poll(async () => {
        await run(page, 'stty size');
        return lastSttySize(page);
      })
      .not.toBe(before);
    // Back to the full size, so that the steps below have room on screen for their output.
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  await test.step('open a second tab from the Terminals page: the remembered host key is not asked again', async () => {
    const form = page.getByTestId('open-terminal-form');
    await form.getByRole('button', { name: 'Open terminal' }).click();
    await expect(page.getByTestId('terminal-tab')).toHaveCount(2);
    await expect(shownTab(page).getByTestId('terminal-tab-state')).toHaveText('connected');
    await expect(page.getByTestId('prompt-dialog')).toHaveCount(0);
  });

  await test.step('broadcast to both tabs: one command typed runs in both, and it is clearly shown', async () => {
    await page.getByRole('checkbox', { name: 'Broadcast input' }).check();
    await expect(page.getByTestId('broadcast-banner')).toContainText('all 2 marked terminals');
    await expect(page.getByTestId('broadcast-marker')).toHaveCount(2);
    await expect(page.getByRole('checkbox', { name: 'Broadcast to loopback (2)' })).toBeChecked();
    await run(page, 'hostname');
    const name = hostname();
    await expect.poll(() => screenLines(page)).toContain(name);
    await page.getByRole('tab', { name: /^loopback connected/ }).click();
    await expect.poll(() => screenLines(page)).toContain(name);
    // The first tab's earlier output is still there: switching tabs keeps each one's scrollback.
    expect(await screenLines(page)).toContain('42');
    await page.screenshot({ path: 'test-results/terminals-page.png' });

    await page.getByRole('button', { name: 'Turn off' }).click();
    await expect(page.getByTestId('broadcast-banner')).toHaveCount(0);
    await expect(page.getByTestId('broadcast-marker')).toHaveCount(0);
  });

  await test.step('search with Ctrl+Shift+F, paste with Ctrl+Shift+V', async () => {
    await page.locator('.terminal-host:not([hidden]) .xterm').click();
    await page.keyboard.press('Control+Shift+F');
    const find = page.getByRole('textbox', { name: 'Find in terminal' });
    await expect(find).toBeFocused();
    await find.fill('no-such-text-anywhere');
    await find.press('Enter');
    await expect(page.getByTestId('terminal-search')).toContainText('No match.');
    await find.fill('stty');
    await find.press('Enter');
    await expect(page.getByTestId('terminal-search')).not.toContainText('No match.');
    await find.press('Escape');
    await expect(page.getByTestId('terminal-search')).toHaveCount(0);

    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: running.origin });
    // A string: e2e/ compiles without DOM types, and this runs in the page.
    await page.evaluate(`navigator.clipboard.writeText('echo pasted-$((2+3))')`);
    await page.locator('.terminal-host:not([hidden]) .xterm').click();
    await page.keyboard.press('Control+Shift+V');
    // Reading the clipboard takes a moment: Enter typed before the text arrived would run nothing.
    await expect.poll(async () => (await screenLines(page)).some((line) => line.endsWith('$ echo pasted-$((2+3))'))).toBe(true);
    await page.keyboard.press('Enter');
    await expect.poll(() => screenLines(page)).toContain('pasted-5');
  });

  await test.step('another window takes the terminals over; this one says so and reattaches without doubling output', async () => {
    await run(page, 'echo marker-$((3*3))');
    await expect.poll(() => screenLines(page)).toContain('marker-9');
    const other = await page.context().newPage();
    browserErrors.watch(other);
    await other.goto(`${running.origin}/#/terminals`);
    await expect(other.getByTestId('terminal-tab')).toHaveCount(2);
    // The taking window repaints from the recent output the console kept.
    await expect.poll(() => screenLines(other)).toContain('marker-9');
    await expect(page.getByTestId('terminal-status')).toContainText('Another window took over this terminal.');
    await other.close();

    await page.getByRole('button', { name: 'Reattach' }).click();
    await expect(page.getByTestId('terminal-status')).toHaveText('Connected.');
    await expect.poll(async () => (await screenLines(page)).filter((line) => line === 'marker-9')).toEqual(['marker-9']);
    await run(page, 'echo still-$((1+1))');
    await expect.poll(() => screenLines(page)).toContain('still-2');
  });

  await test.step('the console connection drops: the tab says so, then reattaches by itself once it is back', async () => {
    await run(page, 'echo before-$((2*5))');
    await expect.poll(() => screenLines(page)).toContain('before-10');
    const cut = lines.splice(0);
    expect(cut.length).toBeGreaterThanOrEqual(2);
    for (const line of cut) {
      await line.server.close({ code: 1001, reason: 'cut by the test' });
      await line.page.close({ code: 1001, reason: 'cut by the test' });
    }
    await expect(page.getByTestId('connection-banner')).toBeVisible();
    // No click: the tab's stream comes back with the connection, repainted once from the recent output.
    await expect(page.getByTestId('connection-banner')).toHaveCount(0);
    await expect(page.getByTestId('terminal-status')).toHaveText('Connected.');
    await expect.poll(async () => (await screenLines(page)).filter((line) => line === 'before-10')).toEqual(['before-10']);
    await run(page, 'echo after-$((4+4))');
    await expect.poll(() => screenLines(page)).toContain('after-8');
  });

  await test.step('closing a tab ends its terminal; the other one stays', async () => {
    await page.getByRole('button', { name: 'Close loopback (2)' }).click();
    await expect(page.getByTestId('terminal-tab')).toHaveCount(1);
    await expect(shownTab(page)).toContainText('loopback');
    expect(await screenLines(page)).toContain('after-8');
  });
});
