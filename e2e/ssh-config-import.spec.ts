import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';

// The import screen in the web console, on configs written into the test's temp folder: the console
// reads them from disk as it would read ~/.ssh/config (which stays untouched here).

function write(path: string, ...lines: string[]): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${lines.join('\n')}\n`);
}

const hostRow = (page: Page, name: string) =>
  page.getByTestId('ssh-import-host').filter({ has: page.getByRole('rowheader', { name: new RegExp(`^${name}\\b`) }) });
const importBox = (page: Page, name: string) => page.getByRole('checkbox', { name: `Import ${name}`, exact: true });

test('ssh config import: errors say what to do, preview, choose with jump chains, import', async ({ page, consoles }) => {
  const dir = join(consoles.home, 'ssh-configs');
  const config = join(dir, 'config');
  // A relative Include would be read from the real ~/.ssh, so this one names its folder in full.
  write(
    config,
    `Include ${dir}/conf.d/*.conf`,
    '',
    'Host web',
    '  HostName web.internal.example.com',
    '  User deploy',
    `  IdentityFile ${dir}/id_web`,
    '  ProxyJump bastion',
    '',
    'Host db',
    '  HostName db.internal.example.com',
    '  ProxyJump bastion,inner',
    '',
    'Host *',
    '  User ops',
  );
  write(join(dir, 'conf.d/corp.conf'), 'Host bastion', '  HostName bastion.example.com', '  Port 2222', '', 'Host inner', '  HostName 10.0.0.7', '  ProxyJump bastion');
  write(join(dir, 'broken'), 'Host lab', '  Port eighty');

  const running = await consoles.start();
  await page.goto(running.url);
  const panel = page.getByTestId('ssh-import');
  const path = panel.getByRole('textbox', { name: 'Config file' });
  const previewButton = panel.getByRole('button', { name: 'Preview' });
  const problem = panel.getByTestId('ssh-import-error');

  await test.step('the import opens with the default path, focused', async () => {
    await page.getByRole('button', { name: 'Import from ~/.ssh/config' }).click();
    await expect(panel.getByRole('heading', { name: 'Import from ~/.ssh/config' })).toBeVisible();
    await expect(path).toHaveValue('~/.ssh/config');
    await expect(path).toBeFocused();
  });

  await test.step('a relative path is a field error', async () => {
    await path.fill('ssh-configs/config');
    await previewButton.click();
    await expect(path).toHaveAttribute('aria-invalid', 'true');
    await expect(path).toHaveAccessibleDescription(/from the root .* or from your home folder/);
    await expect(problem).toHaveCount(0);
  });

  await test.step('a missing file and a broken line are shown plainly, with what to do', async () => {
    await path.fill(join(dir, 'missing'));
    await expect(path).not.toHaveAttribute('aria-invalid', 'true');
    await path.press('Enter');
    await expect(problem).toHaveRole('alert');
    await expect(problem).toHaveText(`Could not read the SSH config. There is no SSH config at ${join(dir, 'missing')}. Check the path, or create the file with the hosts to import.`);

    await path.fill(join(dir, 'broken'));
    await previewButton.click();
    await expect(problem).toContainText(`${join(dir, 'broken')} line 2: Port "eighty" is not a port from 1 to 65535; fix the value`);
    await expect(panel.getByTestId('ssh-import-hosts')).toHaveCount(0);
  });

  await test.step('the preview lists the hosts to create, with their jump chains, and what is skipped', async () => {
    await path.fill(config);
    await previewButton.click();
    await expect(problem).toHaveCount(0);
    await expect(panel.getByTestId('ssh-import-status')).toHaveText('4 servers to create, 1 skipped.');
    await expect(panel.getByTestId('ssh-import-files')).toHaveText(`Read 2 files: ${config}, ${join(dir, 'conf.d/corp.conf')}`);
    await expect(panel.getByTestId('ssh-import-host').getByRole('rowheader')).toHaveText(['bastion', 'inner', 'web', 'db']);
    await expect(hostRow(page, 'bastion').getByRole('cell')).toHaveText(['', 'bastion.example.com', '2222', 'ops', /^—\s*none$/, /^—\s*none$/]);
    await expect(hostRow(page, 'web').getByRole('cell')).toHaveText(['', 'web.internal.example.com', '22', 'deploy', join(dir, 'id_web'), 'bastion']);
    await expect(hostRow(page, 'db').getByRole('cell').last()).toHaveText('bastion → inner');
    for (const name of ['bastion', 'inner', 'web', 'db']) await expect(importBox(page, name)).toBeChecked();
    await expect(panel.getByTestId('ssh-import-skipped')).toHaveText(/^\*: .*config line 13: wildcard-only Host/);
    await page.screenshot({ path: 'test-results/ssh-config-import.png', fullPage: true });
  });

  const importButton = panel.getByRole('button', { name: /^Import selected/ });

  await test.step('leaving out a jump server leaves out what goes through it; choosing a host chooses its chain', async () => {
    await importBox(page, 'bastion').uncheck();
    for (const name of ['inner', 'web', 'db']) await expect(importBox(page, name)).not.toBeChecked();
    await expect(panel.getByTestId('ssh-import-status')).toHaveText('Also left out inner, web, db: they connect through bastion.');
    await expect(importButton).toHaveText('Import selected (0)');

    await importBox(page, 'db').check();
    await expect(importBox(page, 'bastion')).toBeChecked();
    await expect(importBox(page, 'inner')).toBeChecked();
    await expect(importBox(page, 'web')).not.toBeChecked();
    await expect(panel.getByTestId('ssh-import-status')).toHaveText('Also chose bastion, inner: db connects through them.');
  });

  await test.step('import the chosen ones: they appear in the list, with their jump servers', async () => {
    await importButton.click();
    const outcome = panel.getByTestId('ssh-import-outcome');
    await expect(outcome.getByRole('heading', { name: 'Imported 3 servers' })).toBeFocused();
    await expect(page.getByTestId('notice')).toHaveText('Imported 3 servers from the SSH config.');
    await expect(page.getByTestId('server-row').getByRole('rowheader')).toHaveText(['bastion', 'db', 'inner']);

    await page.getByRole('button', { name: 'Edit db' }).click();
    const jump = page.getByTestId('server-form').getByRole('combobox', { name: 'Jump server', exact: true });
    await expect(jump.locator('option:checked')).toHaveText(/^inner \(ops@10\.0\.0\.7\)$/);
    await page.keyboard.press('Escape');
  });

  await test.step('a second preview knows what exists; Escape closes the panel', async () => {
    await page.getByRole('button', { name: 'Import from ~/.ssh/config' }).click();
    await path.fill(config);
    await previewButton.click();
    await expect(panel.getByTestId('ssh-import-host').getByRole('rowheader')).toHaveText(['web']);
    await expect(panel.getByTestId('ssh-import-skipped')).toContainText('A server named "db" already exists in Lifeline');
    await page.keyboard.press('Escape');
    await expect(panel).toBeHidden();
    await expect(page.getByRole('button', { name: 'Import from ~/.ssh/config' })).toBeFocused();
  });
});
