import { lstatSync, readlinkSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { ReleaseStore } from './release-store';

// A site's folder, Capistrano-style, so that a rollback is a link switch rather than a rebuild:
//   <site.dir>/repo              bare mirror fetched from the site's repository
//   <site.dir>/releases/<name>   one checkout of one exact commit per deploy attempt
//   <site.dir>/current           symbolic link to the live release

/** A full commit id: the only form a release is made from, and safe to use in a folder name. */
export function isCommitId(text: string): boolean {
  return /^[0-9a-f]{40}$/.test(text);
}

export function repoDir(siteDir: string): string {
  return join(siteDir, 'repo');
}

export function releaseDirFor(siteDir: string, commit: string, jobId: number, attempt: number): string {
  const name = `${commit.slice(0, 12)}-${jobId}${attempt > 1 ? `-${attempt}` : ''}`;
  return join(siteDir, 'releases', name);
}

function currentLink(siteDir: string): string {
  return join(siteDir, 'current');
}

/** The absolute folder `current` points at, or undefined when there is no link yet. */
export function readCurrent(siteDir: string): string | undefined {
  try {
    return resolve(siteDir, readlinkSync(currentLink(siteDir)));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'EINVAL') throw notALink(currentLink(siteDir));
    throw error;
  }
}

/**
 * Points `current` at a release in one step: a new link is made beside it and renamed over it, so anyone
 * following `current` sees the old release or the new one, never nothing. The link is relative, so the
 * site's folder can be moved as a whole.
 */
export function pointCurrent(siteDir: string, releaseDir: string): void {
  const link = currentLink(siteDir);
  assertReplaceable(link);
  const temporary = `${link}.${process.pid}.${Date.now()}.tmp`;
  symlinkSync(relative(siteDir, releaseDir), temporary);
  try {
    renameSync(temporary, link);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

export function removeCurrent(siteDir: string): void {
  const link = currentLink(siteDir);
  assertReplaceable(link);
  rmSync(link, { force: true });
}

function notALink(link: string): Error {
  return new Error(`${link} is not a symbolic link, so the agent will not replace it. Move it away; the agent manages that path as a link to the live release.`);
}

function assertReplaceable(link: string): void {
  try {
    if (!lstatSync(link).isSymbolicLink()) throw notALink(link);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/**
 * Deletes the folders of all but the newest `releasesKept` releases of a site. The current release is
 * never deleted, even when it is older: neither the one the database names nor the one the link points
 * at (they differ only for a moment, should the agent die between switching the link and recording it).
 * Returns the ids of the releases whose folders went.
 */
export function pruneReleases(store: ReleaseStore, site: { id: string; dir: string; releasesKept: number }, now: number): number[] {
  const live = readCurrent(site.dir);
  const pruned: number[] = [];
  for (const release of store.prunable(site.id, Math.max(1, site.releasesKept))) {
    if (release.dir === live) continue;
    rmSync(release.dir, { recursive: true, force: true });
    store.markPruned(release.id, now);
    pruned.push(release.id);
  }
  return pruned;
}
