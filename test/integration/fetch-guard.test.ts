/**
 * A repository cannot blow up the daemon's memory while it is fetched (issue #12 item 6): a
 * commit holding 100 MiB of zeros (about 100 KB in git) is refused while its pack streams,
 * before isomorphic-git buffers and inflates it, on the real daemon, git server and engine:
 * - the project reports `SourceRefused` with the object's size and the limit, the running
 *   commit stays, and later polls of the same tip are refused again without a new download;
 * - the daemon's peak RSS (VmHWM, reset just before the push) grows by far less than 100 MiB;
 * - once the operator raises `git.maxObjectBytes`, the same commit is fetched and deployed.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listProjectContainers, requireDocker } from '../helpers/docker.js';
import { HARDENING, LIMITS, projectFixture, type ProjectFixture } from '../helpers/project-fixture.js';

const MiB = 1024 * 1024;
let f: ProjectFixture;
/** The commit with the big file; refused by the first test, deployed by the second. */
let big = '';

const stack = (mark: string) => `services:
  app:
    image: spin-test/busybox:1
    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]
    environment: { MARK: "${mark}" }
    stop_grace_period: 1s
    deploy: { ${LIMITS} }
${HARDENING}`;

/** Peak resident memory of a process in bytes (Linux `VmHWM`). */
function peakRss(pid: number): number {
  const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmHWM for ${pid}`);
  return Number(match[1]) * 1024;
}

/** Resets the peak to the current RSS (`clear_refs` 5); false where the kernel does not allow it. */
function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  await requireDocker();
  f = await projectFixture('fetchguard');
  await f.startDaemon();
}, 60_000);

afterAll(async () => {
  await f?.cleanup();
});

const deployed = (commit: string) =>
  f.waitStatus(
    (s) => s.appliedCommit === commit && s.sync === 'Synced' && s.health === 'Healthy',
    `commit ${commit.slice(0, 8)} deployed`,
    90_000,
  );

describe('fetch guard', () => {
  it('refuses a pack holding a 100 MiB object while it streams, without the memory', async () => {
    const running = await f.push({ 'compose.yaml': stack('small') }, 'small');
    await deployed(running);

    const pid = f.daemon?.child.pid as number;
    const reset = resetPeakRss(pid);
    const before = peakRss(pid);
    big = await f.push(
      { 'compose.yaml': stack('big'), 'data/zeros.bin': '\0'.repeat(100 * MiB) },
      'one hundred MiB of zeros',
    );
    const refused = await f.waitStatus(
      (s) => s.lastError?.reason === 'SourceRefused',
      'fetch refused',
      90_000,
    );
    const message = refused.lastError?.message ?? '';
    expect(message).toContain('104857600 bytes (100 MiB), more than git.maxObjectBytes (64 MiB)');
    expect(message).toContain(f.server.repoUrl(f.project).replace(/\/\/[^/@]*@/, '//***@'));
    expect(refused.appliedCommit).toBe(running);
    expect(refused.desiredCommit).not.toBe(big);
    const grown = peakRss(pid) - before;
    // isomorphic-git alone inflates the 100 MiB blob (and more: it hashes a copy); the scanner
    // holds a zlib window. The bound is generous for a loaded machine and a GC that runs late.
    expect(grown, `peak RSS grew by ${Math.round(grown / MiB)} MiB (reset: ${reset})`).toBeLessThan(60 * MiB);

    // The next polls are refused again without downloading the pack again (the tip has not
    // moved); nothing of the commit runs.
    const first = refused.lastReconcile ?? '';
    const packRequests = () =>
      f.server.requests.filter((r) => r.path.includes('git-upload-pack') && r.method === 'POST').length;
    const fetchesBefore = packRequests();
    const again = await f.waitStatus(
      (s) => s.lastError?.reason === 'SourceRefused' && (s.lastReconcile ?? '') > first,
      'refused again on a later poll',
      60_000,
    );
    expect(again.appliedCommit).toBe(running);
    expect(again.lastError?.message).toBe(message);
    expect(packRequests()).toBe(fetchesBefore);
    const [app] = await listProjectContainers(f.project);
    expect(app?.labels['spin.commit']).toBe(running);
  });

  it('fetches and deploys the same commit once the operator raises git.maxObjectBytes', async () => {
    expect(big).not.toBe('');
    // `git:` needs a restart (each project's source holds the limits it was made with).
    await f.daemon?.stop();
    await f.writeConfig({ ...f.config, git: { maxObjectBytes: '128MiB' } });
    await f.startDaemon();
    await deployed(big);
    const [app] = await listProjectContainers(f.project);
    expect(app?.labels['spin.commit']).toBe(big);
  });
});
