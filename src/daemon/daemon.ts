import type { SpinConfig, ProjectConfig } from '../config/types.js';
import type { Driver, EngineEvent } from '../drivers/driver.js';
import { createGitSource, timedSource, type GitSource } from '../git/index.js';
import type { PassOutcome } from '../reconciler/reconcile-project.js';
import type { Action } from '../reconciler/plan.js';
import { previewPlan, type PlanPreview } from '../reconciler/preview.js';
import { previewDiff, type DiffPreview } from '../reconciler/diff-preview.js';
import { commitReads } from '../reconciler/commit-reads.js';
import { gateCommit, type GateVerdict } from '../reconciler/gate.js';
import type { ActualContainer } from '../model/actual-state.js';
import type { ProjectStatus } from '../status/project-status.js';
import type { Logger } from '../util/logger.js';
import { EngineEventLog, type EngineEventEntry } from './engine-event-log.js';
import { describeEngineError } from '../drivers/engine-error.js';
import { EngineSet, engineOf } from './engine-set.js';
import { PassQueue } from './pass-queue.js';
import { PassRound, type PassListener } from './pass-round.js';
import { pollDue } from './poll-schedule.js';
import { ProjectRegistry, type ProjectRuntime } from './project-registry.js';
import { DaemonReadView } from './read-view.js';
import { Semaphore } from './semaphore.js';
import { PersistedStatuses } from './status-persistence.js';
import type { WakeReason } from './work-queue.js';
import { schedule, type ScheduledTask } from 'node-cron';
import { imageMemory } from '../reconciler/image-pins.js';
import { RepairLane } from '../reconciler/repair-lane.js';
import { withTimeout } from '../util/promises.js';

/**
 * How long `spin sync` waits on for a rollout that its pass left progressing: past the longest
 * readiness window (10 minutes) and a dependency's wait (2 minutes).
 */
const SYNC_WAIT_MS = 15 * 60_000;

export { alignedDelay, nextWake, pollDue } from './poll-schedule.js';

/** Side channels of a pass that are not the daemon's business: commit statuses, metrics. */
export interface DaemonHooks {
  onDeployStart?(project: ProjectConfig, commit: string, actions: Action[], passId?: string): void;
  onGitPoll?(project: string, durationMs: number, ok: boolean): void;
  /** Whether an engine's list answered in a round (spin_engine_up{engine}). */
  onEngineList?(engine: string, ok: boolean): void;
  /** Each HTTP request to a project's git remote (benchmarks count them). */
  onGitRequest?(project: string, kind: 'advertise' | 'fetch'): void;
}

/**
 * The reconcile loop, composed of: the project registry, a pass queue (wake-ups coalesced and never
 * dropped: a project woken while its pass runs runs again right after; rounds; timers; waiters),
 * the round that lists the engine once and runs the due passes (PassRound), the persisted statuses
 * and the read view the API serves. The daemon itself only turns what happens (poll clock, engine
 * drift, the cron resync, file watcher, webhook, `spin sync`, operator verbs, config reloads) into
 * wake-ups. Nothing is carried between passes but caches: a restart loses nothing.
 */
export class Daemon {
  private readonly registry = new ProjectRegistry();
  private readonly statuses: PersistedStatuses;
  private readonly engines: EngineSet;
  private readonly queue: PassQueue<PassOutcome>;
  private readonly round: PassRound;
  private readonly view: DaemonReadView;
  private readonly engineEvents = new EngineEventLog();
  private closeEvents: (() => void)[] = [];
  private resyncTask?: ScheduledTask;
  private imageUpdateTask?: ScheduledTask;
  private readonly passListeners: PassListener[] = [];
  private readonly suspendListeners: ((name: string, suspended: boolean) => void)[] = [];

