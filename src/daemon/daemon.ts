import type { SpinConfig, ProjectConfig } from '../config/types.js';
import type { Driver } from '../drivers/driver.js';
import { createGitSource, timedSource, withResolveHead, type AdvertisementMemo } from '../git/index.js';
import { reconcileProject, type PassOutcome, type ProjectContext } from '../reconciler/reconcile-project.js';
import { StatusStore } from '../status/store.js';
import { unknownStatus, type ProjectStatus } from '../status/project-status.js';
import { errorMessage } from '../util/errors.js';
import { settle, unsettle, withTimeout, type Settled } from '../util/promises.js';
import type { Logger } from '../util/logger.js';
import { Semaphore } from './semaphore.js';
import { WakeClock } from './wake-clock.js';
import { WorkQueue, type WakeReason } from './work-queue.js';
import { schedule, type ScheduledTask } from 'node-cron';
import type { EngineEvent } from '../drivers/driver.js';
import type { GitSource } from '../git/index.js';
import type { ActualContainer, ActualState } from '../reconciler/state.js';
import type { Action } from '../reconciler/plan.js';
import { previewPlan, type PlanPreview } from '../reconciler/preview.js';

interface ProjectRuntime {
  ctx: ProjectContext;
  closeWatch?: () => Promise<void>;
  /** The branch head as of the last successful poll in this process; replans reuse it. */
  head?: string;
  /** When the last poll (of git) started, ms since the epoch: the next one is due an interval later. */
  polledAt?: number;
  /** Callers waiting for the next pass of this project to finish (spin sync, webhooks). */
  waiters: ((outcome: PassOutcome) => void)[];
  /** Waiters that the running pass will answer (those who asked before it started). */
  answering: ((outcome: PassOutcome) => void)[];
  /** No passes while set (config `suspended`, or `spin suspend`); persisted in the status. */
  suspended: boolean;
  containers: ActualContainer[];
  /** Actions of the last pass that did something, for the dashboard. */
  lastActions?: { at: string; actions: Action[] };
  /** An operator's rollback, handed to the pass that answers it (a pass in flight cannot drop it). */
  pin?: NonNullable<ProjectStatus['pinned']>;
}

/** Side channels of a pass that are not the daemon's business: commit statuses, metrics. */
export interface DaemonHooks {
  onDeployStart?(project: ProjectConfig, commit: string, actions: Action[]): void;
  onGitPoll?(project: string, durationMs: number, ok: boolean): void;
  /** Each HTTP request to a project's git remote (benchmarks count them). */
  onGitRequest?(project: string, kind: 'advertise' | 'fetch'): void;
}

const ENGINE_RETRY_MS = 5_000;
const STATUS_REWRITE_MS = 60_000;
/**
 * Engine events that mean a managed container drifted from what Spin made it. Not `kill` or
 * `oom`: a signal that ends the container is followed by its `die`, and one that does not changed
 * nothing a plan looks at. Waking on the `kill` that opens every `docker stop` and `docker rm -f`
 * started a pass that still listed the container running, and the `die` then waited for it.
 */
const DRIFT_ACTIONS = new Set(['create', 'die', 'stop', 'destroy', 'rename', 'pause', 'update']);

/**
 * The reconcile loop. Projects are woken (poll clock, engine events, the cron resync, file
 * watcher, webhook, `spin sync`) into a work queue that coalesces wake-ups and never drops one: a
 * project woken while its pass runs runs again right after. Each round lists the engine once for
 * all queued projects while the polls of those whose poll is due (ref advertisements, up to
 * `gitConcurrency` in flight) run; the others replan from the head they already have, with no git
 * request. Each pass runs as soon as its head is known, up to `concurrency` in parallel, at most
 * one pass per project at a time. Nothing is carried between passes but caches: a restart loses
 * nothing.
 */
