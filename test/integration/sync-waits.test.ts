import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { Daemon } from '../../src/daemon/daemon.js';
import { silentLogger } from '../../src/util/logger.js';
import { commitAll, runGit, writeFiles } from '../helpers/git-server.js';
import { HARDENING } from '../helpers/project-fixture.js';
import { makeTempDir, removeTempDir } from '../helpers/tmp.js';
import { engineOn } from '../unit/reconciler/memory-driver.js';
import { StartingEngine } from '../unit/reconciler/starting-engine.js';

/**
 * `spin sync` (Daemon.syncNow) waits until the project converged, as it did when one pass waited
 * for readiness: passes now end `progressing` while a new container proves itself, and the sync
 * answers only with the pass that finds the rollout done. In process, on containers in memory
 * whose health the test gives.
 */
const P = 'syncw';
let tmp: string;
let daemon: Daemon;
let head: string;
const engine = new StartingEngine(P);

const stack = `services:
  app:
    image: spin-test/busybox:1
    healthcheck: { test: ["CMD", "true"], interval: 1s, timeout: 5s, retries: 100 }
    deploy: { resources: { limits: { memory: 16m, cpus: "0.1" } } }
${HARDENING}`;

beforeAll(async () => {
  tmp = await makeTempDir('syncw');
  const dir = path.join(tmp, P);
  await runGit(['init', '-q', '-b', 'main', dir]);
  await runGit(['config', 'user.email', 'r@example.org'], dir);
  await runGit(['config', 'user.name', 'R'], dir);
  await writeFiles(dir, { 'compose.yaml': stack });
  head = await commitAll(dir, 'deploy');
  const parsed = parseConfig(
    path.join(tmp, 'spin.yaml'),
    `stateDir: ${tmp}/state
pollInterval: 1h
projects:
  - { name: ${P}, repo: ./${P} }
`,
  );
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.diagnostics));
  daemon = new Daemon(parsed.config, engineOn(engine), silentLogger());
  await daemon.start();
});
afterAll(async () => {
  await daemon?.stop();
  await removeTempDir(tmp);
});

describe('spin sync while a rollout is on its way', () => {
  it('answers with the pass that found it done, not the first pass that ended progressing', async () => {
    const statuses: string[] = [];
    // Ready only once the test says so, after some passes have ended progressing.
    const ready = (async () => {
      for (;;) {
        const s = daemon.status(P);
        if (s?.health === 'Progressing' && s.sync === 'OutOfSync') statuses.push(s.healthReason);
        if (statuses.length >= 2) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      engine.health.set(`${P}_app_1-next`, 'healthy');
    })();
    const outcome = await daemon.syncNow(P);
    await ready;
    expect(statuses[0]).toBe(`${P}_app_1 is starting`);
    expect(outcome.progressing).toBeUndefined();
    expect(outcome.status).toMatchObject({
      sync: 'Synced',
      health: 'Healthy',
      appliedCommit: head,
      lastHealthyCommit: head,
    });
    // The actions of every pass of the rollout: the create, then the wait that ended it.
    expect(outcome.actions.map((a) => a.kind)).toContain('create');
    expect(engine.calls).toContain(`rename ${P}_app_1-next ${P}_app_1`);
  });
});