  /**
   * `drivers`: one per configured engine, by name; a lone Driver is the engine `default`. The
   * engines are fixed for the life of the daemon (a reload that changes them warns).
   */
  constructor(
    private config: SpinConfig,
    drivers: Driver | ReadonlyMap<string, Driver>,
    private readonly log: Logger,
    private readonly hooks: DaemonHooks = {},
  ) {
    this.statuses = new PersistedStatuses(config.stateDir);
    this.engines = new EngineSet(drivers);
    this.queue = new PassQueue<PassOutcome>({
      runRound: (batch) => this.round.run(batch),
      onWake: (names) => {
        for (const name of names) this.wake(name);
      },
    });
    this.round = new PassRound({
      config: () => this.config,
      registry: this.registry,
      statuses: this.statuses,
      queue: this.queue,
      engines: this.engines,
      limiter: new Semaphore(config.concurrency),
      gitLimiter: new Semaphore(config.gitConcurrency),
      passListeners: this.passListeners,
      onEngineList: (engine, ok) => this.hooks.onEngineList?.(engine, ok),
      log,
    });
    this.view = new DaemonReadView(this.registry, this.statuses, () => this.config);
  }

  async start(): Promise<void> {
    for (const project of this.config.projects) await this.addProject(project);
    // One event stream per engine: an engine that goes away reconnects on its own and wakes
    // only its projects when it is back.
    this.closeEvents = this.engines
      .all()
      .map((engine) => engine.driver.watchEvents((event) => this.onEngineEvent(engine.name, event)));
    // The event stream can miss things (engine restarts, dropped connections): a periodic full
    // resync marks every project due, so drift is repaired within one schedule period regardless.
    this.resyncTask = schedule(this.config.resyncSchedule, () => this.wakeAll('resync'), {
      noOverlap: true,
    });
    // Followed tags (x-spin imageUpdates, a project's imageUpdates) are checked on their own
    // schedule: the flag rides on each project's next pass, which asks the registry.
    this.imageUpdateTask = schedule(this.config.imageUpdateSchedule, () => this.imageUpdatesDue(), {
      noOverlap: true,
    });
    this.log.info(
      { projects: this.config.projects.length, stateDir: this.config.stateDir },
      'daemon started',
    );
  }

  /** The driver of the engine a project runs on (logs, plans); undefined for an unknown project. */
  driverOf(name: string): Driver | undefined {
    const runtime = this.registry.get(name);
    return runtime && this.engines.get(engineOf(runtime.ctx.project))?.driver;
  }

  /** Each engine's answer to a ping: 'ok', or why it did not answer (for /readyz). */
  async pingEngines(): Promise<Record<string, string>> {
    const answers = await Promise.all(
      this.engines.all().map(async (engine) => {
        const answer = await engine.driver.ping().then(
          () => 'ok',
          (err: unknown) => describeEngineError(err),
        );
        this.hooks.onEngineList?.(engine.name, answer === 'ok');
        return [engine.name, answer] as const;
      }),
    );
    return Object.fromEntries(answers);
  }

  /**
   * Reconcile now; resolves when that pass has finished and, when it ended progressing (a rollout
   * on its way: passes do not wait for readiness), when the passes after it, woken as they
   * asked, have converged (at most SYNC_WAIT_MS, past every readiness deadline).
   */
  async syncNow(name: string): Promise<PassOutcome> {
    if (!this.registry.has(name)) throw new Error(`unknown project '${name}'`);
    const done = this.queue.wait(name);
    this.markDue(name, 'poll');
    let outcome = await done;
    const until = Date.now() + SYNC_WAIT_MS;
    const actions = [...outcome.actions];
    while (outcome.progressing && !this.queue.stopped && this.registry.get(name)?.suspended === false) {
      const left = until - Date.now();
      if (left <= 0) break;
      const next = await withTimeout(this.queue.wait(name), left);
      if (!next) break;
      outcome = next;
      actions.push(...outcome.actions);
    }
    // What the caller is told was applied: every pass's actions, the rollout's as one.
    return { ...outcome, actions };
  }

  /** Projects waiting for a pass and projects whose pass runs now (metrics). */
  queueStats(): { due: number; running: number } {
    return this.queue.stats;
  }

