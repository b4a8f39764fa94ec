import type { PullProgress } from '../../model/image.js';

/** One line of the engine's pull stream (`POST /images/create`). */
export interface PullEvent {
  id?: string;
  status?: string;
  progressDetail?: { current?: number; total?: number };
}

/** A report at least this often while bytes move, besides one per finished layer. */
export const PULL_REPORT_INTERVAL_MS = 3_000;

/**
 * Folds the engine's pull events into layer and byte counts and says when to report: when a
 * layer finishes, and otherwise at most every PULL_REPORT_INTERVAL_MS, so a large image logs a
 * handful of lines instead of one per chunk. Pure but for the clock it is given.
 */
export class PullTracker {
  private readonly layers = new Map<string, { current: number; total: number; done: boolean }>();
  private lastReport = 0;

  constructor(
    private readonly ref: string,
    private readonly now: () => number = Date.now,
  ) {
    this.lastReport = now();
  }

  /** The report this event calls for, if any. */
  update(event: PullEvent): PullProgress | undefined {
    const id = event.id;
    const status = event.status ?? '';
    // Lines without a layer id are about the whole pull ("Pulling from", "Digest:", "Status:").
    if (!id || !/^[0-9a-f]{12,}$/.test(id)) return undefined;
    const layer = this.layers.get(id) ?? { current: 0, total: 0, done: false };
    this.layers.set(id, layer);
    const finished = status === 'Pull complete' || status === 'Already exists';
    if (status === 'Downloading') {
      layer.current = event.progressDetail?.current ?? layer.current;
      layer.total = event.progressDetail?.total ?? layer.total;
    } else if (status === 'Download complete') {
      layer.current = layer.total;
    }
    if (finished && !layer.done) {
      layer.done = true;
      layer.current = layer.total;
      return this.report(false);
    }
    if (this.now() - this.lastReport >= PULL_REPORT_INTERVAL_MS) return this.report(false);
    return undefined;
  }

  /** The last report, when the pull ended. */
  finish(): PullProgress {
    return this.report(true);
  }

  private report(done: boolean): PullProgress {
    this.lastReport = this.now();
    let bytes = 0;
    let totalBytes = 0;
    let layersDone = 0;
    for (const layer of this.layers.values()) {
      bytes += layer.current;
      totalBytes += layer.total;
      if (layer.done) layersDone++;
    }
    return { ref: this.ref, layers: this.layers.size, layersDone, bytes, totalBytes, done };
  }
}