export class Daemon {
  private readonly projects = new Map<string, ProjectRuntime>();
  private readonly queue = new WorkQueue<string>();
  private readonly clock = new WakeClock((names) => {
    for (const name of names) this.wake(name);
  });
  /**
   * Networks and volumes as of the last full engine list. They change only by Spin's own passes
   * or by an operator (whose container events, or the resync, mark them stale), so a steady round
   * lists containers alone.
   */
  private engineObjects?: Pick<ActualState, 'networks' | 'volumes'>;
  private engineObjectsStale = true;
  private readonly statuses = new Map<string, ProjectStatus>();
  private readonly store: StatusStore;
  private readonly limiter: Semaphore;
  private readonly gitLimiter: Semaphore;
  private roundScheduled = false;
  /** Numbers rounds in the debug trace (round started, engine listed, pass started). */
  private rounds = 0;
  private stopping = false;
  private readonly inFlight = new Set<Promise<void>>();
  private closeEvents?: () => void;
  private resyncTask?: ScheduledTask;
  private readonly lastWritten = new Map<string, { key: string; at: number }>();
  /** Observers of every finished pass (history, metrics, commit statuses). */
  private readonly passListeners: ((name: string, outcome: PassOutcome) => void | Promise<void>)[] = [];
  private readonly suspendListeners: ((name: string, suspended: boolean) => void)[] = [];

  constructor(
    private config: SpinConfig,
    private readonly driver: Driver,
    private readonly log: Logger,
    private readonly hooks: DaemonHooks = {},
  ) {
    this.store = new StatusStore(config.stateDir);
    this.limiter = new Semaphore(config.concurrency);
    this.gitLimiter = new Semaphore(config.gitConcurrency);
  }

  async start(): Promise<void> {
    for (const project of this.config.projects) await this.addProject(project);
    this.closeEvents = this.driver.watchEvents((event) => this.onEngineEvent(event));
    // The event stream can miss things (engine restarts, dropped connections): a periodic full
    // resync marks every project due, so drift is repaired within one schedule period regardless.
    this.resyncTask = schedule(this.config.resyncSchedule, () => this.wakeAll('resync'), {
      noOverlap: true,
    });
    this.log.info(
      { projects: this.config.projects.length, stateDir: this.config.stateDir },
      'daemon started',
    );
  }

  /** Reconcile now; resolves when that pass has finished. */
  syncNow(name: string): Promise<PassOutcome> {
    const runtime = this.projects.get(name);
    if (!runtime) return Promise.reject(new Error(`unknown project '${name}'`));
    const done = new Promise<PassOutcome>((resolve) => runtime.waiters.push(resolve));
    this.markDue(name, 'poll');
    return done;
  }

  /** Mark a project due without waiting (webhooks, watchers). */
  trigger(name: string): boolean {
    if (!this.projects.has(name)) return false;
    this.markDue(name, 'poll');
    return true;
  }

  status(name: string): ProjectStatus | undefined {
    if (!this.projects.has(name)) return undefined;
    return this.statuses.get(name) ?? unknownStatus(name);
  }

  allStatuses(): ProjectStatus[] {
    return [...this.projects.keys()].sort().map((name) => this.status(name) as ProjectStatus);
  }

  projectNames(): string[] {
    return [...this.projects.keys()].sort();
  }

  /** The last persisted or computed status, even before the first pass of this run. */
  persistedStatus(name: string): ProjectStatus | undefined {
    return this.statuses.get(name);
  }

  project(name: string): { config: ProjectConfig; source: GitSource } | undefined {
    const runtime = this.projects.get(name);
    return runtime && { config: runtime.ctx.project, source: runtime.ctx.source };
  }

  /** The actions of the last pass that had any. */
  lastActions(name: string): { at: string; actions: Action[] } | undefined {
    return this.projects.get(name)?.lastActions;
  }

  /** The project's containers as listed by its last pass. */
  containers(name: string): ActualContainer[] {
    return this.projects.get(name)?.containers ?? [];
  }

  currentConfig(): SpinConfig {
    return this.config;
  }

  /** What a pass would do now for the head (or `commit`), changing nothing. */
  planNow(name: string, commit?: string, purpose: 'deploy' | 'review' = 'deploy'): Promise<PlanPreview> {
    const runtime = this.projects.get(name);
    if (!runtime) return Promise.reject(new Error(`unknown project '${name}'`));
    return previewPlan({
      project: runtime.ctx.project,
      source: runtime.ctx.source,
      driver: this.driver,
      commit,
      trustCache: runtime.ctx.trustCache,
      purpose,
    });
  }

  /** Suspend or resume reconciling; what runs is left alone either way. */
  async setSuspended(name: string, suspended: boolean): Promise<ProjectStatus> {
    const runtime = this.projects.get(name);
    if (!runtime) throw new Error(`unknown project '${name}'`);
    runtime.suspended = suspended;
    this.clock.delete(name);
    const status = { ...(this.statuses.get(name) ?? unknownStatus(name)), suspended };
    this.statuses.set(name, status);
    await this.store.write(status);
    this.log.info({ project: name, suspended }, suspended ? 'project suspended' : 'project resumed');
    for (const listener of this.suspendListeners) listener(name, suspended);
    if (!suspended) this.markDue(name, 'poll');
    return status;
  }

