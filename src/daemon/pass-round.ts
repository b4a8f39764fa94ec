import { lazyChildLogger } from '../util/lazy-child-logger.js';
import type { SpinConfig } from '../config/types.js';
import type { AdvertisementMemo } from '../git/index.js';
import { reconcileProject, type PassOutcome } from '../reconciler/reconcile-project.js';
import type { ActualState } from '../model/actual-state.js';
import type { Action } from '../reconciler/plan.js';
import { errorMessage } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import { newPassId } from '../util/pass-id.js';
import { settle, unsettle, withTimeout, type Settled } from '../util/promises.js';
import { describeEngineError } from '../drivers/engine-error.js';
import { engineOf, type EngineSet } from './engine-set.js';
import type { PassQueue, RoundBatch } from './pass-queue.js';
import { nextWake } from './poll-schedule.js';
import type { ProjectRegistry, ProjectRuntime } from './project-registry.js';
import type { Semaphore } from './semaphore.js';
import type { PersistedStatuses } from './status-persistence.js';
import type { WakeReason } from './work-queue.js';

const ENGINE_RETRY_MS = 5_000;

export type PassListener = (name: string, outcome: PassOutcome) => void | Promise<void>;

export interface PassRoundDeps {
  config: () => SpinConfig;
  registry: ProjectRegistry;
  statuses: PersistedStatuses;
  queue: PassQueue<PassOutcome>;
  /** The engines, each listed once per round for its taken projects. */
  engines: EngineSet;
  /** Bounds passes (`concurrency`) and git polls (`gitConcurrency`) in flight. */
  limiter: Semaphore;
  gitLimiter: Semaphore;
  /** Observers of every finished pass (history, metrics, commit statuses). */
  passListeners: readonly PassListener[];
  /** Whether an engine's list answered this round (spin_engine_up{engine}). */
  onEngineList?(engine: string, ok: boolean): void;
  log: Logger;
}

/**
 * One round: the polls of those whose poll is due (ref advertisements, up to `gitConcurrency` in
 * flight) run beside one list per engine for all its taken projects (the engines in parallel;
 * one that does not answer fails only its own projects, as EngineUnavailable, and changes nothing
 * for them); the others replan from the head they
 * already have, with no git request. Each pass runs as soon as its head is known, up to
 * `concurrency` in parallel; its outcome is recorded, answered to waiters and sets the project's
 * next wake-up.
 */
export class PassRound {
  /** Numbers rounds in the debug trace (round started, engine listed, pass started). */
  private rounds = 0;

  constructor(private readonly deps: PassRoundDeps) {}

  async run(batch: RoundBatch): Promise<void> {
    const { registry, statuses, queue, log } = this.deps;
    const taken: [string, ProjectRuntime, WakeReason][] = [];
    for (const [name, reason] of batch) {
      const runtime = registry.get(name);
      // Suspended meanwhile (and nobody waits): the wake-up is dropped on purpose.
      if (!runtime || (runtime.suspended && !queue.hasWaiters(name))) {
        queue.release(name);
        continue;
      }
      // No head yet: the first pass polls whatever woke it.
      const polls = reason === 'poll' || runtime.head === undefined;
      taken.push([name, runtime, polls ? 'poll' : 'replan']);
      queue.begin(name);
      // A poll restarts the project's schedule; a replan leaves the wake-up already set (the next
      // poll, or the end of a retry's backoff) where it is.
      if (polls) queue.cancelWake(name);
      if (runtime.pin) {
        statuses.set(name, { ...statuses.current(name), pinned: runtime.pin });
        runtime.pin = undefined;
      }
    }
    if (taken.length === 0) return;
    const round = ++this.rounds;
    log.debug({ round, projects: taken.map(([name]) => name) }, 'round started');
    // Polls are network waits, not engine work: they start now, beside the engine list, with
    // their own bound, so a slow git server does not hold pass slots and vice versa.
    // Projects deploying from one repository share its advertisement within the round.
    const adverts: AdvertisementMemo = new Map();
    // One id per pass, for its log lines, its history row and its commit status.
    const passIds = new Map(taken.map(([name]) => [name, newPassId()] as const));
    const heads = new Map(
      taken.map(([name, runtime, reason]) => [name, settle(this.headFor(runtime, reason, adverts))] as const),
    );
    const byEngine = new Map<string, [string, ProjectRuntime, WakeReason][]>();
    for (const entry of taken) {
      const engine = engineOf(entry[1].ctx.project);
      byEngine.set(engine, [...(byEngine.get(engine) ?? []), entry]);
    }
    await Promise.all(
      [...byEngine].map(([engine, projects]) => this.runOnEngine(round, engine, projects, heads, passIds)),
    );
  }

