import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listProjectContainers } from '../helpers/docker.js';
import { BUSYBOX_IMAGE } from '../helpers/images.js';
import { HARDENING, projectFixture, type ProjectFixture } from '../helpers/project-fixture.js';

/**
 * A commit whose deploy keeps failing (its image cannot be had) is retried with growing delays,
 * then given up on after a bound, with the reason in the status; the last good commit keeps running.
 */
let f: ProjectFixture;
let good: string;

const stack = (image: string) => `services:
  app:
    image: ${image}
    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]
    deploy: { resources: { limits: { memory: 16m, cpus: "0.1" } } }
${HARDENING}`;

beforeAll(async () => {
  f = await projectFixture('retry', { pollInterval: '1s' });
  good = await f.push({ 'compose.yaml': stack(BUSYBOX_IMAGE) }, 'good');
  await f.startDaemon();
  await f.waitStatus((s) => s.appliedCommit === good && s.health === 'Healthy', 'good deployed');
});
afterAll(() => f?.cleanup());

describe('retries', () => {
  it('backs off, gives up after the bound with the reason, and keeps the good containers', async () => {
    const before = (await listProjectContainers(f.project)).map((c) => c.id);
    const bad = await f.push({ 'compose.yaml': stack('127.0.0.1:1/nowhere/missing:1') }, 'unpullable image');
    const retrying = await f.waitStatus((s) => s.retry?.commit === bad, 'first failed attempt');
    // The pull's own reason (issue 18): the registry at 127.0.0.1:1 refuses connections.
    expect(retrying.lastError?.reason).toBe('RegistryUnreachable');
    // `spin status` is polled, so the first status seen may already be the second attempt's.
    expect(retrying.lastError?.message).toMatch(/could not be (pulled|resolved).*attempt [12] of 5/);
    const attemptsSeen = new Set<number>();
    const given = await f.waitStatus(
      (s) => {
        if (s.retry?.commit === bad) attemptsSeen.add(s.retry.attempts);
        return s.failedCommit?.commit === bad;
      },
      'given up',
      90_000,
    );
    expect(given.failedCommit?.reason).toMatch(/^gave up after 5 attempts: .*could not be (pulled|resolved)/);
    expect(given.health).toBe('Degraded');
    expect(given.appliedCommit).toBe(good);
    expect(Math.max(...attemptsSeen)).toBeGreaterThanOrEqual(3);
    // The engine error happened before anything was stopped: the good container never left.
    expect((await listProjectContainers(f.project)).map((c) => c.id)).toEqual(before);
    // Backoff: 5 attempts took at least 2 + 4 + 8 + 16 s × 0.75 (jitter) between them.
    const logs = (f.daemon?.logs ?? []).filter(
      (l) => l.msg === 'reconcile pass' && l.commit === bad && l.result === 'failed',
    );
    expect(logs.length).toBeGreaterThanOrEqual(4);
  }, 120_000);
});