  /**
   * Operator rollback: run `commit` instead of the branch head until the branch moves on.
   * Resolves with the pass that applied it.
   */
  async pin(name: string, commit: string): Promise<PassOutcome> {
    const runtime = this.projects.get(name);
    if (!runtime) throw new Error(`unknown project '${name}'`);
    const status = this.statuses.get(name) ?? unknownStatus(name);
    const head = status.desiredCommit;
    if (!head) throw new Error(`project '${name}' has no known branch head yet`);
    // Not written into the status here: a pass already running would overwrite it when it ends.
    runtime.pin = { commit, head, at: new Date().toISOString() };
    return this.syncNow(name);
  }

  /**
   * Applies a changed config without a restart: projects added, removed or changed take effect
   * at once. Removing a project stops reconciling it but leaves its containers running.
   */
  async reload(next: SpinConfig): Promise<{ added: string[]; removed: string[]; changed: string[] }> {
    const before = new Map(this.config.projects.map((p) => [p.name, JSON.stringify(p)]));
    const after = new Map(next.projects.map((p) => [p.name, p]));
    const added: string[] = [];
    const removed: string[] = [];
    const changed: string[] = [];
    const fixed = (c: SpinConfig) =>
      JSON.stringify([c.api, c.concurrency, c.gitConcurrency, c.stateDir, c.docker, c.resyncSchedule]);
    if (fixed(next) !== fixed(this.config)) {
      this.log.warn(
        'api, concurrency, gitConcurrency, stateDir, docker and resyncSchedule changes take effect after a restart',
      );
    }
    this.config = {
      ...next,
      api: this.config.api,
      concurrency: this.config.concurrency,
      gitConcurrency: this.config.gitConcurrency,
      stateDir: this.config.stateDir,
    };
    for (const name of before.keys()) {
      if (!after.has(name)) {
        removed.push(name);
        await this.removeRuntime(name);
      }
    }
    for (const [name, project] of after) {
      if (!before.has(name)) added.push(name);
      else if (before.get(name) !== JSON.stringify(project)) changed.push(name);
      else continue;
      await this.removeRuntime(name);
      await this.addProject(project);
    }
    this.log.info({ added, removed, changed }, 'config reloaded');
    return { added, removed, changed };
  }

  private async removeRuntime(name: string): Promise<void> {
    const runtime = this.projects.get(name);
    if (!runtime) return;
    this.clock.delete(name);
    await runtime.closeWatch?.();
    this.projects.delete(name);
    this.queue.forget(name);
  }

  onPass(listener: (name: string, outcome: PassOutcome) => void | Promise<void>): void {
    this.passListeners.push(listener);
  }

  /** Told when a project is added (with its initial state) and when it is suspended or resumed. */
  onSuspended(listener: (name: string, suspended: boolean) => void): void {
    this.suspendListeners.push(listener);
  }

