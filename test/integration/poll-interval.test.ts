import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/docker.js';
import { markedStack, projectFixture, type ProjectFixture } from '../helpers/project-fixture.js';
import { runSpin } from '../helpers/spin-cli.js';
import { parseExposition, sampleValue } from '../unit/metrics/exposition.js';

/**
 * `pollInterval` and `resyncSchedule` are two knobs: the resync (here every two seconds) replans
 * against the engine from the commit the daemon already has, and only the project's own poll
 * (here an hour) or an explicit ask (`spin sync`, a webhook) makes a git request.
 */
const WRITE = 'pollint-write-token-3c4d5e6f7a8b9c0d';
let f: ProjectFixture;
let first: string;

beforeAll(async () => {
  f = await projectFixture('pollint', {
    pollInterval: '1h',
    config: { resyncSchedule: '*/2 * * * * *', api: { writeToken: WRITE } },
  });
  first = await f.push({ 'compose.yaml': markedStack('one') }, 'first');
});

afterAll(async () => {
  await f?.cleanup();
});

/** Resolves once the git server has had no request for `quietMs` (the commit status push settles). */
async function gitQuiet(quietMs = 3_000): Promise<void> {
  let seen = -1;
  let since = Date.now();
  await waitFor(
    () => {
      if (f.server.requests.length !== seen) [seen, since] = [f.server.requests.length, Date.now()];
      return Date.now() - since >= quietMs;
    },
    { timeoutMs: 60_000, intervalMs: 250, description: 'git server quiet' },
  );
}

const passes = () =>
  (f.daemon?.logs ?? []).filter((l) => l.msg === 'reconcile pass' && l.project === f.project);

describe('poll interval and resync', () => {
  it('resyncs replan without asking git; a push waits for the poll or spin sync', async () => {
    const started = Date.now();
    await f.startDaemon();
    await f.waitStatus((s) => s.appliedCommit === first && s.health === 'Healthy', 'first deployed');
    await gitQuiet();
    const mark = f.server.requests.length;

    // Resync passes run (each resync wakes the project)...
    const before = passes().length;
    await waitFor(() => passes().length, {
      until: (n) => n >= before + 3,
      timeoutMs: 60_000,
      intervalMs: 250,
      description: 'three resync passes',
    });
    // ...and ask git nothing.
    expect(f.server.requests.slice(mark)).toEqual([]);

    // A push is not picked up by the resync (the poll is an hour away)...
    const second = await f.push({ 'compose.yaml': markedStack('two') }, 'second');
    const afterPush = f.server.requests.length;
    const passesAfterPush = passes().length;
    await waitFor(() => passes().length, {
      until: (n) => n >= passesAfterPush + 3,
      timeoutMs: 60_000,
      intervalMs: 250,
      description: 'three resync passes after the push',
    });
    expect((await f.status())?.appliedCommit).toBe(first);
    expect(f.server.requests.slice(afterPush)).toEqual([]);

    // ...but `spin sync` polls, and deploys it.
    const sync = await runSpin(
      ['sync', f.project, '--server', f.daemon?.apiUrl ?? '', '--token', WRITE, '--json'],
      {
        timeoutMs: 120_000,
      },
    );
    expect(sync.code, sync.stderr).toBe(0);
    const advertisements = f.server.requests
      .slice(afterPush)
      .filter((r) => r.method === 'GET' && r.path.includes('/info/refs?service=git-upload-pack'));
    expect(advertisements.length).toBeGreaterThanOrEqual(1);
    await f.waitStatus(
      (s) => s.appliedCommit === second && s.health === 'Healthy',
      'second deployed by sync',
    );

    // The daemon's own view on /metrics: a recent success, not suspended.
    const metrics = parseExposition(await (await fetch(new URL('/metrics', f.daemon?.apiUrl))).text());
    const lastSuccess = sampleValue(metrics, 'spin_project_last_success_timestamp_seconds', {
      project: f.project,
    });
    expect(lastSuccess).toBeGreaterThanOrEqual(started / 1000);
    expect(sampleValue(metrics, 'spin_project_suspended', { project: f.project })).toBe(0);
  }, 240_000);
});
