import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { containerName } from '../../src/stack/names.js';
import { docker, listProjectContainers, waitFor } from '../helpers/docker.js';
import { watchEngineEvents, type EngineEventSeen } from '../helpers/engine-events.js';
import { HARDENING, LIMITS, projectFixture, type ProjectFixture } from '../helpers/project-fixture.js';

/**
 * Drift of one service is repaired while the project's pass is still busy with another, not after
 * it (src/reconciler/repair-lane.ts). The pass is held on the real engine: `slow` ignores SIGTERM
 * and has a 20 s stop grace period, so replacing it keeps the pass inside one `docker stop` for
 * 20 s. A `docker stop` of `app` during that wait must be repaired before `slow`'s old container
 * dies: an order of engine events, not a duration, so it holds on a loaded machine.
 */
const GRACE_S = 20;

function stack(mark: string): string {
  return `services:
  slow:
    image: spin-test/busybox:1
    command: ["sh", "-c", "trap '' TERM; sleep 3600 & wait"]
    environment: { MARK: "${mark}" }
    stop_grace_period: ${GRACE_S}s
    deploy: { ${LIMITS} }
${HARDENING}  app:
    image: spin-test/busybox:1
    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]
    stop_grace_period: 1s
    deploy: { ${LIMITS} }
${HARDENING}`;
}

let f: ProjectFixture;

beforeAll(async () => {
  f = await projectFixture('beside', { config: { resyncSchedule: '0 0 1 1 *' } });
  await f.push({ 'compose.yaml': stack('one') }, 'slow to stop, and an app');
});

afterAll(async () => {
  // The old `slow` may still be waiting out its grace period when a test fails.
  for (const c of await listProjectContainers(f.project).catch(() => []))
    await docker()
      .getContainer(c.id)
      .remove({ force: true })
      .catch(() => {});
  await f?.cleanup();
});

describe('a drifted service is repaired beside a pass that is busy with another', () => {
  it('starts a stopped app again while the pass still waits for slow to stop', async () => {
    await f.startDaemon();
    await f.waitStatus((s) => s.health === 'Healthy' && s.sync === 'Synced', 'deployed', 60_000);
    const slowName = containerName(f.project, 'slow', 1);
    const appName = containerName(f.project, 'app', 1);
    const oldSlow = (await listProjectContainers(f.project)).find((c) => c.name === slowName);
    const watch = await watchEngineEvents(f.project);
    let pushed = '';
    try {
      // A new commit for `slow`: the pass replaces it and waits out the old one's grace period.
      pushed = await f.push({ 'compose.yaml': stack('two') }, 'slow changes');
      await waitFor(() => watch.events.some((e) => e.id === oldSlow?.id && e.action.startsWith('kill')), {
        timeoutMs: 60_000,
        intervalMs: 100,
        description: 'the pass asked the old slow to stop',
      });
      const app = (await listProjectContainers(f.project)).find((c) => c.name === appName);
      const stoppedAt = Date.now();
      await docker()
        .getContainer(app?.id as string)
        .stop({ t: 1 });
      const appStarted = (await waitFor(
        () => watch.events.find((e) => e.name === appName && e.action === 'start' && e.at > stoppedAt),
        { timeoutMs: 90_000, intervalMs: 100, description: 'app started again' },
      )) as EngineEventSeen;
      const slowDied = (await waitFor(
        () => watch.events.find((e) => e.id === oldSlow?.id && e.action === 'die'),
        { timeoutMs: 90_000, intervalMs: 100, description: 'the old slow died at the end of its grace' },
      )) as EngineEventSeen;
      console.log(
        `app stopped -> started again ${Math.round(appStarted.at - stoppedAt)} ms; ` +
          `the pass's own stop of slow ended ${Math.round(slowDied.at - appStarted.at)} ms later`,
      );
      // The repair did not wait for the pass: app ran again before slow's stop ended.
      expect(appStarted.at).toBeLessThan(slowDied.at);
      expect(
        (f.daemon?.logs ?? []).some(
          (l) =>
            l.msg === 'drift repaired beside the running pass' && JSON.stringify(l.repairs).includes(appName),
        ),
      ).toBe(true);
    } finally {
      watch.close();
    }
    await f.waitStatus(
      (s) => s.health === 'Healthy' && s.sync === 'Synced' && s.appliedCommit === pushed,
      'converged on the new commit',
      90_000,
    );
    const running = await listProjectContainers(f.project);
    expect(
      running
        .filter((c) => c.state === 'running')
        .map((c) => c.name)
        .sort(),
    ).toEqual([appName, slowName].sort());
  }, 240_000);
});