  /** Stops scheduling, waits for running passes, closes watchers. Containers keep running. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.closeEvents?.();
    await this.resyncTask?.destroy();
    this.clock.stop();
    for (const runtime of this.projects.values()) await runtime.closeWatch?.();
    // Passes normally finish quickly; a hung one (it already timed out) is not waited for forever.
    const settled = await withTimeout(Promise.allSettled([...this.inFlight]), this.config.passTimeoutMs);
    if (!settled) this.log.warn({ passes: this.inFlight.size }, 'stopped with passes still hanging');
    this.log.info('daemon stopped');
  }

  private async addProject(project: ProjectConfig): Promise<void> {
    const source = timedSource(
      createGitSource(project, this.config.stateDir, (kind) => this.hooks.onGitRequest?.(project.name, kind)),
      (ms, ok) => this.hooks.onGitPoll?.(project.name, ms, ok),
    );
    const runtime: ProjectRuntime = {
      ctx: {
        project,
        source,
        driver: this.driver,
        stateDir: this.config.stateDir,
        log: this.log.child({ project: project.name }),
        desiredCache: new Map(),
        trustCache: new Map(),
        checkouts: {},
        onDeployStart: (commit, actions) => {
          this.log.debug({ project: project.name, actions: actions.length }, 'deploy planned');
          this.hooks.onDeployStart?.(project, commit, actions);
        },
      },
      waiters: [],
      answering: [],
      suspended: false,
      containers: [],
    };
    this.projects.set(project.name, runtime);
    const previous = this.statuses.get(project.name) ?? (await this.store.read(project.name));
    if (previous) this.statuses.set(project.name, previous);
    runtime.suspended = project.suspended || previous?.suspended === true;
    runtime.closeWatch = await source.watch(() => {
      this.log.debug({ project: project.name }, 'repository changed');
      this.markDue(project.name, 'poll');
    });
    for (const listener of this.suspendListeners) listener(project.name, runtime.suspended);
    if (runtime.suspended) {
      this.statuses.set(project.name, { ...(previous ?? unknownStatus(project.name)), suspended: true });
      return;
    }
    this.markDue(project.name, 'poll');
  }

  private onEngineEvent(event: EngineEvent): void {
    if (event.action === 'connected') {
      // (Re)connected after the engine was away: anything may have happened meanwhile.
      this.wakeAll('engine connected');
      return;
    }
    if (!this.projects.has(event.project) || !DRIFT_ACTIONS.has(event.action.split(':')[0] ?? '')) return;
    this.log.debug(
      { project: event.project, action: event.action, container: event.name, engineAt: event.at },
      'engine event',
    );
    // At once, no debounce: the work queue coalesces a burst (`die` and `stop` or `destroy` come
    // milliseconds apart, and the round is only started by setImmediate), and an event while the
    // project's pass runs marks it to run again right after: never dropped. Spin's own actions
    // cause one more pass at most, which finds nothing to do. Networks and volumes are not marked
    // stale: container events do not change them, and a pass whose action fails on one that an
    // operator removed marks them stale for its retry (finishPass).
    this.markDue(event.project, 'replan');
  }

  /** The resync (and an engine reconnect): every project replans; those whose poll is due poll. */
  private wakeAll(why: string): void {
    this.log.debug({ why }, 'all projects due');
    this.engineObjectsStale = true;
    for (const [name, runtime] of this.projects) if (!runtime.suspended) this.wake(name);
  }

  /** A wake-up with no reason of its own (clock, resync): git only when the poll is due. */
  private wake(name: string): void {
    const runtime = this.projects.get(name);
    if (runtime) this.markDue(name, pollDue(runtime, Date.now()) ? 'poll' : 'replan');
  }

  private markDue(name: string, reason: WakeReason): void {
    if (this.stopping) return;
    const runtime = this.projects.get(name);
    if (!runtime) return;
    // A suspended project only runs when someone waits for it (spin sync).
    if (runtime.suspended && runtime.waiters.length === 0) return;
    if (this.queue.add(name, reason)) this.scheduleRound();
  }

  private scheduleRound(): void {
    if (this.roundScheduled || this.stopping) return;
    this.roundScheduled = true;
    setImmediate(() => {
      this.roundScheduled = false;
      this.track(this.runRound());
    });
  }

  /** The project's pass ended (or was dropped): a wake-up that came meanwhile runs it again. */
  private release(name: string): void {
    const again = this.queue.done(name);
    this.log.debug({ project: name, again }, 'pass ended');
    if (again !== undefined) this.scheduleRound();
  }

  private track(promise: Promise<void>): void {
    this.inFlight.add(promise);
    void promise.finally(() => this.inFlight.delete(promise));
  }

