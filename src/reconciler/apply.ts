/**
 * The engine-neutral executor: runs a plan's steps through the driver, wave by wave. Within a
 * wave deletions run first, then creations and updates as a dependency DAG (a step starts once the
 * steps it `dependsOn` in this plan have finished), up to STEP_CONCURRENCY at once. A failure stops
 * new steps from starting: the next pass recomputes from what then runs, so nothing is undone here.
 * A step the driver answers `progressing` for is not waited on: the steps after it (its dependents,
 * later waves) are left to a later pass, and the pass asks to look again after `retryAfterMs`.
 */
import { RolloutError } from '../drivers/rollout-error.js';
import type { Driver, StepContext } from '../drivers/driver.js';
import type { StepResult } from '../drivers/resources.js';
import type { PlannedStep } from './plan.js';

export { describeAction } from '../drivers/plan-action.js';

/** Steps (Docker: services) rolled out at the same time when they do not depend on each other. */
export const STEP_CONCURRENCY = 8;

export type ApplyContext = Omit<StepContext, 'once'> & {
  driver: Driver;
  /** Told when a step has ended (done, progressing or failed): the repair lane may take it. */
  onStepEnded?(key: string): void;
};

/** An engine call failed: the next pass retries (with backoff) from whatever then runs. */
export class ApplyError extends Error {
  constructor(
    message: string,
    override readonly cause: unknown,
  ) {
    super(message);
    this.name = 'ApplyError';
  }
}

/** How an apply ended when it did not throw: done, or some steps still progressing. */
export interface ApplyOutcome {
  /** The soonest any progressing step asked to be looked at again, and why. */
  progressing?: { retryAfterMs: number; reason: string };
}

export async function applyPlan(steps: PlannedStep[], ctx: ApplyContext): Promise<ApplyOutcome> {
  const memo = new Map<string, Promise<void>>();
  const stepCtx: StepContext = {
    ...ctx,
    once: (key, work) => {
      let done = memo.get(key);
      if (!done) {
        done = work();
        memo.set(key, done);
      }
      return done;
    },
  };
  const waves = [...new Set(steps.map((s) => s.wave))].sort((a, b) => a - b);
  const progressing: Progressing[] = [];
  for (const wave of waves) {
    const inWave = steps.filter((s) => s.wave === wave);
    for (const part of [inWave.filter((s) => s.op === 'delete'), inWave.filter((s) => s.op !== 'delete')]) {
      progressing.push(...(await runDag(part, ctx.driver, stepCtx, ctx.onStepEnded)));
      // A later step may rely on one that is still on its way: it waits for a later pass.
      if (progressing.length > 0) return { progressing: soonest(progressing) };
    }
  }
  return {};
}

type Progressing = Extract<StepResult, { progressing: true }>;

function soonest(list: Progressing[]): { retryAfterMs: number; reason: string } {
  const first = [...list].sort((a, b) => a.retryAfterMs - b.retryAfterMs)[0] as Progressing;
  return { retryAfterMs: first.retryAfterMs, reason: first.reason };
}

/**
 * Runs the steps as a dependency DAG with bounded parallelism; rethrows the first failure.
 * Returns the progressing answers; the steps that depend on those are not run.
 */
async function runDag(
  steps: PlannedStep[],
  driver: Driver,
  ctx: StepContext,
  onStepEnded?: (key: string) => void,
): Promise<Progressing[]> {
  const byKey = new Map(steps.map((s) => [s.key, s]));
  const pending = new Set(byKey.keys());
  const done = new Set<string>();
  const running = new Map<string, Promise<void>>();
  const progressing = new Map<string, Progressing>();
  let failure: unknown;
  /** Pending steps that (transitively) depend on a progressing one are left for a later pass. */
  const defer = () => {
    const waiting = new Set(progressing.keys());
    for (let changed = true; changed;) {
      changed = false;
      for (const key of [...pending]) {
        if ((byKey.get(key)?.dependsOn ?? []).some((dep) => waiting.has(dep))) {
          pending.delete(key);
          waiting.add(key);
          changed = true;
        }
      }
    }
  };
  const blockedBy = (key: string) =>
    (byKey.get(key)?.dependsOn ?? []).some((dep) => byKey.has(dep) && !done.has(dep));
  while (pending.size > 0 || running.size > 0) {
    if (failure === undefined) {
      for (const key of [...pending]) {
        if (running.size >= STEP_CONCURRENCY) break;
        // A cycle (refused at validation) would block forever: run it once nothing else can.
        if (blockedBy(key) && (running.size > 0 || [...pending].some((k) => !blockedBy(k)))) continue;
        pending.delete(key);
        const step = byKey.get(key) as PlannedStep;
        running.set(
          key,
          runStep(step, driver, ctx).then(
            (result) => {
              if (result) progressing.set(key, result);
              done.add(key);
              onStepEnded?.(key);
            },
            (err: unknown) => {
              failure ??= err;
              done.add(key);
              onStepEnded?.(key);
            },
          ),
        );
      }
    }
    if (running.size === 0) break;
    await Promise.race(running.values());
    for (const key of [...running.keys()]) if (done.has(key)) running.delete(key);
    defer();
  }
  if (failure !== undefined) throw failure;
  return [...progressing.values()];
}

/** One step; a failure becomes the error the pass's failure choice reads. */
async function runStep(
  step: PlannedStep,
  driver: Driver,
  ctx: StepContext,
): Promise<Progressing | undefined> {
  const result: StepResult = await driver.applyStep(step, step.actions, ctx);
  if ('done' in result) return undefined;
  if ('progressing' in result) return result;
  if (result.rollout && !result.retryable) {
    throw new RolloutError(result.rollout.unit, result.rollout.reason, result.rollout.failureAction);
  }
  throw new ApplyError(result.reason, result.cause);
}
