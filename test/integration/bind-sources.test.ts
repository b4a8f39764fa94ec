/**
 * Repository files that bind mounts name (issue #12 item 6), on the real daemon and engine:
 * - a file over `mounts.maxRepositoryFileBytes` (zeros: tiny in git) refuses the commit with a
 *   located `mounts.repo-file-size`, judged from the blob's size before it is read; the running
 *   commit stays;
 * - the copy of each commit's files under `stateDir/checkouts/` goes once no container uses it.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listProjectContainers, requireDocker, waitFor } from '../helpers/docker.js';
import { HARDENING, LIMITS, projectFixture, type ProjectFixture } from '../helpers/project-fixture.js';

let f: ProjectFixture;
const checkout = (commit: string) => path.join(f.config.stateDir, 'checkouts', f.project, commit);

const stack = (mark: string, extraBind = '') => `services:
  app:
    image: spin-test/busybox:1
    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]
    environment: { MARK: "${mark}" }
    stop_grace_period: 1s
    volumes:
      - ./conf/app.ini:/etc/app.ini:ro
${extraBind}    deploy: { ${LIMITS} }
${HARDENING}`;

beforeAll(async () => {
  await requireDocker();
  f = await projectFixture('bindsrc', {
    project: { policy: 'small-files' },
    config: { policies: { 'small-files': { mounts: { maxRepositoryFileBytes: '1MiB' } } } },
  });
  await f.startDaemon();
}, 60_000);

afterAll(async () => {
  await f?.cleanup();
});

const deployed = (commit: string) =>
  f.waitStatus(
    (s) => s.appliedCommit === commit && s.sync === 'Synced' && s.health === 'Healthy',
    `commit ${commit.slice(0, 8)} deployed`,
    60_000,
  );

describe('repository bind sources', () => {
  it('removes the checkouts of commits no container uses any more', async () => {
    const commits: string[] = [];
    for (const mark of ['one', 'two', 'three']) {
      const sha = await f.push({ 'compose.yaml': stack(mark), 'conf/app.ini': `mark=${mark}\n` }, mark);
      commits.push(sha);
      await deployed(sha);
      expect(existsSync(checkout(sha))).toBe(true);
    }
    const [first, , last] = commits as [string, string, string];
    await waitFor(() => existsSync(checkout(first)), {
      until: (exists) => !exists,
      timeoutMs: 30_000,
      description: 'checkout of the first commit removed',
    });
    expect(existsSync(checkout(last))).toBe(true);
    const [app] = await listProjectContainers(f.project);
    expect(app?.labels['spin.commit']).toBe(last);
  });

  it('refuses a commit whose bind file is over the cap, located, and keeps the running commit', async () => {
    const running = (await f.status())?.appliedCommit ?? '';
    const big = await f.push(
      {
        'compose.yaml': stack('big', '      - ./data/zeros.bin:/data/zeros.bin:ro\n'),
        'data/zeros.bin': '\0'.repeat(8 * 1024 * 1024),
      },
      'eight MiB of zeros',
    );
    const status = await f.waitStatus((s) => s.refusedCommit === big, 'big commit refused', 60_000);
    expect(status.lastError?.reason).toBe('InvalidCommit');
    const finding = status.lastError?.diagnostics?.find((d) => d.rule === 'mounts.repo-file-size');
    expect(finding).toMatchObject({ file: 'compose.yaml', line: 9 });
    expect(finding?.message).toContain('is 8388608 bytes');
    expect(status.appliedCommit).toBe(running);
    expect(existsSync(checkout(big))).toBe(false);
    const [app] = await listProjectContainers(f.project);
    expect(app?.labels['spin.commit']).toBe(running);
  });
});