  private async runRound(): Promise<void> {
    const taken: [string, ProjectRuntime, WakeReason][] = [];
    for (const [name, reason] of this.queue.take()) {
      const runtime = this.projects.get(name);
      // Suspended meanwhile (and nobody waits): the wake-up is dropped on purpose.
      if (!runtime || (runtime.suspended && runtime.waiters.length === 0)) {
        this.release(name);
        continue;
      }
      // No head yet: the first pass polls whatever woke it.
      const polls = reason === 'poll' || runtime.head === undefined;
      taken.push([name, runtime, polls ? 'poll' : 'replan']);
      runtime.answering = runtime.waiters.splice(0);
      // A poll restarts the project's schedule; a replan leaves the wake-up already set (the next
      // poll, or the end of a retry's backoff) where it is.
      if (polls) this.clock.delete(name);
      if (runtime.pin) {
        const status = this.statuses.get(name) ?? unknownStatus(name);
        this.statuses.set(name, { ...status, pinned: runtime.pin });
        runtime.pin = undefined;
      }
    }
    if (taken.length === 0) return;
    const round = ++this.rounds;
    this.log.debug({ round, projects: taken.map(([name]) => name) }, 'round started');
    // Polls are network waits, not engine work: they start now, beside the engine list, with
    // their own bound, so a slow git server does not hold pass slots and vice versa.
    // Projects deploying from one repository share its advertisement within the round.
    const adverts: AdvertisementMemo = new Map();
    const heads = new Map(
      taken.map(([name, runtime, reason]) => [name, settle(this.headFor(runtime, reason, adverts))] as const),
    );
    let actual: ActualState;
    try {
      const listStarted = Date.now();
      actual = await this.listActual();
      this.log.debug({ round, durationMs: Date.now() - listStarted }, 'engine listed');
    } catch (err) {
      this.log.error({ err: errorMessage(err) }, 'docker engine unreachable');
      await Promise.all(
        taken.map(([name, runtime, reason]) =>
          this.finishWithEngineError(name, runtime, reason, errorMessage(err)),
        ),
      );
      return;
    }
    await Promise.all(
      taken.map(async ([name, runtime, reason]) => {
        const head = heads.get(name) as Promise<Settled<string>>;
        await withTimeout(head, this.config.passTimeoutMs);
        return this.limiter.run(async () => {
          this.log.debug({ round, project: name, reason }, 'pass started');
          const ctx = { ...runtime.ctx, source: withResolveHead(runtime.ctx.source, () => unsettle(head)) };
          const pass = reconcileProject(ctx, actual, this.statuses.get(name)).catch((err: unknown) => {
            this.log.error({ project: name, err: errorMessage(err) }, 'reconcile pass crashed');
            return this.errorOutcome(
              name,
              'InternalError',
              errorMessage(err),
              runtime.ctx.project.pollIntervalMs,
            );
          });
          const outcome = await withTimeout(pass, this.config.passTimeoutMs);
          if (outcome) {
            await this.finishPass(name, runtime, reason, outcome);
            return;
          }
          // A hung pass gives its slot back so other projects go on; the project itself stays
          // locked until that pass really ends, so two passes never overlap on one project.
          this.log.error({ project: name, timeoutMs: this.config.passTimeoutMs }, 'reconcile pass timed out');
          const message = `reconcile pass exceeded ${Math.round(this.config.passTimeoutMs / 1000)}s`;
          await this.finishPass(
            name,
            runtime,
            reason,
            this.errorOutcome(name, 'PassTimeout', message, ENGINE_RETRY_MS),
            true,
          );
          this.track(pass.then(() => this.release(name)));
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
    return this.gitLimiter.run(async () => {
      const head = await runtime.ctx.source.resolveHead(adverts);
      runtime.head = head;
      return head;
    });
  }

  /** One engine list for the round: containers always, networks and volumes when stale. */
  private async listActual(): Promise<ActualState> {
    const cached = this.engineObjectsStale ? undefined : this.engineObjects;
    this.engineObjectsStale = false;
    try {
      if (cached) return { ...(await this.driver.listActual({ containersOnly: true })), ...cached };
      const actual = await this.driver.listActual();
      this.engineObjects = { networks: actual.networks, volumes: actual.volumes };
      return actual;
    } catch (err) {
      this.engineObjectsStale = true;
      throw err;
    }
  }

  private async finishWithEngineError(
    name: string,
    runtime: ProjectRuntime,
    reason: WakeReason,
    message: string,
  ): Promise<void> {
    await this.finishPass(
      name,
      runtime,
      reason,
      this.errorOutcome(name, 'EngineUnavailable', `docker engine unreachable: ${message}`, ENGINE_RETRY_MS),
    );
  }

  private errorOutcome(
    name: string,
    reason: 'EngineUnavailable' | 'InternalError' | 'PassTimeout',
    message: string,
    requeueAfterMs: number,
  ): PassOutcome {
    const previous = this.statuses.get(name) ?? unknownStatus(name);
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
      containers: this.projects.get(name)?.containers ?? [],
    };
  }

  /**
   * Idle passes change only the timestamps: the file is rewritten then at most once a minute
   * (the in-memory status, which the API serves, is always current).
   */
  private statusChanged(name: string, status: ProjectStatus): boolean {
    const { lastReconcile: _at, lastDurationMs: _ms, ...rest } = status;
    const key = JSON.stringify(rest);
    const last = this.lastWritten.get(name);
    if (last && last.key === key && Date.now() - last.at < STATUS_REWRITE_MS) return false;
    this.lastWritten.set(name, { key, at: Date.now() });
    return true;
  }

  private async finishPass(
    name: string,
    runtime: ProjectRuntime,
    reason: WakeReason,
    outcome: PassOutcome,
    stillRunning = false,
  ): Promise<void> {
    // A pass that acted or failed may have changed networks and volumes: list them next round.
    if (outcome.actions.length > 0 || outcome.status.lastResult === 'error') this.engineObjectsStale = true;
    // The project was removed or replaced by a config reload while this pass ran: its result
    // belongs to a config that is gone; the new one's own pass reports.
    const current = this.projects.get(name) === runtime;
    if (current) await this.record(name, runtime, outcome);
    for (const resolve of runtime.answering.splice(0)) resolve(outcome);
    if (current && !this.stopping && !runtime.suspended) {
      const now = Date.now();
      // The next wake-up: when the pass asks to look again (the poll interval, a recheck, a
      // retry's backoff). A replan (engine event, resync) must not push back a wake-up already
      // set: with events every few minutes, the hourly poll would otherwise never come.
      const asked = nextWake(outcome.requeueAfterMs, runtime, now);
      const scheduled = reason === 'replan' ? this.clock.get(name) : undefined;
      this.clock.set(name, scheduled === undefined ? asked : Math.min(asked, scheduled));
    }
    if (!stillRunning) this.release(name);
  }

  private async record(name: string, runtime: ProjectRuntime, outcome: PassOutcome): Promise<void> {
    if (runtime.suspended) outcome.status.suspended = true;
    runtime.containers = outcome.containers;
    if (outcome.actions.length > 0) {
      runtime.lastActions = {
        at: outcome.status.lastReconcile ?? new Date().toISOString(),
        actions: outcome.actions,
      };
    }
    this.statuses.set(name, outcome.status);
    try {
      if (this.statusChanged(name, outcome.status)) await this.store.write(outcome.status);
    } catch (err) {
      this.log.error({ project: name, err: errorMessage(err) }, 'cannot write status');
    }
    for (const listener of this.passListeners) {
      try {
        await listener(name, outcome);
      } catch (err) {
        this.log.error({ project: name, err: errorMessage(err) }, 'pass listener failed');
      }
    }
  }
}

/** Polls fall due on whole ticks, so projects polled at the same interval share one round. */
const POLL_TICK_MS = 1_000;

/**
 * The delay until the first tick at or after `delayMs` from now. Each round lists the engine once
 * for every due project: aligned, 500 projects polled every 10 s cost ~10 lists per interval
 * instead of 500.
 */
export function alignedDelay(delayMs: number, now = Date.now()): number {
  if (delayMs < POLL_TICK_MS) return Math.max(0, delayMs);
  return Math.ceil((now + delayMs) / POLL_TICK_MS) * POLL_TICK_MS - now;
}

/**
 * When a project whose pass just ended wakes next. A pass that asks for nothing before the next
 * poll (`requeueAfterMs` is the poll interval) wakes on the tick nearest to one interval after its
 * last poll started, not an interval after the pass ended: otherwise a 1 s poll whose pass takes
 * 150 ms would come every 2 s. Rounded to the nearest tick, so that projects polled in one round
 * (started a few ms apart) fall due on the same tick again, also when they are late (an overloaded
 * machine). Anything else (a recheck, a retry's backoff) counts from now, on the first tick after it.
 */
export function nextWake(
  requeueAfterMs: number,
  runtime: { polledAt?: number; ctx: { project: { pollIntervalMs: number } } },
  now: number,
): number {
  const interval = runtime.ctx.project.pollIntervalMs;
  if (requeueAfterMs === interval && interval >= POLL_TICK_MS && runtime.polledAt !== undefined) {
    const due = Math.round((runtime.polledAt + interval) / POLL_TICK_MS) * POLL_TICK_MS;
    // Overdue (the pass took longer than the interval): the next tick, still shared with others.
    return due > now ? due : Math.ceil(now / POLL_TICK_MS) * POLL_TICK_MS;
  }
  return now + alignedDelay(requeueAfterMs, now);
}

/**
 * Whether a wake-up without a reason of its own (clock, resync) asks git: when the project has no
 * head yet or its poll interval has elapsed since its last poll started. Half a tick early counts,
 * so a clock aligned to whole ticks is never a poll late.
 */
export function pollDue(
  runtime: { head?: string; polledAt?: number; ctx: { project: { pollIntervalMs: number } } },
  now: number,
): boolean {
  if (runtime.head === undefined || runtime.polledAt === undefined) return true;
  return now + POLL_TICK_MS / 2 >= runtime.polledAt + runtime.ctx.project.pollIntervalMs;
}