  /** Mark a project due without waiting (webhooks, watchers). */
  trigger(name: string): boolean {
    if (!this.registry.has(name)) return false;
    this.markDue(name, 'poll');
    return true;
  }

  // The read view, as the API and dashboard use it.
  status(name: string): ProjectStatus | undefined {
    return this.view.status(name);
  }

  allStatuses(): ProjectStatus[] {
    return this.view.allStatuses();
  }

  projectNames(): string[] {
    return this.view.projectNames();
  }

  /** The last persisted or computed status, even before the first pass of this run. */
  persistedStatus(name: string): ProjectStatus | undefined {
    return this.view.persistedStatus(name);
  }

  project(name: string): { config: ProjectConfig; source: GitSource } | undefined {
    return this.view.project(name);
  }

  /** Environments' internal names -> their project (a token's grant on a project covers them). */
  environmentOwners(): Map<string, string> {
    const owners = new Map<string, string>();
    for (const name of this.projectNames()) {
      const environment = this.project(name)?.config.environment;
      if (environment) owners.set(name, environment.project);
    }
    return owners;
  }

  /** The actions of the last pass that had any. */
  lastActions(name: string): { at: string; actions: Action[] } | undefined {
    return this.view.lastActions(name);
  }

  /** The project's containers as listed by its last pass. */
  containers(name: string): ActualContainer[] {
    return this.view.containers(name);
  }

  currentConfig(): SpinConfig {
    return this.view.currentConfig();
  }

  /** What a pass would do now for the head (or `commit`), changing nothing. */
  planNow(name: string, commit?: string, purpose: 'deploy' | 'review' = 'deploy'): Promise<PlanPreview> {
    const runtime = this.registry.get(name);
    if (!runtime) return Promise.reject(new Error(`unknown project '${name}'`));
    return previewPlan({
      project: runtime.ctx.project,
      source: runtime.ctx.source,
      driver: runtime.ctx.driver,
      commit,
      trustCache: runtime.ctx.trustCache,
      purpose,
      imageUpdates: this.statuses.get(name)?.imageUpdates,
    });
  }

  /**
   * The project's own gate on `commit` (already in its source's cache), as its next pass would
   * run it, changing nothing: secrets previewed, not written; the engine's pure rules, no call to
   * the engine (a promotion is judged even while the engine is down).
   */
  gateNow(name: string, commit: string): Promise<GateVerdict> {
    const runtime = this.registry.get(name);
    if (!runtime) return Promise.reject(new Error(`unknown project '${name}'`));
    const { ctx } = runtime;
    const reads = commitReads({
      project: ctx.project,
      source: ctx.source,
      engine: ctx.driver,
      trustCache: ctx.trustCache,
      desiredCache: ctx.desiredCache,
      secrets: { mode: 'preview' },
    });
    return gateCommit(commit, reads);
  }

  /**
   * What would change for each service, field by field, between what runs (the spec at the
   * commit its containers carry) and the commit a pass would deploy (the pinned one, else the
   * head), or `commit`. Reads the containers the last pass listed: no engine call.
   */
  diffNow(name: string, commit?: string, purpose: 'deploy' | 'review' = 'deploy'): Promise<DiffPreview> {
    const runtime = this.registry.get(name);
    if (!runtime) return Promise.reject(new Error(`unknown project '${name}'`));
    return previewDiff({
      project: runtime.ctx.project,
      source: runtime.ctx.source,
      containers: runtime.containers,
      engine: runtime.ctx.driver,
      commit: commit ?? runtime.pin?.commit ?? this.statuses.current(name).pinned?.commit,
      trustCache: runtime.ctx.trustCache,
      desiredCache: runtime.ctx.desiredCache,
      purpose,
    });
  }

  /** The project's last engine events (container created, died, removed, ...), oldest first. */
  engineEventsOf(name: string): EngineEventEntry[] {
    return this.engineEvents.list(name);
  }

