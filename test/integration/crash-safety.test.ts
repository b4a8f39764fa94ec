import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, listProjectContainers } from '../helpers/docker.js';
import { BUSYBOX_IMAGE } from '../helpers/images.js';
import { HARDENING, projectFixture, type ProjectFixture } from '../helpers/project-fixture.js';
import { spinJson } from '../helpers/spin-cli.js';

/**
 * kill -9 at random points of a 10-service change, again and again: every restart must finish or
 * undo the half-done work (temporary `-next` containers of start-first updates, removed-but-not-
 * recreated replicas) and converge exactly, with no duplicate and no orphan.
 */
const SERVICES = 10;
/** Enough kills to land several inside real work; each round is a start, a kill and a convergence. */
const ROUNDS = 12;
let f: ProjectFixture;

const stack = (version: number) =>
  'services:\n' +
  Array.from(
    { length: SERVICES },
    (_, i) => `  s${i}:
    image: ${BUSYBOX_IMAGE}
    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]
    environment: { VERSION: "${version}" }
    stop_grace_period: 2s
    deploy:
      update_config: { order: ${i % 2 === 0 ? 'start-first' : 'stop-first'} }
      resources: { limits: { memory: 16m, cpus: "0.1" } }
${HARDENING}`,
  ).join('');

async function expectExactlyConverged(head: string): Promise<void> {
  const containers = await listProjectContainers(f.project);
  const names = containers.map((c) => c.name).sort();
  expect(names).toEqual(Array.from({ length: SERVICES }, (_, i) => `${f.project}_s${i}_1`).sort());
  for (const c of containers) {
    expect(c.state, c.name).toBe('running');
    expect(c.labels['spin.commit'], c.name).toBe(head);
  }
  const networks = await docker().listNetworks({ filters: { label: [`spin.project=${f.project}`] } });
  expect(networks.map((n) => n.Name)).toEqual([`${f.project}_default`]);
  const plan = await spinJson<{ actions: unknown[] }>(['plan', '--config', f.configFile, f.project]);
  expect(plan.actions).toEqual([]);
}

beforeAll(async () => {
  f = await projectFixture('crash', { pollInterval: '500ms' });
});
afterAll(() => f?.cleanup());

describe('crash safety', () => {
  it(`converges exactly after kill -9 at ${ROUNDS} random points of a ${SERVICES}-service change`, async () => {
    const killedAt: number[] = [];
    let halfDone = 0;
    for (let round = 1; round <= ROUNDS; round++) {
      const head = await f.push({ 'compose.yaml': stack(round) }, `version ${round}`);
      const daemon = await f.startDaemon();
      const delay = 100 + Math.floor(Math.random() * 2500);
      killedAt.push(delay);
      await new Promise((resolve) => setTimeout(resolve, delay));
      await daemon.kill();
      // Did this kill interrupt work? (The test only proves something if some kills did.)
      const left = await listProjectContainers(f.project);
      const interrupted =
        left.length !== SERVICES ||
        left.some(
          (c) => c.name.endsWith('-next') || c.state !== 'running' || c.labels['spin.commit'] !== head,
        );
      if (interrupted) halfDone++;
      // Restart on whatever the kill left behind.
      const restarted = await f.startDaemon();
      await f.waitStatus(
        (s) => s.appliedCommit === head && s.sync === 'Synced',
        `round ${round} converged`,
        60_000,
      );
      await restarted.kill();
      await expectExactlyConverged(head);
    }
    expect(killedAt).toHaveLength(ROUNDS);
    expect(halfDone).toBeGreaterThanOrEqual(3);
    // A round takes seconds on a quiet machine and up to a minute under heavy load.
  }, 1_200_000);
});
