import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ContainerRequest } from '../../../src/drivers/docker/container-driver.js';
import type { GitSource } from '../../../src/git/index.js';
import {
  MAX_OUTSIDE_REPAIRS_PER_PASS,
  MAX_SIDE_REPAIRS_PER_PASS,
  RepairLane,
} from '../../../src/reconciler/repair-lane.js';
import { reconcileProject, type ProjectContext } from '../../../src/reconciler/reconcile-project.js';
import { createLogger } from '../../../src/util/logger.js';
import { ContainerMemory } from './engines.js';
import { desiredOf, model, service } from './fixtures.js';
import { localProject } from './local-project.js';
import { engineOn } from './memory-driver.js';

/** A promise with its resolve, to hold a repair or a step until the test lets it go. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open = () => {};
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('RepairLane (bookkeeping)', () => {
  it('starts a request at once when the pass applies and does not claim the resource', async () => {
    const lane = new RepairLane();
    const ran: string[] = [];
    lane.open(['service/a'], async (key) => ran.push(key) > 0);
    lane.request('service/b');
    await lane.close();
    expect(ran).toEqual(['service/b']);
  });

  it('keeps a request that comes before the pass applies, and starts it when the pass opens', async () => {
    const lane = new RepairLane();
    const ran: string[] = [];
    lane.request('service/b');
    expect(ran).toEqual([]);
    lane.open([], async (key) => ran.push(key) > 0);
    await lane.close();
    expect(ran).toEqual(['service/b']);
  });

  it('never repairs a resource the pass claims; its release drops what was asked meanwhile', async () => {
    const lane = new RepairLane();
    const ran: string[] = [];
    lane.open(['service/a'], async (key) => ran.push(key) > 0);
    lane.request('service/a');
    await tick();
    expect(ran).toEqual([]);
    // Asked while the pass's own step on it ran: mostly that step's own events.
    lane.release('service/a');
    await tick();
    expect(ran).toEqual([]);
    // Asked after the step ended: repaired beside the rest of the pass.
    lane.request('service/a');
    await lane.close();
    expect(ran).toEqual(['service/a']);
  });

  it('runs one repair per resource at a time, once more when asked again meanwhile', async () => {
    const lane = new RepairLane();
    const held = gate();
    let running = 0;
    let most = 0;
    let runs = 0;
    lane.open([], async () => {
      runs++;
      running++;
      most = Math.max(most, running);
      await held.promise;
      running--;
      return true;
    });
    lane.request('service/b');
    lane.request('service/b');
    lane.request('service/b');
    expect(lane.inFlight).toEqual(['service/b']);
    held.open();
    await waitUntil(() => runs === 2);
    await lane.close();
    expect(most).toBe(1);
    expect(runs).toBe(2);
  });

  it('repairs one resource at most a bounded number of times per pass (a crash loop waits for the pass)', async () => {
    const lane = new RepairLane();
    let runs = 0;
    const acting = async () => {
      runs++;
      return true;
    };
    for (let i = 0; i < MAX_SIDE_REPAIRS_PER_PASS + 3; i++) {
      lane.open([], acting);
      lane.request('service/b');
      await lane.close();
    }
    expect(runs).toBe(MAX_SIDE_REPAIRS_PER_PASS);
    // The next pass starts afresh.
    lane.reset();
    lane.open([], acting);
    lane.request('service/b');
    await lane.close();
    expect(runs).toBe(MAX_SIDE_REPAIRS_PER_PASS + 1);
  });

  it('repairs every stop from outside past the crash cap, up to its own bound (docker stop in a loop)', async () => {
    const lane = new RepairLane();
    let runs = 0;
    lane.open([], async () => ++runs > 0);
    // A crash loop has used the cap of crash repairs in this pass...
    for (let i = 0; i < MAX_SIDE_REPAIRS_PER_PASS + 2; i++) {
      lane.request('service/b');
      await lane.drain();
      lane.open([], async () => ++runs > 0);
    }
    expect(runs).toBe(MAX_SIDE_REPAIRS_PER_PASS);
    // ...and still each `docker stop` of it is repaired now, not when the pass ends,
    for (let i = 0; i < MAX_OUTSIDE_REPAIRS_PER_PASS + 2; i++) {
      lane.request('service/b', true);
      await lane.drain();
      lane.open([], async () => ++runs > 0);
    }
    // up to a bound, so that stopping it in a loop cannot keep a pass open for ever.
    expect(runs).toBe(MAX_SIDE_REPAIRS_PER_PASS + MAX_OUTSIDE_REPAIRS_PER_PASS);
    // The crash cap still holds, and the next pass starts both afresh.
    lane.request('service/b');
    await lane.drain();
    expect(runs).toBe(MAX_SIDE_REPAIRS_PER_PASS + MAX_OUTSIDE_REPAIRS_PER_PASS);
    lane.reset();
    lane.open([], async () => ++runs > 0);
    lane.request('service/b');
    lane.request('service/c', true);
    await lane.close();
    expect(runs).toBe(MAX_SIDE_REPAIRS_PER_PASS + MAX_OUTSIDE_REPAIRS_PER_PASS + 2);
  });

  it('runs an outside stop that comes while a crash repair of the same resource runs, past the crash cap', async () => {
    const lane = new RepairLane();
    let runs = 0;
    for (let i = 0; i < MAX_SIDE_REPAIRS_PER_PASS - 1; i++) {
      lane.open([], async () => ++runs > 0);
      lane.request('service/b');
      await lane.close();
    }
    const held = gate();
    lane.open([], async () => {
      runs++;
      await held.promise;
      return true;
    });
    // The last crash repair the cap allows runs; a `docker stop` comes meanwhile.
    lane.request('service/b');
    lane.request('service/b', true);
    held.open();
    await lane.drain();
    expect(runs).toBe(MAX_SIDE_REPAIRS_PER_PASS + 1);
    // Another crash now finds the cap used.
    lane.open([], async () => ++runs > 0);
    lane.request('service/b');
    await lane.close();
    expect(runs).toBe(MAX_SIDE_REPAIRS_PER_PASS + 1);
  });

  it('forgets that a stop came from outside when the pass takes the resource back', async () => {
    const lane = new RepairLane();
    let runs = 0;
    for (let i = 0; i < MAX_SIDE_REPAIRS_PER_PASS; i++) {
      lane.open([], async () => ++runs > 0);
      lane.request('service/b');
      await lane.close();
    }
    lane.open(['service/b'], async () => ++runs > 0);
    // Asked while the pass's own step on it ran (its own stop, seen as one from outside): dropped.
    lane.request('service/b', true);
    lane.release('service/b');
    // A crash after the step ended finds the crash cap used.
    lane.request('service/b');
    await lane.close();
    expect(runs).toBe(MAX_SIDE_REPAIRS_PER_PASS);
  });

  it('does not count a repair that found nothing to do (a die listed before the container is down)', async () => {
    const lane = new RepairLane();
    let runs = 0;
    for (let i = 0; i < MAX_SIDE_REPAIRS_PER_PASS + 3; i++) {
      lane.open([], async () => ++runs < 0);
      lane.request('service/b');
      await lane.close();
    }
    expect(runs).toBe(MAX_SIDE_REPAIRS_PER_PASS + 3);
  });

  it('starts nothing after it is closed: a request waits for the next pass (or is reset)', async () => {
    const lane = new RepairLane();
    const ran: string[] = [];
    lane.open([], async (key) => ran.push(key) > 0);
    await lane.close();
    lane.request('service/b');
    await tick();
    expect(ran).toEqual([]);
    lane.reset();
    lane.open([], async (key) => ran.push(key) > 0);
    await lane.close();
    expect(ran).toEqual([]);
  });

  it('drain takes new requests while a repair runs, and closes once none does', async () => {
    const lane = new RepairLane();
    const held = gate();
    const ran: string[] = [];
    lane.open([], async (key) => {
      ran.push(key);
      if (key === 'service/b') await held.promise;
      return true;
    });
    lane.request('service/b');
    const draining = lane.drain();
    lane.request('service/c');
    await tick();
    expect(ran).toEqual(['service/b', 'service/c']);
    held.open();
    await draining;
    lane.request('service/d');
    await tick();
    expect(ran).toEqual(['service/b', 'service/c']);
  });

  it('close waits for the repairs in flight, and a failed repair does not fail the pass', async () => {
    const lane = new RepairLane();
    const held = gate();
    let finished = false;
    lane.open([], async (key) => {
      await held.promise;
      finished = true;
      if (key === 'service/b') throw new Error('engine said no');
      return true;
    });
    lane.request('service/b');
    const closing = lane.close();
    await tick();
    expect(finished).toBe(false);
    held.open();
    await closing;
    expect(finished).toBe(true);
  });
});

/** Containers in memory whose create of `slow` waits for the test (a pass busy with a rollout). */
class HeldCreates extends ContainerMemory {
  hold?: Promise<void>;
  /** The pass is inside its held create. */
  holding = false;
  override async createContainer(request: ContainerRequest): Promise<string> {
    if (request.spec.name === 'slow' && this.hold) {
      this.holding = true;
      await this.hold;
    }
    return super.createContainer(request);
  }
}

describe('a pass repairs drift beside its own steps', () => {
  const P = 'laneproj';
  const COMMIT = 'a'.repeat(40);
  const desired = desiredOf(model(P, [service('a'), service('slow')]), COMMIT);
  let dir: string;
  let memory: HeldCreates;
  let ctx: ProjectContext;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'spin-lane-'));
    memory = new HeldCreates(P);
    ctx = {
      project: localProject(P, dir),
      source: {
        gitdir: dir,
        resolveHead: async () => COMMIT,
        readerAt: () => ({ readFile: async () => undefined }),
      } as unknown as GitSource,
      driver: engineOn(memory),
      stateDir: dir,
      log: createLogger({ level: 'silent' }),
      desiredCache: new Map([[COMMIT, { ok: true, desired, warnings: [] }]]),
      repairLane: new RepairLane(),
    };
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /**
   * A first pass deploys both services; then `slow` is removed and a second pass starts, which
   * hangs in its re-creation of `slow` until the test opens `held`.
   */
  async function passHeldInSlowCreate() {
    const first = await reconcileProject(ctx, await memory.listActual(), undefined);
    expect(first.status.health).toBe('Healthy');
    memory.containers = memory.containers.filter((c) => c.service !== 'slow');
    const held = gate();
    memory.hold = held.promise;
    const pass = reconcileProject(ctx, await memory.listActual(), first.status);
    await waitUntil(() => memory.holding);
    return { pass, held };
  }

  it('starts a stopped service while the pass is still creating another one, and counts it', async () => {
    // `slow` was removed (its re-creation hangs in the pass) and then `a` stops mid-pass.
    const { pass, held } = await passHeldInSlowCreate();
    const a = memory.containers.find((c) => c.service === 'a');
    if (!a) throw new Error('a is not running');
    a.state = 'exited';
    ctx.repairLane?.request('service/a');
    // `a` is started again while the pass's own step (creating `slow`) is still held.
    await waitUntil(() => memory.calls.includes(`start ${P}_a_1`));
    expect(memory.calls.filter((c) => c.startsWith(`create ${P}_slow_1`))).toHaveLength(1);
    held.open();
    const outcome = await pass;
    expect(outcome.actions.map((x) => x.kind).sort()).toEqual(['create', 'start']);
    expect(outcome.driftRepairs).toBe(2);
    expect(outcome.status.health).toBe('Healthy');
    expect(memory.containers.every((c) => c.state === 'running')).toBe(true);
  });

  it('repairs drift reported while the pass judges what runs, and counts it in that pass', async () => {
    const first = await reconcileProject(ctx, await memory.listActual(), undefined);
    memory.containers = memory.containers.filter((c) => c.service !== 'slow');
    // The pass's list after its apply: `a` stops just then, and the engine says so.
    const list = memory.listActual.bind(memory);
    let lists = 0;
    memory.listActual = async () => {
      const actual = await list();
      if (++lists === 1) {
        const a = memory.containers.find((c) => c.service === 'a');
        if (a) a.state = 'exited';
        ctx.repairLane?.request('service/a');
      }
      return actual;
    };
    const outcome = await reconcileProject(ctx, await list(), first.status);
    expect(memory.calls).toContain(`start ${P}_a_1`);
    expect(outcome.actions.map((x) => x.kind).sort()).toEqual(['create', 'start']);
    expect(outcome.driftRepairs).toBe(2);
    expect(outcome.actionResults?.map((r) => r.kind).sort()).toEqual(['create', 'start']);
    expect(memory.containers.every((c) => c.state === 'running')).toBe(true);
  });

  it("sends a side repair's create through the driver's last gate: refused, nothing is created", async () => {
    const { pass, held } = await passHeldInSlowCreate();
    // `a` is removed mid-pass, and the gate refuses the request that would recreate it.
    memory.refused.add('a');
    memory.containers = memory.containers.filter((c) => c.service !== 'a');
    const judged: string[] = [];
    const admit = memory.admitContainer.bind(memory);
    memory.admitContainer = (request) => {
      judged.push(request.spec.name);
      admit(request);
    };
    const before = memory.calls.length;
    ctx.repairLane?.request('service/a');
    await new Promise((resolve) => setTimeout(resolve, 50));
    held.open();
    const outcome = await pass;
    expect(judged).toContain('a');
    expect(memory.calls.slice(before).some((c) => c.startsWith(`create ${P}_a_1`))).toBe(false);
    expect(memory.containers.some((c) => c.service === 'a')).toBe(false);
    // The pass itself is not failed by it; the next pass retries with backoff.
    expect(outcome.status.appliedCommit).toBe(COMMIT);
  });

  it('leaves a service the pass is acting on to the pass', async () => {
    const { pass, held } = await passHeldInSlowCreate();
    const before = memory.calls.length;
    ctx.repairLane?.request('service/slow');
    await new Promise((resolve) => setTimeout(resolve, 50));
    // No side list, no side action: the claimed step is the pass's alone.
    expect(memory.calls.length).toBe(before);
    held.open();
    const outcome = await pass;
    expect(outcome.actions.map((x) => x.kind)).toEqual(['create']);
    expect(memory.containers.filter((c) => c.service === 'slow')).toHaveLength(1);
  });
});

async function waitUntil(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  if (!condition()) throw new Error('condition not met');
}