  /** Suspend or resume reconciling; what runs is left alone either way. */
  async setSuspended(name: string, suspended: boolean): Promise<ProjectStatus> {
    const runtime = this.registry.get(name);
    if (!runtime) throw new Error(`unknown project '${name}'`);
    runtime.suspended = suspended;
    this.queue.cancelWake(name);
    const status = { ...this.statuses.current(name), suspended };
    await this.statuses.save(status);
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
    const runtime = this.registry.get(name);
    if (!runtime) throw new Error(`unknown project '${name}'`);
    const head = this.statuses.current(name).desiredCommit;
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
    // git.caFile is not fixed: it is copied into each project's git: at load, so it reloads with them.
    const fixed = (c: SpinConfig) =>
      JSON.stringify([
        c.api,
        c.concurrency,
        c.gitConcurrency,
        { ...c.git, caFile: undefined },
        c.stateDir,
        c.docker,
        c.engines,
        c.resyncSchedule,
      ]);
    if (fixed(next) !== fixed(this.config)) {
      this.log.warn(
        'api, concurrency, gitConcurrency, git, stateDir, docker, engines and resyncSchedule changes take effect after a restart',
      );
    }
    this.config = {
      ...next,
      api: this.config.api,
      concurrency: this.config.concurrency,
      gitConcurrency: this.config.gitConcurrency,
      // Each project's git source holds the limits it was made with.
      git: this.config.git,
      stateDir: this.config.stateDir,
    };
    for (const name of before.keys()) {
      if (!after.has(name)) {
        removed.push(name);
        await this.removeProject(name);
        this.engineEvents.forget(name);
      }
    }
    for (const [name, project] of after) {
      if (!before.has(name)) added.push(name);
      else if (before.get(name) !== JSON.stringify(project)) changed.push(name);
      else continue;
      await this.removeProject(name);
      await this.addProject(project);
    }
    this.log.info({ added, removed, changed }, 'config reloaded');
    return { added, removed, changed };
  }

  onPass(listener: PassListener): void {
    this.passListeners.push(listener);
  }

  /** Told when a project is added (with its initial state) and when it is suspended or resumed. */
  onSuspended(listener: (name: string, suspended: boolean) => void): void {
    this.suspendListeners.push(listener);
  }

  /** Stops scheduling, waits for running passes, closes watchers. Containers keep running. */
  async stop(): Promise<void> {
    this.queue.stop();
    for (const close of this.closeEvents) close();
    await this.resyncTask?.destroy();
    await this.imageUpdateTask?.destroy();
    for (const runtime of this.registry.runtimes()) await runtime.closeWatch?.();
    // Passes normally finish quickly; a hung one (it already timed out) is not waited for forever.
    if (!(await this.queue.drain(this.config.passTimeoutMs))) {
      this.log.warn({ passes: this.queue.runningCount }, 'stopped with passes still hanging');
    }
    this.log.info('daemon stopped');
  }

  private async addProject(project: ProjectConfig): Promise<void> {
    const engine = this.engines.get(engineOf(project)) ?? this.engines.all()[0];
    // Only after a reload names an engine the daemon was not started with: its passes report
    // EngineUnavailable (PassRound finds no such engine) and never use this stand-in driver.
    if (!engine) throw new Error('the daemon has no engine');
    const source = timedSource(
      createGitSource(project, this.config.stateDir, this.config.git, (kind) =>
        this.hooks.onGitRequest?.(project.name, kind),
      ),
      (ms, ok) => this.hooks.onGitPoll?.(project.name, ms, ok),
    );
    const runtime: ProjectRuntime = {
      ctx: {
        project,
        source,
        driver: engine.driver,
        stateDir: this.config.stateDir,
        log: this.log.child({ project: project.name }),
        desiredCache: new Map(),
        trustCache: new Map(),
        checkouts: {},
        idle: {},
        images: imageMemory(),
        repairLane: new RepairLane(),
        onProgress: (progress) => {
          runtime.progress = progress;
        },
        onDeployStart: (commit, actions, passId) => {
          this.log.debug({ project: project.name, pass: passId, actions: actions.length }, 'deploy planned');
          this.hooks.onDeployStart?.(project, commit, actions, passId);
        },
      },
      suspended: false,
      containers: [],
    };
    this.registry.add(runtime);
    const previous = await this.statuses.load(project.name);
    runtime.suspended = project.suspended || previous?.suspended === true;
    runtime.closeWatch = await source.watch(() => {
      this.log.debug({ project: project.name }, 'repository changed');
      this.markDue(project.name, 'poll');
    });
    for (const listener of this.suspendListeners) listener(project.name, runtime.suspended);
    if (runtime.suspended) {
      this.statuses.set(project.name, { ...this.statuses.current(project.name), suspended: true });
      return;
    }
    this.markDue(project.name, 'poll');
  }