  /** One engine's share of the round: its list, then its projects' passes (or their failure). */
  private async runOnEngine(
    round: number,
    engineName: string,
    taken: [string, ProjectRuntime, WakeReason][],
    heads: Map<string, Promise<Settled<string>>>,
    passIds: Map<string, string>,
  ): Promise<void> {
    const { statuses, queue, log } = this.deps;
    let actual: ActualState;
    try {
      const engine = this.deps.engines.get(engineName);
      // A project moved by a config reload to an engine added after the start: no driver yet.
      if (!engine) throw new Error(`engine '${engineName}' is not connected; restart the daemon to add it`);
      const listStarted = Date.now();
      actual = await engine.snapshot.list();
      log.debug({ round, engine: engineName, durationMs: Date.now() - listStarted }, 'engine listed');
    } catch (err) {
      this.deps.onEngineList?.(engineName, false);
      const reason = describeEngineError(err);
      log.error({ engine: engineName, reason }, 'engine unavailable');
      const message = `${engineName}: ${reason}`;
      await Promise.all(
        taken.map(async ([name, runtime, reason]) => {
          const outcome = this.errorOutcome(
            name,
            'EngineUnavailable',
            message,
            ENGINE_RETRY_MS,
            passIds.get(name),
          );
          // Git answers even when the engine does not: the status says which commit waits for
          // the engine (e.g. one just promoted to prod), not the head of the last pass that ran,
          // and the commit status's `error` lands on that commit.
          const head = await withTimeout(
            heads.get(name) ?? Promise.resolve(undefined),
            this.deps.config().passTimeoutMs,
          );
          if (head?.ok) outcome.status = { ...outcome.status, desiredCommit: head.value };
          return this.finishPass(name, runtime, reason, outcome);
        }),
      );
      return;
    }
    this.deps.onEngineList?.(engineName, true);
    await Promise.all(
      taken.map(async ([name, runtime, reason]) => {
        const head = heads.get(name) as Promise<Settled<string>>;
        await withTimeout(head, this.deps.config().passTimeoutMs);
        return this.deps.limiter.run(async () => {
          log.debug({ round, project: name, reason, pass: passIds.get(name) }, 'pass started');
          const passId = passIds.get(name);
          const ctx = {
            ...runtime.ctx,
            head: () => unsettle(head),
            log: lazyChildLogger(runtime.ctx.log, { pass: passId }),
            onDeployStart: (commit: string, actions: Action[]) =>
              runtime.ctx.onDeployStart?.(commit, actions, passId),
          };
          const pass = reconcileProject(ctx, actual, statuses.get(name))
            .then((outcome) => ({ ...outcome, passId }))
            .catch((err: unknown) => {
              ctx.log.error({ project: name, err }, 'reconcile pass crashed');
              return this.errorOutcome(
                name,
                'InternalError',
                errorMessage(err),
                runtime.ctx.project.pollIntervalMs,
                passId,
              );
            });
          // Read again: a config reload may have changed it while the head was resolved.
          const timeoutMs = this.deps.config().passTimeoutMs;
          const outcome = await withTimeout(pass, timeoutMs);
          if (outcome) {
            await this.finishPass(name, runtime, reason, outcome);
            return;
          }
          // A hung pass gives its slot back so other projects go on; the project itself stays
          // locked until that pass really ends, so two passes never overlap on one project.
          ctx.log.error({ project: name, timeoutMs }, 'reconcile pass timed out');
          const message = `reconcile pass exceeded ${Math.round(timeoutMs / 1000)}s`;
          await this.finishPass(
            name,
            runtime,
            reason,
            this.errorOutcome(name, 'PassTimeout', message, ENGINE_RETRY_MS, passId),
            true,
          );
          queue.track(
            pass.then(() => {
              queue.release(name);
            }),
          );
        });
      }),
    );
  }

