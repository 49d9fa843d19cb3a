import { existsSync, lstatSync, mkdirSync, mkdtempSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../store/sqlite';
import { ReleaseStore } from './release-store';
import { pointCurrent, pruneReleases, readCurrent, releaseDirFor, removeCurrent } from './releases';
import { openDeployDatabase } from './testing/database';

let dir: string;
let db: Database;
let store: ReleaseStore;
const siteDir = () => join(dir, 'site');

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lifeline-releases-'));
  db = openDeployDatabase(join(dir, 'agent.db'));
  store = new ReleaseStore(db);
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

function addRelease(jobId: number): { id: number; dir: string } {
  const releaseDir = releaseDirFor(siteDir(), 'a'.repeat(40), jobId, 1);
  mkdirSync(releaseDir, { recursive: true });
  return { id: store.create({ siteId: 'web', jobId, commit: 'a'.repeat(40), dir: releaseDir, createdAt: jobId }), dir: releaseDir };
}

describe('the current link', () => {
  it('names release folders by commit, job and attempt', () => {
    const commit = '0123456789abcdef0123456789abcdef01234567';
    expect(releaseDirFor('/srv/web', commit, 42, 1)).toBe('/srv/web/releases/0123456789ab-42');
    expect(releaseDirFor('/srv/web', commit, 42, 3)).toBe('/srv/web/releases/0123456789ab-42-3');
  });

  it('is replaced in one rename and stored relative to the site', () => {
    const first = addRelease(1);
    const second = addRelease(2);
    expect(readCurrent(siteDir())).toBeUndefined();
    pointCurrent(siteDir(), first.dir);
    expect(readCurrent(siteDir())).toBe(first.dir);
    pointCurrent(siteDir(), second.dir);
    expect(readlinkSync(join(siteDir(), 'current'))).toBe('releases/aaaaaaaaaaaa-2');
    expect(readCurrent(siteDir())).toBe(second.dir);
    removeCurrent(siteDir());
    expect(existsSync(join(siteDir(), 'current'))).toBe(false);
  });

  it('refuses to replace a real folder that is in the way', () => {
    const release = addRelease(1);
    mkdirSync(join(siteDir(), 'current'));
    expect(() => pointCurrent(siteDir(), release.dir)).toThrow(
      `${join(siteDir(), 'current')} is not a symbolic link, so the agent will not replace it. Move it away; the agent manages that path as a link to the live release.`,
    );
    expect(lstatSync(join(siteDir(), 'current')).isDirectory()).toBe(true);
  });
});

describe('pruneReleases', () => {
  it('keeps the newest folders and never the current release, even an older one', () => {
    const releases = [1, 2, 3, 4, 5].map(addRelease);
    store.setCurrent('web', releases[0].id);
    pointCurrent(siteDir(), releases[0].dir);
    const pruned = pruneReleases(store, { id: 'web', dir: siteDir(), releasesKept: 2 }, 99);
    expect(pruned).toEqual([releases[1].id, releases[2].id]);
    expect(releases.map((release) => existsSync(release.dir))).toEqual([true, false, false, true, true]);
    expect(store.list('web').map((release) => [release.id, release.pruned, release.state])).toEqual([
      [releases[4].id, false, 'pending'],
      [releases[3].id, false, 'pending'],
      [releases[2].id, true, 'pending'],
      [releases[1].id, true, 'pending'],
      [releases[0].id, false, 'current'],
    ]);
  });

  it('spares the release the link points at even when the database has not recorded it yet', () => {
    const releases = [1, 2, 3].map(addRelease);
    pointCurrent(siteDir(), releases[0].dir);
    expect(pruneReleases(store, { id: 'web', dir: siteDir(), releasesKept: 1 }, 99)).toEqual([releases[1].id]);
    expect(existsSync(releases[0].dir)).toBe(true);
  });
});