  private async removeProject(name: string): Promise<void> {
    const runtime = this.registry.get(name);
    if (!runtime) return;
    this.queue.cancelWake(name);
    await runtime.closeWatch?.();
    this.registry.delete(name);
    this.queue.forget(name);
  }

  /** The driver hands over only what it judges drift (or a reconnect); the daemon never filters. */
  private onEngineEvent(engine: string, event: EngineEvent): void {
    if (event.kind === 'reconnected') {
      // (Re)connected after the engine was away: anything may have happened meanwhile, on that
      // engine; the others' projects are not its business.
      this.log.debug({ engine }, 'engine connected; its projects are due');
      this.engines.get(engine)?.snapshot.markStale();
      for (const [name, runtime] of this.registry.entries()) {
        if (!runtime.suspended && engineOf(runtime.ctx.project) === engine) this.wake(name);
      }
      return;
    }
    const runtime = this.registry.get(event.project);
    // A project of the same name on another engine (a leftover, another daemon's) is not ours.
    if (!runtime || engineOf(runtime.ctx.project) !== engine) return;
    this.engineEvents.record(event);
    this.log.debug(
      { project: event.project, action: event.action, container: event.name, engineAt: event.at },
      'engine event',
    );
    // At once, no debounce: the queue coalesces a burst (`die` and `stop` or `destroy` come
    // milliseconds apart, and a round is only started by setImmediate), and an event while the
    // project's pass runs marks it to run again right after: never dropped. Spin's own actions
    // cause one more pass at most, which finds nothing to do. Networks and volumes are not marked
    // stale: container events do not change them, and a pass whose action fails on one that an
    // operator removed marks them stale for its retry (PassRound).
    this.markDue(event.project, 'replan');
    // The running pass may repair it now, beside its own steps, rather than after them: the
    // pass marked dirty above still follows (repair-lane.ts).
    if (event.resource && this.queue.isRunning(event.project))
      runtime.ctx.repairLane?.request(event.resource, event.outside === true);
  }

  /** The resync (and an engine reconnect): every project replans; those whose poll is due poll. */
  private wakeAll(why: string): void {
    this.log.debug({ why }, 'all projects due');
    this.engines.markAllStale();
    for (const [name, runtime] of this.registry.entries()) if (!runtime.suspended) this.wake(name);
  }

  /** The image-update schedule fired: every project's next pass checks the tags it follows. */
  private imageUpdatesDue(): void {
    this.log.debug('image update checks due');
    for (const [name, runtime] of this.registry.entries()) {
      if (runtime.suspended) continue;
      if (runtime.ctx.images) runtime.ctx.images.updateDue = true;
      this.wake(name);
    }
  }

  /** A wake-up with no reason of its own (clock, resync): git only when the poll is due. */
  private wake(name: string): void {
    const runtime = this.registry.get(name);
    if (runtime) this.markDue(name, pollDue(runtime, Date.now()) ? 'poll' : 'replan');
  }

  private markDue(name: string, reason: WakeReason): void {
    if (this.queue.stopped) return;
    const runtime = this.registry.get(name);
    if (!runtime) return;
    // A suspended project only runs when someone waits for it (spin sync).
    if (runtime.suspended && !this.queue.hasWaiters(name)) return;
    this.queue.add(name, reason);
  }
}
