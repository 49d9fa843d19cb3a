// How responsive a page stays while something runs, watched from inside the page: the gap between
// animation frames (a frame waits for the main thread, so a gap is how long a click or a scroll would
// have waited) and the long tasks Chromium reports (work of 50 ms or more on the main thread).
import type { Page } from 'playwright-core';

const POLL_MS = 100;
const KEY = '__benchFrameWatch';

export interface FrameWatch {
  /** Page time (ms) of the click on the start element. */
  readonly startedAt: number;
  /** Page time of the first frame that showed the done text. */
  readonly doneAt: number;
  /** Every gap between two frames from the click to the done frame, in ms. */
  readonly gaps: number[];
  /** The duration of every long task that ended after the click, in ms. */
  readonly longTasks: number[];
}

export interface WatchTarget {
  /** CSS selector of the element whose click starts the work. */
  readonly start: string;
  /** CSS selector of the element that says when the work is done… */
  readonly done: string;
  /** …by its text starting with this. */
  readonly donePrefix: string;
}

/**
 * Starts watching frames and long tasks in the page; the clock starts at the next click on `target.start`.
 * Each frame reads the done element's textContent, which needs no layout, so watching costs the page
 * next to nothing. The watch ends by itself at the done frame.
 */
export async function startFrameWatch(page: Page, target: WatchTarget): Promise<void> {
  // A string: bench/ compiles without DOM types, and the function would otherwise reach the page with
  // whatever helpers the test transform put in it.
  await page.evaluate(`(({ key, start, done, donePrefix }) => {
    const watch = { startedAt: null, doneAt: null, frames: [], longTasks: [] };
    window[key] = watch;
    const observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) watch.longTasks.push({ end: entry.startTime + entry.duration, duration: entry.duration });
    });
    observer.observe({ type: 'longtask' });
    const button = document.querySelector(start);
    if (!button) throw new Error('No element matches ' + start + ' to start the watch on.');
    button.addEventListener('click', () => { watch.startedAt = performance.now(); }, { capture: true, once: true });
    const tick = (now) => {
      watch.frames.push(now);
      if (watch.startedAt !== null && (document.querySelector(done)?.textContent ?? '').startsWith(donePrefix)) {
        watch.doneAt = now;
        observer.disconnect();
        return;
      }
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  })(${JSON.stringify({ key: KEY, ...target })})`);
}

/** Waits (polling the page every 100 ms) for the done frame, then returns what was seen from the click on. */
export async function finishFrameWatch(page: Page, limitMs: number): Promise<FrameWatch> {
  const deadline = performance.now() + limitMs;
  while (!(await page.evaluate<boolean>(`window.${KEY}.doneAt !== null`))) {
    if (performance.now() > deadline) throw new Error(`The page did not show the done text within ${limitMs / 1000} s of the click.`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return page.evaluate<FrameWatch>(`(() => {
    const { startedAt, doneAt, frames, longTasks } = window.${KEY};
    delete window.${KEY};
    const gaps = [];
    // The first frame after the click closes the gap the click fell into: it counts from the frame before.
    for (let index = 1; index < frames.length; index++) if (frames[index] > startedAt) gaps.push(frames[index] - frames[index - 1]);
    return { startedAt, doneAt, gaps, longTasks: longTasks.filter((task) => task.end > startedAt).map((task) => task.duration) };
  })()`);
}

/** Frame gaps of the page while nothing is asked of it, for `ms`: the browser's own rhythm. */
export async function idleFrameGaps(page: Page, ms: number): Promise<number[]> {
  return page.evaluate<number[]>(`new Promise((resolve) => {
    const frames = [];
    const end = performance.now() + ${ms};
    const tick = (now) => {
      frames.push(now);
      if (now < end) requestAnimationFrame(tick);
      else resolve(frames.slice(1).map((frame, index) => frame - frames[index]));
    };
    requestAnimationFrame(tick);
  })`);
}
