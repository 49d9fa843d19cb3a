import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from './fixtures';
import { VAULT_PASSPHRASE } from './vault-ui';

const KEY_PASSPHRASE = 'e2e key passphrase';

test('keys: set up the vault, generate, import an encrypted key, lock and unlock; no secret reaches the page', async ({ page, consoles }) => {
  // A key made by OpenSSH's ssh-keygen, protected by a passphrase, as a user brings it.
  const keysDir = await mkdtemp(join(tmpdir(), 'lifeline-e2e-keys-'));
  const keyPath = join(keysDir, 'id_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', KEY_PASSPHRASE, '-C', 'laptop@e2e', '-f', keyPath]);
  const keyText = await readFile(keyPath, 'utf8');
  const keyFingerprint = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${keyPath}.pub`], { encoding: 'utf8' }).split(' ')[1];
  await rm(keysDir, { recursive: true, force: true });

  // Every frame the page receives over its WebSocket, checked at the end.
  const frames: string[] = [];
  page.on('websocket', (socket) => socket.on('framereceived', ({ payload }) => frames.push(String(payload))));

  const running = await consoles.start();
  await page.goto(running.url);
  await page.getByRole('link', { name: 'Keys' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Keys' })).toBeVisible();
  const vault = page.getByTestId('vault-panel');

  await test.step('set up the vault with a passphrase typed twice', async () => {
    await expect(page.getByRole('button', { name: 'Use the OS keychain instead' })).toHaveCount(0);
    await vault.getByLabel('Passphrase', { exact: true }).fill('short');
    await vault.getByLabel('Repeat passphrase').fill('short');
    await vault.getByRole('button', { name: 'Set up the vault' }).click();
    await expect(vault.getByLabel('Passphrase', { exact: true })).toHaveAccessibleDescription(/at least 8 characters/);

    await vault.getByLabel('Passphrase', { exact: true }).fill(VAULT_PASSPHRASE);
    await vault.getByLabel('Repeat passphrase').fill(`${VAULT_PASSPHRASE}x`);
    await vault.getByRole('button', { name: 'Set up the vault' }).click();
    await expect(vault.getByLabel('Repeat passphrase')).toHaveAccessibleDescription(/differ/);

    await vault.getByLabel('Repeat passphrase').fill(VAULT_PASSPHRASE);
    await vault.getByRole('button', { name: 'Set up the vault' }).click();
    await expect(page.getByTestId('vault-state')).toContainText('The vault is unlocked');
    await expect(page.getByTestId('keys-empty')).toBeVisible();
  });

  await test.step('generate an ed25519 key and see it listed with its fingerprint', async () => {
    await page.getByRole('button', { name: 'Generate key', exact: true }).click();
    const form = page.getByTestId('generate-form');
    await expect(form.getByLabel('Key type')).toHaveValue('ed25519');
    await form.getByLabel('Key name').fill('deploy');
    await form.getByRole('button', { name: 'Generate key' }).click();
    await expect(page.getByTestId('notice')).toHaveText('Generated deploy.');
    const card = page.getByTestId('key-card').filter({ hasText: 'deploy' });
    await expect(card.getByTestId('key-type')).toHaveText('ssh-ed25519, 256 bits');
    await expect(card.getByTestId('key-fingerprint')).toHaveText(/^SHA256:[A-Za-z0-9+/]{43}$/);
    await expect(card.getByTestId('key-public')).toHaveValue(/^ssh-ed25519 AAAA\S+ deploy$/);
  });

  await test.step('import a key made by ssh-keygen: its passphrase is asked for', async () => {
    await page.getByRole('button', { name: 'Import key', exact: true }).click();
    const form = page.getByTestId('import-form');
    await form.getByLabel('Key name').fill('laptop');
    await form.getByLabel('Private key').fill(keyText);
    await expect(form.getByLabel('Key passphrase')).toHaveCount(0);
    await form.getByRole('button', { name: 'Import key' }).click();
    await expect(form.getByTestId('import-message')).toContainText(/passphrase/i);
    const passphrase = form.getByLabel('Key passphrase');
    await expect(passphrase).toBeFocused();
    await passphrase.fill(KEY_PASSPHRASE);
    await form.getByRole('button', { name: 'Import key' }).click();
    await expect(page.getByTestId('notice')).toHaveText('Imported laptop.');
    await expect(page.getByTestId('key-card').filter({ hasText: 'laptop' }).getByTestId('key-fingerprint')).toHaveText(keyFingerprint);
    await page.screenshot({ path: 'test-results/keys-page.png', fullPage: true });
  });

  await test.step('lock: keys stay listed, generating is refused; unlock again', async () => {
    await vault.getByRole('button', { name: 'Lock vault' }).click();
    await expect(page.getByTestId('vault-state')).toContainText('The vault is locked');
    await expect(page.getByTestId('key-card')).toHaveCount(2);

    await page.getByRole('button', { name: 'Generate key', exact: true }).click();
    const form = page.getByTestId('generate-form');
    await form.getByLabel('Key name').fill('refused');
    await form.getByRole('button', { name: 'Generate key' }).click();
    await expect(form.getByRole('alert')).toContainText('Unlock the vault first');
    await form.getByRole('button', { name: 'Cancel' }).click();

    await vault.getByLabel('Passphrase').fill('not the passphrase');
    await vault.getByRole('button', { name: 'Unlock' }).click();
    await expect(vault.getByRole('alert')).toContainText('wrong');
    await vault.getByLabel('Passphrase').fill(VAULT_PASSPHRASE);
    await vault.getByRole('button', { name: 'Unlock' }).click();
    await expect(page.getByTestId('vault-state')).toContainText('The vault is unlocked');
  });

  await test.step('a server may now log in with a vault key', async () => {
    await page.getByRole('link', { name: 'Servers' }).click();
    await page.getByRole('button', { name: 'Add your first server' }).click();
    const form = page.getByTestId('server-form');
    const auth = form.getByRole('combobox', { name: 'Authentication', exact: true });
    await expect(auth.getByRole('option')).toHaveText(['SSH agent', 'Key from the vault', 'Password', 'Keyboard-interactive (prompts)']);
    await auth.selectOption({ label: 'Key from the vault' });
    await expect(form.getByRole('combobox', { name: 'Key', exact: true })).toHaveValue(/.+/);
  });

  expect(frames.length).toBeGreaterThan(5);
  const everything = frames.join('\n');
  const body = keyText.trim().split('\n').slice(1, -1);
  for (const secret of [VAULT_PASSPHRASE, KEY_PASSPHRASE, body.join(''), ...body.slice(-2)]) {
    expect(everything.includes(secret), `a frame held ${secret.slice(0, 12)}…`).toBe(false);
  }
  expect(everything).not.toContain('PRIVATE KEY');
});