  /**
   * The head a pass deploys: asked of the git remote when the project polls, else the one its
   * last poll found (a replan: engine events, the resync, rechecks between polls).
   */
  private headFor(runtime: ProjectRuntime, reason: WakeReason, adverts: AdvertisementMemo): Promise<string> {
    if (reason === 'replan' && runtime.head !== undefined) return Promise.resolve(runtime.head);
    runtime.polledAt = Date.now();
    return this.deps.gitLimiter.run(async () => {
      const head = await runtime.ctx.source.resolveHead(adverts);
      runtime.head = head;
      return head;
    });
  }

  private errorOutcome(
    name: string,
    reason: 'EngineUnavailable' | 'InternalError' | 'PassTimeout',
    message: string,
    requeueAfterMs: number,
    passId: string | undefined,
  ): PassOutcome {
    const previous = this.deps.statuses.current(name);
    return {
      status: {
        ...previous,
        sync: 'Unknown',
        health: 'Unknown',
        healthReason: message,
        lastError: { reason, message, at: new Date().toISOString() },
        lastReconcile: new Date().toISOString(),
        lastResult: 'error',
      },
      actions: [],
      requeueAfterMs,
      driftRepairs: 0,
      rolledBack: false,
      containers: this.deps.registry.get(name)?.containers ?? [],
      passId,
    };
  }

  private async finishPass(
    name: string,
    runtime: ProjectRuntime,
    reason: WakeReason,
    outcome: PassOutcome,
    stillRunning = false,
  ): Promise<void> {
    const { registry, queue, log } = this.deps;
    // A pass that acted or failed may have changed networks and volumes: list them next round.
    if (outcome.actions.length > 0 || outcome.status.lastResult === 'error')
      this.deps.engines.get(engineOf(runtime.ctx.project))?.snapshot.markStale();
    // The project was removed or replaced by a config reload while this pass ran: its result
    // belongs to a config that is gone; the new one's own pass reports.
    const current = registry.isCurrent(name, runtime);
    runtime.progress = undefined;
    if (current) await this.record(name, runtime, outcome);
    queue.answer(name, outcome);
    if (current && !queue.stopped && !runtime.suspended) {
      const now = Date.now();
      // The next wake-up: when the pass asks to look again (the poll interval, a recheck, a
      // retry's backoff). A replan (engine event, resync) must not push back a wake-up already
      // set: with events every few minutes, the hourly poll would otherwise never come.
      const asked = nextWake(outcome.requeueAfterMs, runtime, now);
      const scheduled = reason === 'replan' ? queue.wakeTime(name) : undefined;
      queue.wakeAt(name, scheduled === undefined ? asked : Math.min(asked, scheduled));
    }
    if (!stillRunning) {
      const again = queue.release(name);
      log.debug({ project: name, again }, 'pass ended');
    }
  }

  private async record(name: string, runtime: ProjectRuntime, outcome: PassOutcome): Promise<void> {
    const { log } = this.deps;
    if (runtime.suspended) outcome.status.suspended = true;
    outcome.status.engine = engineOf(runtime.ctx.project);
    if (runtime.ctx.project.environment) outcome.status.environment = runtime.ctx.project.environment;
    runtime.containers = outcome.containers;
    if (outcome.actions.length > 0) {
      runtime.lastActions = {
        at: outcome.status.lastReconcile ?? new Date().toISOString(),
        actions: outcome.actions,
      };
    }
    try {
      await this.deps.statuses.record(name, outcome.status, { repeated: outcome.repeated });
    } catch (err) {
      log.error({ project: name, pass: outcome.passId, err }, 'cannot write status');
    }
    for (const listener of this.deps.passListeners) {
      try {
        await listener(name, outcome);
      } catch (err) {
        log.error({ project: name, pass: outcome.passId, err }, 'pass listener failed');
      }
    }
  }
}
