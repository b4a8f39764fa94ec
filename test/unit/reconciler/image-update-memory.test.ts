import { describe, expect, it } from 'vitest';
import type { Action } from '../../../src/reconciler/plan.js';
import { imageMemory, pinImages, runningDigest } from '../../../src/reconciler/image-pins.js';
import {
  dropStaleInFlight,
  markInFlight,
  restoreImageMemory,
  savedImageUpdates,
  settledImageUpdates,
} from '../../../src/reconciler/image-update-memory.js';
import { container, desiredOf, model, service } from './fixtures.js';

const REF = '127.0.0.1:5000/lab/web:1';
const OLD = `sha256:${'a'.repeat(64)}`;
const NEW = `sha256:${'b'.repeat(64)}`;
const NEWER = `sha256:${'c'.repeat(64)}`;
const UPDATE = { service: 'web', ref: REF, from: OLD, to: NEW };

const web = () => service('web', { image: REF, imageUpdates: 'digest' });
const recreate = (svc: string): Action => ({
  kind: 'recreate',
  service: svc,
  replica: 1,
  name: `p_${svc}_1`,
  containerId: 'x',
});

describe('image updates remembered between passes', () => {
  it('round-trips through the status: what is in flight and what was rejected survive a restart', () => {
    const memory = imageMemory();
    markInFlight(memory, [UPDATE], Date.parse('2026-01-01T00:00:00Z'));
    memory.rejected.set('reg/other:2', { digest: NEWER, from: OLD, message: 'failed' });
    const saved = savedImageUpdates(memory);
    expect(saved).toEqual({
      inFlight: [{ ...UPDATE, since: '2026-01-01T00:00:00.000Z' }],
      rejected: [{ ref: 'reg/other:2', digest: NEWER, from: OLD, message: 'failed' }],
    });

    // A new process: an empty memory, the status file's copy.
    const restarted = imageMemory();
    restoreImageMemory(restarted, JSON.parse(JSON.stringify(saved)) as typeof saved);
    expect(savedImageUpdates(restarted)).toEqual(saved);
    expect(restarted.rejected.get('reg/other:2')).toEqual({ digest: NEWER, from: OLD, message: 'failed' });
  });

  it('restores once: a later status does not bring back what a pass of this process settled', () => {
    const memory = imageMemory();
    const saved = { inFlight: [{ ...UPDATE, since: '2026-01-01T00:00:00.000Z' }] };
    restoreImageMemory(memory, saved);
    memory.inFlight.delete('web');
    restoreImageMemory(memory, saved);
    expect(memory.inFlight.size).toBe(0);
    expect(savedImageUpdates(memory)).toBeUndefined();
  });

  it('keeps the time an update started while later passes continue it', () => {
    const memory = imageMemory();
    markInFlight(memory, [UPDATE], 1_000);
    markInFlight(memory, [UPDATE], 60_000);
    expect(memory.inFlight.get('web')?.since).toBe(new Date(1_000).toISOString());
    markInFlight(memory, [{ ...UPDATE, to: NEWER }], 90_000);
    expect(memory.inFlight.get('web')?.since).toBe(new Date(90_000).toISOString());
  });

  it('settles every update of a pass that left nothing on its way', () => {
    expect(settledImageUpdates([UPDATE], { progressing: false, actions: [recreate('web')] })).toEqual([
      UPDATE,
    ]);
  });

  it('leaves an update in flight while its own service still had work in a progressing pass', () => {
    const db = { ...UPDATE, service: 'db' };
    const settled = settledImageUpdates([UPDATE, db], { progressing: true, actions: [recreate('web')] });
    // web had actions and something is still on its way: judged again; db had nothing left to do.
    expect(settled).toEqual([db]);
  });

  it('forgets an update whose service now names another image or is gone', () => {
    const memory = imageMemory();
    markInFlight(memory, [UPDATE, { ...UPDATE, service: 'gone' }], 1_000);
    dropStaleInFlight(memory, { web: { image: REF } });
    expect([...memory.inFlight.keys()]).toEqual(['web']);
    dropStaleInFlight(memory, { web: { image: 'reg/web:2' } });
    expect(memory.inFlight.size).toBe(0);
  });
});

describe('pinning while an image update is in flight', () => {
  const resolve = async (ref: string) => ({ ref, digest: NEWER });

  it('pins the service to the digest it moves to, continues the update, and asks no registry', async () => {
    const spec = web();
    const desired = desiredOf(model('p', [spec]));
    // The old replica and the update's new one, side by side (start-first).
    const running = [
      container('p', spec, 1, { imageRef: REF, imageDigest: OLD, createdAt: 100 }),
      container('p', spec, 1, { imageRef: REF, imageDigest: NEW, createdAt: 200 }),
    ];
    let asked = 0;
    const result = await pinImages(desired, running, {
      resolve: async (ref) => {
        asked++;
        return resolve(ref);
      },
      updatesDue: () => true,
      inFlight: new Map([['web', UPDATE]]),
    });
    expect(result.pins.web).toEqual({ ref: REF, digest: NEW });
    expect(result.desired.model.services.web?.imageDigest).toBe(NEW);
    expect(result.continued).toEqual([UPDATE]);
    expect(result.moved).toEqual([]);
    expect(asked).toBe(0);
  });

  it('without the in-flight record, pins what ran before: the older unit of a replica, not the newcomer', async () => {
    const spec = web();
    const running = [
      container('p', spec, 1, { imageRef: REF, imageDigest: NEW, createdAt: 200 }),
      container('p', spec, 1, { imageRef: REF, imageDigest: OLD, createdAt: 100 }),
    ];
    expect(runningDigest('web', REF, running)).toBe(OLD);
  });

  it('ignores an in-flight record of another reference (the stack changed the image)', async () => {
    const spec = web();
    const desired = desiredOf(model('p', [spec]));
    const running = [container('p', spec, 1, { imageRef: REF, imageDigest: OLD })];
    const result = await pinImages(desired, running, {
      resolve,
      updatesDue: () => false,
      inFlight: new Map([['web', { ...UPDATE, ref: 'reg/web:0' }]]),
    });
    expect(result.pins.web?.digest).toBe(OLD);
    expect(result.continued).toEqual([]);
  });

  it('goes back to the old digest when a replica still runs a rejected one (an undo on its way)', async () => {
    const spec = web();
    const desired = desiredOf(model('p', [spec]));
    const running = [container('p', spec, 1, { imageRef: REF, imageDigest: NEW })];
    const rejected = new Map([[REF, { digest: NEW, from: OLD, message: 'failed' }]]);
    const idle = await pinImages(desired, running, { resolve, updatesDue: () => false, rejected });
    expect(idle.pins.web?.digest).toBe(OLD);
    expect(idle.moved).toEqual([]);
    // A check that finds the tag still on the rejected digest keeps the old one too.
    const checked = await pinImages(desired, running, {
      resolve: async (ref) => ({ ref, digest: NEW }),
      updatesDue: () => true,
      rejected,
    });
    expect(checked.pins.web?.digest).toBe(OLD);
    expect(checked.moved).toEqual([]);
  });
});
