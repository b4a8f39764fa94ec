import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { Daemon } from '../../src/daemon/daemon.js';
import type { ContainerRequest } from '../../src/drivers/docker/container-driver.js';
import { silentLogger } from '../../src/util/logger.js';
import { commitAll, runGit, writeFiles } from '../helpers/git-server.js';
import { HARDENING } from '../helpers/project-fixture.js';
import { makeTempDir, removeTempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/docker.js';
import { MemoryDriver, engineOn } from '../unit/reconciler/memory-driver.js';

/**
 * Resource bounds: an engine call that never returns holds up only its own project. The pass
 * times out and says so; another project in the same daemon still converges.
 */
class HangingDriver extends MemoryDriver {
  override async createContainer(request: ContainerRequest): Promise<string> {
    if (request.project === 'stuck') return new Promise<string>(() => {});
    return super.createContainer(request);
  }
}

let tmp: string;
let daemon: Daemon;

const stack = `services:
  app:
    image: spin-test/busybox:1
    deploy: { resources: { limits: { memory: 16m, cpus: "0.1" } } }
${HARDENING}`;

beforeAll(async () => {
  tmp = await makeTempDir('timeout');
  for (const name of ['stuck', 'fine']) {
    const dir = path.join(tmp, name);
    await runGit(['init', '-q', '-b', 'main', dir]);
    await runGit(['config', 'user.email', 'r@example.org'], dir);
    await runGit(['config', 'user.name', 'R'], dir);
    await writeFiles(dir, { 'compose.yaml': stack });
    await commitAll(dir, 'deploy');
  }
  const parsed = parseConfig(
    path.join(tmp, 'spin.yaml'),
    `stateDir: ${tmp}/state
passTimeout: 1s
pollInterval: 1h
concurrency: 1
projects:
  - { name: stuck, repo: ./stuck }
  - { name: fine, repo: ./fine }
`,
  );
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.diagnostics));
  daemon = new Daemon(parsed.config, engineOn(new HangingDriver(1)), silentLogger());
  await daemon.start();
});
afterAll(async () => {
  await daemon?.stop();
  await removeTempDir(tmp);
});

describe('pass timeout', () => {
  it('reports a hung pass and lets the other project converge, even with one slot', async () => {
    // Both projects are due from the start; the stuck one's pass hangs in createContainer.
    const stuck = await waitFor(() => daemon.status('stuck'), {
      until: (s) => s?.lastError?.reason === 'PassTimeout',
      timeoutMs: 10_000,
    });
    expect(stuck?.lastError?.message).toContain('exceeded 1s');
    const done = await daemon.syncNow('fine');
    expect(done.status.sync).toBe('Synced');
    expect(daemon.status('fine')?.appliedCommit).toBeDefined();
  });
});
