import { expect, type Locator, type Page } from '@playwright/test';

// The steps several specs start with, done through the UI as a user would.

export const VAULT_PASSPHRASE = 'e2e vault passphrase';

/** Sets the vault up with VAULT_PASSPHRASE and generates an ed25519 key; returns the key's card. */
export async function setUpVaultWithKey(page: Page, keyName: string): Promise<Locator> {
  await page.getByRole('link', { name: 'Keys' }).click();
  const vault = page.getByTestId('vault-panel');
  await vault.getByLabel('Passphrase', { exact: true }).fill(VAULT_PASSPHRASE);
  await vault.getByLabel('Repeat passphrase').fill(VAULT_PASSPHRASE);
  await vault.getByRole('button', { name: 'Set up the vault' }).click();
  await expect(page.getByTestId('vault-state')).toContainText('The vault is unlocked');
  await page.getByRole('button', { name: 'Generate key', exact: true }).click();
  const form = page.getByTestId('generate-form');
  await form.getByLabel('Key name').fill(keyName);
  await form.getByRole('button', { name: 'Generate key' }).click();
  const card = page.getByTestId('key-card').filter({ hasText: keyName });
  await expect(card).toBeVisible();
  return card;
}
