import { describe, expect, it } from 'vitest';
import { ImagePullError, type ImagePin } from '../../../src/model/image.js';
import { pinImages, runningDigest, withDigests } from '../../../src/reconciler/image-pins.js';
import { pinnedConfigHash } from '../../../src/reconciler/hash.js';
import { container, desiredOf, model, service } from './fixtures.js';

const REF = '127.0.0.1:5000/lab/web:1';
const OLD = `sha256:${'a'.repeat(64)}`;
const NEW = `sha256:${'b'.repeat(64)}`;

/** A registry double: what each reference resolves to, and which calls were made. */
function registry(answer: (ref: string, fresh: boolean) => ImagePin | Error) {
  const calls: { ref: string; fresh: boolean }[] = [];
  return {
    calls,
    resolve: async (ref: string, fresh: boolean) => {
      calls.push({ ref, fresh });
      const a = answer(ref, fresh);
      if (a instanceof Error) throw a;
      return a;
    },
  };
}

const web = (overrides = {}) => service('web', { image: REF, replicas: 2, ...overrides });

describe('pinImages', () => {
  it('resolves a service that runs nothing yet and folds the digest into its hash', async () => {
    const desired = desiredOf(model('p', [web()]));
    const reg = registry((ref) => ({ ref, digest: NEW }));
    const result = await pinImages(desired, [], { resolve: reg.resolve, updatesDue: () => false });
    expect(result.pins.web).toEqual({ ref: REF, digest: NEW });
    expect(result.desired.model.services.web?.imageDigest).toBe(NEW);
    expect(result.desired.model.services.web?.image).toBe(REF);
    expect(result.desired.hashes.web).toBe(pinnedConfigHash(desired.hashes.web as string, NEW));
    expect(result.desired.hashes.web).not.toBe(desired.hashes.web);
    expect(reg.calls).toEqual([{ ref: REF, fresh: false }]);
  });

  it('keeps the digest that runs and asks no registry when updates are off (a re-pushed tag changes nothing)', async () => {
    const spec = web();
    const desired = desiredOf(model('p', [spec]));
    const running = [1, 2].map((r) => container('p', spec, r, { imageRef: REF, imageDigest: OLD }));
    const reg = registry((ref) => ({ ref, digest: NEW }));
    const result = await pinImages(desired, running, { resolve: reg.resolve, updatesDue: () => false });
    expect(result.pins.web?.digest).toBe(OLD);
    expect(result.moved).toEqual([]);
    expect(reg.calls).toEqual([]);
  });

  it('moves a followed tag when an update check is due, and reports both digests', async () => {
    const spec = web({ imageUpdates: 'digest' });
    const desired = desiredOf(model('p', [spec]));
    const running = [container('p', spec, 1, { imageRef: REF, imageDigest: OLD })];
    const reg = registry((ref) => ({ ref, digest: NEW }));
    const result = await pinImages(desired, running, {
      resolve: reg.resolve,
      updatesDue: (s) => s.imageUpdates === 'digest',
    });
    expect(result.moved).toEqual([{ service: 'web', ref: REF, from: OLD, to: NEW }]);
    expect(result.desired.model.services.web?.imageDigest).toBe(NEW);
    expect(reg.calls).toEqual([{ ref: REF, fresh: true }]);
  });

  it('does not retry a digest that failed its rollout', async () => {
    const spec = web({ imageUpdates: 'digest' });
    const running = [container('p', spec, 1, { imageRef: REF, imageDigest: OLD })];
    const reg = registry((ref) => ({ ref, digest: NEW }));
    const result = await pinImages(desiredOf(model('p', [spec])), running, {
      resolve: reg.resolve,
      updatesDue: () => true,
      rejected: new Map([[REF, { digest: NEW, message: 'unhealthy' }]]),
    });
    expect(result.moved).toEqual([]);
    expect(result.pins.web?.digest).toBe(OLD);
    expect(result.pins.web?.note).toContain('failed its rollout');
  });

  it('keeps what runs when an update check fails, and blocks a service that runs nothing', async () => {
    const a = web({ imageUpdates: 'digest' });
    const b = service('api', { image: '127.0.0.1:5000/lab/api:2' });
    const running = [container('p', a, 1, { imageRef: REF, imageDigest: OLD })];
    const reg = registry(
      (ref) => new ImagePullError('RegistryUnreachable', ref, `RegistryUnreachable: ${ref}`),
    );
    const result = await pinImages(desiredOf(model('p', [a, b])), running, {
      resolve: reg.resolve,
      updatesDue: () => true,
    });
    expect(result.pins.web?.digest).toBe(OLD);
    expect(result.pins.api).toBeUndefined();
    expect(result.failures.map((f) => [f.service, f.running, f.error.reason])).toEqual([
      ['web', true, 'RegistryUnreachable'],
      ['api', false, 'RegistryUnreachable'],
    ]);
  });

  it('leaves an image built on the engine unpinned, with its hash as it was', async () => {
    const spec = service('web');
    const desired = desiredOf(model('p', [spec]));
    const reg = registry((ref) => ({ ref, note: 'built on the engine' }));
    const result = await pinImages(desired, [], { resolve: reg.resolve, updatesDue: () => false });
    expect(result.desired.hashes).toEqual(desired.hashes);
    expect(result.desired.model.services.web?.imageDigest).toBeUndefined();
  });

  it('rethrows what is not a registry answer (an engine that went away)', async () => {
    const reg = registry(() => new Error('connect ENOENT /var/run/docker.sock'));
    await expect(
      pinImages(desiredOf(model('p', [web()])), [], { resolve: reg.resolve, updatesDue: () => false }),
    ).rejects.toThrow('ENOENT');
  });
});

describe('runningDigest and withDigests', () => {
  it('prefers a running replica over a stopped leftover, and only of the same reference', () => {
    const spec = web();
    const containers = [
      container('p', spec, 1, { imageRef: REF, imageDigest: NEW, state: 'exited' }),
      container('p', spec, 2, { imageRef: REF, imageDigest: OLD }),
      container('p', spec, 3, { imageRef: 'other:1', imageDigest: NEW }),
    ];
    expect(runningDigest('web', REF, containers)).toBe(OLD);
    expect(runningDigest('web', '127.0.0.1:5000/lab/web:2', containers)).toBeUndefined();
  });

  it('sets digests on a base state without touching unpinned services', () => {
    const base = desiredOf(model('p', [web(), service('db')]));
    const pinned = withDigests(base, { web: OLD });
    expect(pinned.model.services.web?.imageDigest).toBe(OLD);
    expect(pinned.hashes.db).toBe(base.hashes.db);
    expect(base.model.services.web?.imageDigest).toBeUndefined();
  });
});
