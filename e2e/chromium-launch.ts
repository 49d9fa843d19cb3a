/**
 * How tests and benchmarks start a browser: Debian's Chromium (Playwright's own cannot be downloaded
 * here), with the sandbox off for root in a container and the background services a test run never uses
 * switched off, so they cost no CPU next to what is measured.
 */
export const CHROMIUM_LAUNCH = {
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
};
