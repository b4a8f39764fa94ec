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
import { schedule, type ScheduledTask } from 'node-cron';
import type { EngineEvent } from '../drivers/driver.js';
import type { GitSource } from '../git/index.js';
import type { ActualContainer } from '../reconciler/state.js';
import type { Action } from '../reconciler/plan.js';
import { previewPlan, type PlanPreview } from '../reconciler/preview.js';

interface ProjectRuntime {
  ctx: ProjectContext;
  timer?: NodeJS.Timeout;
  closeWatch?: () => Promise<void>;
  running: boolean;
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
/** Events come in bursts (stop, die, destroy); one pass shortly after the burst repairs them all. */
const EVENT_DEBOUNCE_MS = 200;
/** Engine events that mean a managed container drifted from what Spin made it. */
const DRIFT_ACTIONS = new Set([
  'create',
  'die',
  'stop',
  'kill',
  'destroy',
  'rename',
  'oom',
  'pause',
  'update',
]);

/**
 * The reconcile loop. Projects are marked due (poll timer, file watcher, webhook, `spin sync`);
 * each round lists the engine once for all due projects while their polls (ref advertisements, up
 * to `gitConcurrency` in flight) run, then runs each pass as soon as its head is known, up to
 * `concurrency` in parallel, at most one pass per project at a time. Nothing is carried between passes but
 * caches: a restart loses nothing.
 */
export class Daemon {
  private readonly projects = new Map<string, ProjectRuntime>();
  private readonly due = new Set<string>();
  private readonly statuses = new Map<string, ProjectStatus>();
  private readonly store: StatusStore;
  private readonly limiter: Semaphore;
  private readonly gitLimiter: Semaphore;
  private roundScheduled = false;
  private stopping = false;
  private readonly inFlight = new Set<Promise<void>>();
  private closeEvents?: () => void;
  private resyncTask?: ScheduledTask;
  private readonly eventTimers = new Map<string, NodeJS.Timeout>();
  private readonly lastWritten = new Map<string, { key: string; at: number }>();
  /** Observers of every finished pass (history, metrics, commit statuses). */
  private readonly passListeners: ((name: string, outcome: PassOutcome) => void | Promise<void>)[] = [];

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
    this.resyncTask = schedule(this.config.resyncSchedule, () => this.markAllDue('resync'), {
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
    this.markDue(name);
    return done;
  }

  /** Mark a project due without waiting (webhooks, watchers). */
  trigger(name: string): boolean {
    if (!this.projects.has(name)) return false;
    this.markDue(name);
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
    clearTimeout(runtime.timer);
    const status = { ...(this.statuses.get(name) ?? unknownStatus(name)), suspended };
    this.statuses.set(name, status);
    await this.store.write(status);
    this.log.info({ project: name, suspended }, suspended ? 'project suspended' : 'project resumed');
    if (!suspended) this.markDue(name);
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
    clearTimeout(runtime.timer);
    await runtime.closeWatch?.();
    this.projects.delete(name);
    this.due.delete(name);
  }

  onPass(listener: (name: string, outcome: PassOutcome) => void | Promise<void>): void {
    this.passListeners.push(listener);
  }

  /** Stops scheduling, waits for running passes, closes watchers. Containers keep running. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.closeEvents?.();
    await this.resyncTask?.destroy();
    for (const timer of this.eventTimers.values()) clearTimeout(timer);
    for (const runtime of this.projects.values()) {
      clearTimeout(runtime.timer);
      await runtime.closeWatch?.();
    }
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
        onDeployStart: (commit, actions) => this.hooks.onDeployStart?.(project, commit, actions),
      },
      running: false,
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
      this.markDue(project.name);
    });
    if (runtime.suspended) {
      this.statuses.set(project.name, { ...(previous ?? unknownStatus(project.name)), suspended: true });
      return;
    }
    this.markDue(project.name);
  }

  private onEngineEvent(event: EngineEvent): void {
    if (event.action === 'connected') {
      // (Re)connected after the engine was away: anything may have happened meanwhile.
      this.markAllDue('engine connected');
      return;
    }
    if (!this.projects.has(event.project) || !DRIFT_ACTIONS.has(event.action.split(':')[0] ?? '')) return;
    const runtime = this.projects.get(event.project);
    // Spin's own stops and removals during a pass show up here too; the pass already handles those.
    if (runtime?.running) return;
    if (this.eventTimers.has(event.project)) return;
    this.log.debug({ project: event.project, action: event.action, container: event.name }, 'engine event');
    this.eventTimers.set(
      event.project,
      setTimeout(() => {
        this.eventTimers.delete(event.project);
        this.markDue(event.project);
      }, EVENT_DEBOUNCE_MS),
    );
  }

  private markAllDue(why: string): void {
    this.log.debug({ why }, 'all projects due');
    for (const [name, runtime] of this.projects) if (!runtime.suspended) this.markDue(name);
  }

  private markDue(name: string): void {
    if (this.stopping) return;
    const runtime = this.projects.get(name);
    if (!runtime) return;
    // A suspended project only runs when someone waits for it (spin sync).
    if (runtime.suspended && runtime.waiters.length === 0) return;
    this.due.add(name);
    if (this.roundScheduled) return;
    this.roundScheduled = true;
    setImmediate(() => {
      this.roundScheduled = false;
      this.track(this.runRound());
    });
  }

  private track(promise: Promise<void>): void {
    this.inFlight.add(promise);
    void promise.finally(() => this.inFlight.delete(promise));
  }

  private async runRound(): Promise<void> {
    const names = [...this.due].filter((n) => !this.projects.get(n)?.running);
    if (names.length === 0) return;
    for (const name of names) {
      this.due.delete(name);
      const runtime = this.projects.get(name) as ProjectRuntime;
      runtime.running = true;
      runtime.answering = runtime.waiters.splice(0);
      clearTimeout(runtime.timer);
      if (runtime.pin) {
        const status = this.statuses.get(name) ?? unknownStatus(name);
        this.statuses.set(name, { ...status, pinned: runtime.pin });
        runtime.pin = undefined;
      }
    }
    // Polls are network waits, not engine work: they start now, beside the engine list, with
    // their own bound, so a slow git server does not hold pass slots and vice versa.
    // Projects deploying from one repository share its advertisement within the round.
    const adverts: AdvertisementMemo = new Map();
    const heads = new Map(
      names.map((name) => {
        const source = (this.projects.get(name) as ProjectRuntime).ctx.source;
        return [name, settle(this.gitLimiter.run(() => source.resolveHead(adverts)))] as const;
      }),
    );
    let actual;
    try {
      actual = await this.driver.listActual();
    } catch (err) {
      this.log.error({ err: errorMessage(err) }, 'docker engine unreachable');
      await Promise.all(names.map((name) => this.finishWithEngineError(name, errorMessage(err))));
      return;
    }
    await Promise.all(
      names.map(async (name) => {
        const head = heads.get(name) as Promise<Settled<string>>;
        await withTimeout(head, this.config.passTimeoutMs);
        return this.limiter.run(async () => {
          const runtime = this.projects.get(name) as ProjectRuntime;
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
            await this.finishPass(name, outcome);
            return;
          }
          // A hung pass gives its slot back so other projects go on; the project itself stays
          // locked until that pass really ends, so two passes never overlap on one project.
          this.log.error({ project: name, timeoutMs: this.config.passTimeoutMs }, 'reconcile pass timed out');
          const message = `reconcile pass exceeded ${Math.round(this.config.passTimeoutMs / 1000)}s`;
          await this.finishPass(name, this.errorOutcome(name, 'PassTimeout', message, ENGINE_RETRY_MS), true);
          this.track(
            pass.then(() => {
              runtime.running = false;
              if (this.due.has(name)) this.markDue(name);
            }),
          );
        });
      }),
    );
  }

  private async finishWithEngineError(name: string, message: string): Promise<void> {
    await this.finishPass(
      name,
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

  private async finishPass(name: string, outcome: PassOutcome, stillRunning = false): Promise<void> {
    const runtime = this.projects.get(name);
    if (!runtime) return;
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
    runtime.running = stillRunning;
    for (const resolve of runtime.answering.splice(0)) resolve(outcome);
    if (this.stopping) return;
    if (!runtime.suspended) {
      runtime.timer = setTimeout(() => this.markDue(name), alignedDelay(outcome.requeueAfterMs));
      runtime.timer.unref();
    }
    if (this.due.has(name)) this.markDue(name);
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
  if (delayMs < POLL_TICK_MS) return delayMs;
  return Math.ceil((now + delayMs) / POLL_TICK_MS) * POLL_TICK_MS - now;
}
