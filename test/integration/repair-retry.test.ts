import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProjectStatus } from '../../src/status/project-status.js';
import { docker, listProjectContainers, waitFor } from '../helpers/docker.js';
import {
  markedStack,
  projectFixture,
  waitStatusNote,
  type ProjectFixture,
} from '../helpers/project-fixture.js';

/**
 * A repair of the commit that is already applied and healthy that does not become ready (here:
 * the container is stopped by hand again during each repair's readiness check) is retried, never
 * treated as a failed rollout of that commit: no failed commit, no rollback, no `failure` status.
 * Once left alone, the project is Healthy again on the same commit without any new push.
 */
const DISRUPTIONS = 4;
let f: ProjectFixture;

beforeAll(async () => {
  // Poll 1h, resync yearly: only engine events and the retry backoff wake the project.
  f = await projectFixture('repair', { pollInterval: '1h', config: { resyncSchedule: '0 0 1 1 *' } });
});

afterAll(async () => {
  await f?.cleanup();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('repairing drift of the healthy commit', () => {
  it('retries a repair that keeps failing and ends Healthy on the same commit', async () => {
    // Ready only 5 s after each start: the window in which the test stops it again.
    const commit = await f.push({ 'compose.yaml': markedStack('one', { readyAfter: 5 }) }, 'slow-ready app');
    await f.startDaemon();
    await f.waitStatus(
      (s) => s.health === 'Healthy' && s.sync === 'Synced' && s.appliedCommit === commit,
      'first deploy healthy',
      120_000,
    );
    const name = `${f.project}_app_1`;

    // Every status `spin status` shows while the container is disrupted and repaired.
    const seen: ProjectStatus[] = [];
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const s = await f.status().catch(() => undefined);
        if (s) seen.push(s);
        await sleep(300);
      }
    })();

    try {
      for (let i = 1; i <= DISRUPTIONS; i++) {
        // Running again (Spin started it; it is not ready yet): stop it during its readiness check.
        const c = await waitFor(
          async () => (await listProjectContainers(f.project)).find((x) => x.name === name),
          {
            until: (x) => x?.state === 'running',
            timeoutMs: 120_000,
            description: `${name} running (#${i})`,
          },
        );
        await docker()
          .getContainer(c?.id as string)
          .stop({ t: 1 })
          .catch(() => {}); // already stopped meanwhile
      }
      await waitFor(() => (f.daemon?.logs ?? []).some((l) => l.msg === 'repair failed'), {
        timeoutMs: 60_000,
        description: 'a repair that did not become ready',
      });
      // Left alone now: the next repair succeeds.
      const healed = await f.waitStatus(
        (s) => s.health === 'Healthy' && s.sync === 'Synced',
        'Healthy again after the disruptions',
        180_000,
      );
      expect(healed.appliedCommit).toBe(commit);
      expect(healed.desiredCommit).toBe(commit);
      expect(healed.lastHealthyCommit).toBe(commit);
      expect(healed.failedCommit).toBeUndefined();
    } finally {
      watching = false;
      await watcher;
    }

    const failedOrRolledBack = seen.filter(
      (s) =>
        s.failedCommit !== undefined ||
        s.lastError?.reason === 'RolloutFailed' ||
        s.appliedCommit !== commit ||
        s.lastHealthyCommit !== commit,
    );
    expect(failedOrRolledBack).toEqual([]);
    expect(seen.some((s) => s.lastError?.reason === 'RepairFailed' || s.health !== 'Healthy')).toBe(true);
    // What a reviewer sees on the commit: deployed and healthy, not rolled back.
    const note = await waitStatusNote(f, commit, `spin/${f.project}`, (e) => e.state === 'success', 60_000);
    expect(note.state).toBe('success');
  }, 600_000);
});
