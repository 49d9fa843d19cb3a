import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test as base, expect, type Page } from '@playwright/test';
import { WebConsoleProcess } from './web-console';

export interface Consoles {
  /** The LIFELINE_HOME that every console of the test shares (a fresh temp folder per test). */
  readonly home: string;
  /** Starts `lifeline web` on that folder; whatever is still running is stopped after the test. */
  start(): Promise<WebConsoleProcess>;
}

export interface BrowserErrors {
  /** Lets through errors the test provokes on purpose (a WebSocket failing while the console is down). */
  allow(pattern: RegExp): void;
  /** Collects from another page of the test too. */
  watch(page: Page): void;
}

export const test = base.extend<{ consoles: Consoles; browserErrors: BrowserErrors }>({
  consoles: async ({}, use) => {
    const home = await mkdtemp(join(tmpdir(), 'lifeline-e2e-'));
    const started: WebConsoleProcess[] = [];
    try {
      await use({
        home,
        start: async () => {
          const running = await WebConsoleProcess.start(home);
          started.push(running);
          return running;
        },
      });
    } finally {
      const stops = await Promise.allSettled(started.map((running) => running.stop()));
      await rm(home, { recursive: true, force: true });
      const failed = stops.find((stop) => stop.status === 'rejected');
      if (failed) throw failed.reason;
    }
  },

  // Every test fails on a console error or an uncaught exception in the page. It depends on `consoles`
  // so that it is checked before the console stops (which makes the page's WebSocket fail on purpose).
  browserErrors: [
    async ({ page, consoles }, use) => {
      void consoles;
      const errors: string[] = [];
      const allowed: RegExp[] = [];
      const record = (text: string) => {
        if (!allowed.some((pattern) => pattern.test(text))) errors.push(text);
      };
      const watch = (target: Page) => {
        target.on('console', (message) => {
          if (message.type() === 'error') record(`console error: ${message.text()} (${message.location().url})`);
        });
        target.on('pageerror', (error) => record(`uncaught: ${error.stack ?? error.message}`));
      };
      watch(page);
      await use({ allow: (pattern) => allowed.push(pattern), watch });
      expect(errors, 'the page logged errors').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };
