import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ContainerRequest } from '../../../src/drivers/docker/container-driver.js';
import type { GitSource } from '../../../src/git/index.js';
import type { ImagePin } from '../../../src/model/image.js';
import type { DesiredResult } from '../../../src/reconciler/desired.js';
import { pinnedConfigHash } from '../../../src/reconciler/hash.js';
import { imageMemory } from '../../../src/reconciler/image-pins.js';
import {
  reconcileProject,
  type PassOutcome,
  type ProjectContext,
} from '../../../src/reconciler/reconcile-project.js';
import type { ProjectStatus } from '../../../src/status/project-status.js';
import { createLogger } from '../../../src/util/logger.js';
import { container, desiredOf, model, service } from './fixtures.js';
import { localProject } from './local-project.js';
import { engineOn } from './memory-driver.js';
import { StartingEngine } from './starting-engine.js';

/**
 * An image update on Docker's shape across passes, each planned from the engine's list alone: the
 * pass that finds the moved digest starts the new replica and ends progressing; a later pass, of
 * this process or of a restarted one (a fresh memory, only the last status), judges it.
 */
const P = 'imgpass';
const COMMIT = 'a'.repeat(40);
const REF = '127.0.0.1:5000/lab/web:1';
const OLD = `sha256:${'a'.repeat(64)}`;
const NEW = `sha256:${'b'.repeat(64)}`;
const healthcheck = { test: ['CMD', 'true'], intervalMs: 1000, timeoutMs: 1000, retries: 1 };
const base = service('web', { image: REF, healthcheck, imageUpdates: 'digest' });
const spec = { ...base, updateConfig: { ...base.updateConfig, order: 'start-first' as const } };
const desired = desiredOf(model(P, [spec]), COMMIT);

/** Containers in memory that carry the digest they were created from; the registry names `tag`. */
class RegistryEngine extends StartingEngine {
  tag = NEW;
  async resolveImage(ref: string): Promise<ImagePin> {
    return { ref, digest: this.tag };
  }
  override async createContainer(request: ContainerRequest): Promise<string> {
    const id = await super.createContainer(request);
    const c = this.containers.find((x) => x.id === id);
    if (c) Object.assign(c, { imageRef: request.spec.image, imageDigest: request.spec.imageDigest });
    return id;
  }
}

describe('an image update across passes (Docker shape)', () => {
  let dir: string;
  let engine: RegistryEngine;

  /** A pass of a process whose memory is `images` (a new one: a restarted daemon). */
  const pass = (images: ProjectContext['images'], previous?: ProjectStatus): Promise<PassOutcome> => {
    const source = {
      gitdir: dir,
      resolveHead: async () => COMMIT,
      readerAt: () => ({ readFile: async () => undefined }),
    } as unknown as GitSource;
    const ctx: ProjectContext = {
      project: localProject(P, dir),
      source,
      driver: engineOn(engine),
      stateDir: dir,
      log: createLogger({ level: 'silent' }),
      desiredCache: new Map<string, DesiredResult>([[COMMIT, { ok: true, desired, warnings: [] }]]),
      images,
    };
    return engine.listActual().then((actual) => reconcileProject(ctx, actual, previous));
  };
  const names = () => engine.containers.map((c) => `${c.name} ${c.imageDigest?.slice(7, 8)}`).sort();

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'spin-imgpass-'));
    engine = new RegistryEngine(P);
    engine.containers.push(
      container(P, spec, 1, {
        id: 'old1',
        configHash: pinnedConfigHash(desired.hashes.web as string, OLD),
        imageRef: REF,
        imageDigest: OLD,
        health: 'healthy',
        createdAt: 1,
      }),
    );
    engine.health.set(`${P}_web_1`, 'healthy');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('ends the pass that finds the moved digest progressing, and rolls out in a later pass', async () => {
    const memory = { ...imageMemory(), updateDue: true };
    const first = await pass(memory);
    expect(first.progressing).toBeDefined();
    expect(first.imageUpdates).toBeUndefined();
    expect(first.status.imageUpdates?.inFlight).toEqual([
      { service: 'web', ref: REF, from: OLD, to: NEW, since: expect.any(String) },
    ]);
    expect(names()).toEqual([`${P}_web_1 a`, `${P}_web_1-next b`]);

    // Still starting: judged again, not removed as a stray nor started twice.
    const second = await pass(memory, first.status);
    expect(second.progressing).toBeDefined();
    expect(engine.calls.filter((c) => c.startsWith('create '))).toEqual([`create ${P}_web_1-next`]);

    engine.health.set(`${P}_web_1-next`, 'healthy');
    const third = await pass(memory, second.status);
    expect(third.progressing).toBeUndefined();
    expect(third.imageUpdates).toEqual([{ service: 'web', ref: REF, from: OLD, to: NEW, ok: true }]);
    expect(third.status.imageUpdates).toBeUndefined();
    expect(third.status.images?.web?.digest).toBe(NEW);
    expect(names()).toEqual([`${P}_web_1 b`]);
  });

  it('after a restart, judges the update in flight, goes back to the old digest and rejects the new one', async () => {
    const first = await pass({ ...imageMemory(), updateDue: true });
    expect(first.status.imageUpdates?.inFlight?.[0]?.to).toBe(NEW);
    // The daemon was down past the new replica's deadline; the new process knows only the status.
    const next = engine.containers.find((c) => c.name.endsWith('-next'));
    if (next) next.createdAt -= 3600;
    const restarted = { ...imageMemory(), updateDue: true };
    const judged = await pass(restarted, first.status);
    expect(judged.status.lastError?.reason).toBe('ImageUpdateFailed');
    expect(judged.status.lastError?.message).toContain(`${OLD.slice(0, 19)} -> ${NEW.slice(0, 19)}`);
    expect(judged.imageUpdates).toEqual([
      { service: 'web', ref: REF, from: OLD, to: NEW, ok: false, reason: expect.any(String) },
    ]);
    expect(judged.status.imageUpdates).toEqual({
      rejected: [{ ref: REF, digest: NEW, from: OLD, message: expect.stringContaining('rolled back') }],
    });
    expect(names()).toEqual([`${P}_web_1 a`]);

    // Restarted once more, the tag still on the rejected digest: not tried again.
    const again = await pass({ ...imageMemory(), updateDue: true }, judged.status);
    expect(again.actions).toEqual([]);
    expect(again.status.lastError?.reason).toBe('ImageUpdateFailed');
    expect(engine.calls.filter((c) => c.startsWith('create '))).toEqual([`create ${P}_web_1-next`]);
    // Once the tag moves on, the new digest gets its chance.
    engine.tag = `sha256:${'c'.repeat(64)}`;
    const moved = await pass({ ...imageMemory(), updateDue: true }, again.status);
    expect(moved.status.imageUpdates?.inFlight?.[0]?.to).toBe(engine.tag);
    expect(moved.status.imageUpdates?.rejected).toBeUndefined();
  });
});
