/**
 * Pure bookkeeping of image updates between passes. A pass that finds a followed tag moved starts
 * the rollout and, when the driver can leave it on its way (`Driver.resumesImageUpdates`), does
 * not wait for it: the update is remembered as in flight, and later passes pin the service to the
 * digest it moves to (so its new units are judged, not removed as strays) until one of them
 * settles it: rolled out, or failed and undone (the digest then rejected until the tag moves on).
 * What a restart must not forget is written into the project's status (`imageUpdates`) and read
 * back by the first pass of the next process.
 */
import type { ImageUpdateState } from '../model/image.js';
import type { Action } from './plan.js';
import { imageMemory, type ImageMemory, type ImageUpdate } from './image-pins.js';

/** Once per memory: what the last status (written by this or an earlier process) remembered. */
export function restoreImageMemory(memory: ImageMemory, saved: ImageUpdateState | undefined): void {
  if (memory.restored) return;
  memory.restored = true;
  for (const update of saved?.inFlight ?? []) {
    if (!memory.inFlight.has(update.service)) memory.inFlight.set(update.service, { ...update });
  }
  for (const { ref, digest, from, message } of saved?.rejected ?? []) {
    if (!memory.rejected.has(ref)) memory.rejected.set(ref, { digest, message, ...(from ? { from } : {}) });
  }
}

/** A memory holding only what a status kept (for a plan made outside the project's passes). */
export function imageMemoryOf(saved: ImageUpdateState | undefined): ImageMemory {
  const memory = imageMemory();
  restoreImageMemory(memory, saved);
  return memory;
}

/** What the status keeps of the memory (sorted, for stable files); undefined when nothing. */
export function savedImageUpdates(memory: ImageMemory | undefined): ImageUpdateState | undefined {
  if (!memory || (memory.inFlight.size === 0 && memory.rejected.size === 0)) return undefined;
  const inFlight = [...memory.inFlight.values()].sort((a, b) => a.service.localeCompare(b.service));
  const rejected = [...memory.rejected.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([ref, r]) => ({ ref, digest: r.digest, ...(r.from ? { from: r.from } : {}), message: r.message }));
  return {
    ...(inFlight.length > 0 ? { inFlight } : {}),
    ...(rejected.length > 0 ? { rejected } : {}),
  };
}

/**
 * Which of the updates a pass applied are settled: all of them when nothing is left on its way;
 * otherwise those whose service this pass had nothing left to do for (an earlier pass's rollout
 * that has proven itself, while another service still progresses).
 */
export function settledImageUpdates(
  updates: readonly ImageUpdate[],
  pass: { progressing: boolean; actions: readonly Action[] },
): ImageUpdate[] {
  if (!pass.progressing) return [...updates];
  const touched = new Set(pass.actions.flatMap((a) => ('service' in a ? [a.service] : [])));
  return updates.filter((u) => !touched.has(u.service));
}

/** Remembers updates a pass started and left on their way; settled and undone ones are forgotten. */
export function markInFlight(memory: ImageMemory, updates: readonly ImageUpdate[], now: number): void {
  for (const u of updates) {
    const known = memory.inFlight.get(u.service);
    const since = known && known.to === u.to ? known.since : new Date(now).toISOString();
    memory.inFlight.set(u.service, { ...u, since });
  }
}

/** Forgets in-flight updates whose service is gone or now names another image. */
export function dropStaleInFlight(memory: ImageMemory, services: Record<string, { image: string }>): void {
  for (const [service, update] of memory.inFlight) {
    if (services[service]?.image !== update.ref) memory.inFlight.delete(service);
  }
}
