import { createHash } from 'node:crypto';
import path from 'node:path';
import { DEFAULT_RUNTIME_DIR } from '../config/load.js';
import { projectRuntimeDir } from '../secrets/runtime.js';
import { canonicalJson } from '../util/canonical-json.js';
import type { ProjectConfig } from '../config/types.js';
import type { Driver } from '../drivers/driver.js';
import { SourceError, type GitSource } from '../git/index.js';
import { formatDiagnostic } from '../stack/diagnostics.js';
import { parseDurationMs } from '../util/units.js';
import type { StackModel } from '../stack/model.js';
import type { LastError, ProjectStatus } from '../status/project-status.js';
import { deliverSecrets } from '../secrets/deliver.js';
import { errorMessage } from '../util/errors.js';
import { commitTrust, type SignatureVerdict } from '../trust/index.js';
import type { Logger } from '../util/logger.js';
import { RolloutError, applyPlan, describeAction } from './apply.js';
import { collectCheckouts, materialiseBindSources } from './bind-sources.js';
import { admissionContext, loadDesired, type DesiredResult } from './desired.js';
import { projectHealth } from './health.js';
import { planProject, summarisePlan, type Action, type DesiredState } from './plan.js';
import { isEngineUnavailable, retryDelayMs, MAX_APPLY_ATTEMPTS } from './retry.js';
import { actualForProject, type ActualContainer, type ActualState } from '../model/actual-state.js';

export interface ProjectContext {
  project: ProjectConfig;
  source: GitSource;
  driver: Driver;
  stateDir: string;
  log: Logger;
  /** Parsed commits by sha: a pure function of (commit, env, policy), so safe to keep. */
  desiredCache: Map<string, DesiredResult>;
  /** Signature verdicts by commit, when the project requires signed commits (trust.keys). */
  trustCache?: Map<string, SignatureVerdict>;
  /**
   * The commits the last checkout collection kept (sorted, joined). Only this project's own
   * passes write checkout folders (materialiseBindSources, before applying), and they clear it:
   * while it holds, the folder holds nothing but these commits, and collecting again for the
   * same commits would remove nothing, so an idle pass does not list the folder.
   */
  checkouts?: { collectedFor?: string };
  /** Told when a pass starts changing the engine for a commit (commit status `pending`). */
  onDeployStart?(commit: string, actions: Action[]): void;
}

export interface PassOutcome {
  status: ProjectStatus;
  actions: Action[];
  /** When the next pass should run if nothing else triggers it. */
  requeueAfterMs: number;
  /** Actions that repaired drift (the engine moved away from an already applied commit). */
  driftRepairs: number;
  rolledBack: boolean;
  /** The project's containers as last listed in this pass (for health views and metrics). */
  containers: ActualContainer[];
  /** Each engine action this pass attempted and whether it succeeded (metrics count failures). */
  actionResults?: { kind: Action['kind']; ok: boolean }[];
}

const RECHECK_PROGRESSING_MS = 2_000;
const DESIRED_CACHE_SIZE = 16;
const ENGINE_RETRY_MS = 5_000;

type HealthFields = Pick<ProjectStatus, 'health' | 'healthReason' | 'services'>;

/**
 * One level-triggered pass for one project: read the branch head, gate the commit, choose what
 * should run (the head, or the last healthy commit when the head's rollout failed), plan against
 * what runs (`actualAll`, listed once for the round) and apply. `previous` carries only what the
 * engine cannot tell: the last healthy commit, a failed commit, retry counts.
 */
export async function reconcileProject(
  ctx: ProjectContext,
  actualAll: ActualState,
  previous: ProjectStatus | undefined,
): Promise<PassOutcome> {
  const pass = new Pass(ctx, actualForProject(actualAll, ctx.project.name), previous);
  return pass.run();
}

class Pass {
  private readonly started = Date.now();
  private readonly base: ProjectStatus;
  private readonly actionResults: { kind: Action['kind']; ok: boolean }[] = [];

  constructor(
    private readonly ctx: ProjectContext,
    private actual: ActualState,
    private readonly previous: ProjectStatus | undefined,
  ) {
    this.base = {
      project: ctx.project.name,
      sync: 'Unknown',
      health: 'Unknown',
      healthReason: '',
      services: {},
      appliedCommit: previous?.appliedCommit,
      lastHealthyCommit: previous?.lastHealthyCommit,
      lastReconcile: new Date(this.started).toISOString(),
    };
  }

  async run(): Promise<PassOutcome> {
    const { previous, ctx } = this;
    let head: string;
    try {
      head = await ctx.source.resolveHead();
    } catch (err) {
      const reason = !(err instanceof SourceError)
        ? 'InternalError'
        : err.code === 'fetch-refused'
          ? 'SourceRefused'
          : 'SourceUnavailable';
      return this.finish(
        {
          ...(await this.lastGoodHealth()),
          sync: 'Unknown',
          desiredCommit: previous?.desiredCommit,
          failedCommit: previous?.failedCommit,
          lastError: lastError(reason, errorMessage(err)),
          lastResult: 'error',
        },
        [],
        ctx.project.pollIntervalMs,
      );
    }

    // With trust.keys, an unsigned or foreign head is refused before anything of it is used.
    const untrusted = await this.checkTrust(head);
    if (untrusted) {
      const message = `untrusted commit: ${untrusted}`;
      ctx.log.error({ project: ctx.project.name, commit: head, reason: untrusted }, 'commit refused');
      return this.finish(
        {
          ...(await this.lastGoodHealth()),
          sync: 'OutOfSync',
          desiredCommit: head,
          refusedCommit: head,
          lastError: lastError('UntrustedCommit', message, head),
          lastResult: 'refused',
        },
        [],
        ctx.project.pollIntervalMs,
      );
    }

    // Secrets and configs are read, and their files written, on every pass (outside the cache).
    const gated = await deliverSecrets(ctx, head, await this.desiredAt(head));
    if (!gated.ok) {
      ctx.log.error(
        { project: ctx.project.name, commit: head, errors: gated.diagnostics.map(formatDiagnostic) },
        'commit refused',
      );
      const first = gated.diagnostics[0];
      return this.finish(
        {
          ...(await this.lastGoodHealth()),
          sync: 'OutOfSync',
          desiredCommit: head,
          refusedCommit: head,
          lastError: {
            ...lastError('InvalidCommit', first ? formatDiagnostic(first) : 'commit refused', head),
            diagnostics: gated.diagnostics,
          },
          lastResult: 'refused',
        },
        [],
        ctx.project.pollIntervalMs,
      );
    }

    const pinned = previous?.pinned?.head === head ? previous.pinned : undefined;
    if (pinned) return this.deployPinned(head, pinned);
    // Held only while the commit would run exactly what failed: a rotated secret or edited config
    // gives the same commit a new fingerprint, and it is tried again.
    // A commit that is the last healthy one is never held: its failures are repairs, retried (a
    // status written before repairs were told apart may still name it).
    const failed =
      previous?.failedCommit?.commit === head &&
      previous.lastHealthyCommit !== head &&
      (previous.failedCommit.fingerprint === undefined ||
        previous.failedCommit.fingerprint === fingerprint(gated.desired))
        ? previous.failedCommit
        : undefined;
    if (failed) return this.holdFailedCommit(head, failed);
    return this.deploy(head, gated.desired);
  }

  /** The head's rollout failed before: keep (or restore) the last healthy commit, do not retry. */
  private async holdFailedCommit(
    head: string,
    failed: NonNullable<ProjectStatus['failedCommit']>,
  ): Promise<PassOutcome> {
    const target = await this.rollbackTarget(head);
    let actions: Action[] = [];
    let applyError: LastError | undefined;
    if (target) {
      actions = this.plan(target);
      if (actions.length > 0) applyError = await this.apply(target, actions, 'rollback');
    }
    const health = this.healthOf(target?.model ?? (await this.lastGoodModel()));
    return this.finish(
      {
        ...health,
        health: 'Degraded',
        healthReason: `commit ${head.slice(0, 12)} was rolled back: ${failed.reason}`,
        sync: 'OutOfSync',
        desiredCommit: head,
        appliedCommit: target?.commit ?? this.previous?.appliedCommit,
        failedCommit: failed,
        lastError: applyError ?? lastError('RolloutFailed', failed.reason, head),
        lastResult: 'failed',
        lastPlan: actions.length ? summarisePlan(actions) : undefined,
      },
      actions,
      applyError ? ENGINE_RETRY_MS : this.ctx.project.pollIntervalMs,
      target !== undefined && actions.length > 0,
    );
  }

  /** An operator rolled back: run the pinned commit until the branch moves on. */
  private async deployPinned(
    head: string,
    pinned: NonNullable<ProjectStatus['pinned']>,
  ): Promise<PassOutcome> {
    const result = await deliverSecrets(this.ctx, pinned.commit, await this.desiredAt(pinned.commit));
    if (!result.ok) {
      return this.finish(
        {
          ...(await this.lastGoodHealth()),
          sync: 'OutOfSync',
          desiredCommit: head,
          lastError: lastError(
            'InvalidCommit',
            `rollback target ${pinned.commit.slice(0, 12)} no longer passes the gate`,
          ),
          lastResult: 'refused',
        },
        [],
        this.ctx.project.pollIntervalMs,
      );
    }
    const actions = this.plan(result.desired);
    const applyError = actions.length
      ? await this.apply(result.desired, actions, 'rollback to pinned commit')
      : undefined;
    const health = this.healthOf(result.desired.model);
    return this.finish(
      {
        ...health,
        sync: 'OutOfSync',
        desiredCommit: head,
        appliedCommit: applyError ? this.previous?.appliedCommit : pinned.commit,
        pinned,
        failedCommit: this.previous?.failedCommit,
        lastError: applyError,
        lastResult: actions.length ? (applyError ? 'failed' : 'applied') : 'converged',
        lastPlan: actions.length ? summarisePlan(actions) : undefined,
      },
      actions,
      applyError ? ENGINE_RETRY_MS : this.ctx.project.pollIntervalMs,
      actions.length > 0 && !applyError,
    );
  }

  private async deploy(head: string, desired: DesiredState): Promise<PassOutcome> {
    const { ctx, previous } = this;
    const actions = this.plan(desired);
    if (actions.length === 0) return this.converged(head, desired, []);

    const repairing = previous?.sync === 'Synced' || previous?.lastError?.reason === 'RepairFailed';
    const drift = previous?.appliedCommit === head && repairing ? actions.length : 0;
    if (drift > 0) {
      ctx.log.warn(
        { project: ctx.project.name, commit: head, repairs: actions.map(describeAction) },
        'drift repaired',
      );
    }
    ctx.onDeployStart?.(head, actions);
    try {
      await this.applyOrThrow(desired, actions);
    } catch (err) {
      return this.applyFailed(head, err, actions, desired);
    }
    const outcome = await this.converged(head, desired, actions);
    outcome.driftRepairs = drift;
    return outcome;
  }

  private async converged(head: string, desired: DesiredState, actions: Action[]): Promise<PassOutcome> {
    if (actions.length > 0) await this.relist();
    const health = this.healthOf(desired.model);
    const healthy = health.health === 'Healthy';
    await this.collectCheckouts([head, healthy ? head : this.previous?.lastHealthyCommit]);
    return this.finish(
      {
        ...health,
        sync: 'Synced',
        desiredCommit: head,
        appliedCommit: head,
        lastHealthyCommit: healthy ? head : this.previous?.lastHealthyCommit,
        lastResult: actions.length ? 'applied' : 'converged',
        lastPlan: actions.length ? summarisePlan(actions) : undefined,
      },
      actions,
      healthy || health.health === 'Degraded' ? this.ctx.project.pollIntervalMs : RECHECK_PROGRESSING_MS,
    );
  }

  /**
   * A rollout that did not become ready marks the commit failed (no retry loop) and, unless the
   * service asked to pause, rolls back in the same pass. An engine error is retried with backoff;
   * after MAX_APPLY_ATTEMPTS on one commit it is treated like a failed rollout. Neither applies to
   * the last healthy commit itself: that is a repair (repairFailed).
   */
  private async applyFailed(
    head: string,
    err: unknown,
    actions: Action[],
    desired: DesiredState,
  ): Promise<PassOutcome> {
    const { ctx, previous } = this;
    const message = errorMessage(err);
    if (isEngineUnavailable(err)) {
      await this.relist().catch(() => {});
      return this.finish(
        {
          ...this.healthOf(undefined),
          sync: 'Unknown',
          desiredCommit: head,
          lastError: lastError('EngineUnavailable', message, head),
          lastResult: 'error',
        },
        actions,
        ENGINE_RETRY_MS,
      );
    }
    const attempts = (previous?.retry?.commit === head ? previous.retry.attempts : 0) + 1;
    if (previous?.lastHealthyCommit === head) return this.repairFailed(head, err, actions, attempts);
    const isRollout = err instanceof RolloutError;
    if (!isRollout && attempts < MAX_APPLY_ATTEMPTS) {
      await this.relist();
      const desired = await this.desiredAt(head);
      return this.finish(
        {
          ...this.healthOf(desired.ok ? desired.desired.model : undefined),
          sync: 'OutOfSync',
          desiredCommit: head,
          retry: { commit: head, attempts },
          lastError: lastError(
            'ApplyFailed',
            `${message} (attempt ${attempts} of ${MAX_APPLY_ATTEMPTS})`,
            head,
          ),
          lastResult: 'failed',
          lastPlan: summarisePlan(actions),
        },
        actions,
        retryDelayMs(attempts),
      );
    }
    const reason = isRollout ? err.reason : `gave up after ${attempts} attempts: ${message}`;
    const failedCommit = {
      commit: head,
      reason,
      at: new Date().toISOString(),
      fingerprint: fingerprint(desired),
    };
    ctx.log.error({ project: ctx.project.name, commit: head, reason }, 'commit failed');
    if (isRollout && err.failureAction === 'pause') {
      await this.relist();
      const desired = await this.desiredAt(head);
      return this.finish(
        {
          ...this.healthOf(desired.ok ? desired.desired.model : undefined),
          health: 'Degraded',
          healthReason: `rollout of ${head.slice(0, 12)} paused: ${reason}`,
          sync: 'OutOfSync',
          desiredCommit: head,
          failedCommit,
          lastError: lastError('RolloutFailed', reason, head),
          lastResult: 'failed',
        },
        actions,
        ctx.project.pollIntervalMs,
      );
    }
    const rolledBack = await this.holdFailedCommit(head, failedCommit);
    rolledBack.actions = [...actions, ...rolledBack.actions];
    return rolledBack;
  }

  /**
   * Repairing drift of the commit that was already healthy failed (a recreated container exited
   * or stayed unhealthy, or an engine call failed). The commit is not at fault the way a new
   * rollout is, and there is nothing older to roll back to: it stays applied and healthy-known,
   * and the repair is retried with capped backoff (engine events wake the project sooner), with
   * no bound on the attempts.
   */
  private async repairFailed(
    head: string,
    err: unknown,
    actions: Action[],
    attempts: number,
  ): Promise<PassOutcome> {
    const { ctx } = this;
    const what = err instanceof RolloutError ? `${err.service}: ${err.reason}` : errorMessage(err);
    ctx.log.warn({ project: ctx.project.name, commit: head, reason: what, attempts }, 'repair failed');
    await this.relist();
    const desired = await this.desiredAt(head);
    return this.finish(
      {
        ...this.healthOf(desired.ok ? desired.desired.model : undefined),
        health: 'Degraded',
        healthReason: `repair of ${what} failed; retrying (attempt ${attempts})`,
        sync: 'OutOfSync',
        desiredCommit: head,
        retry: { commit: head, attempts },
        lastError: lastError('RepairFailed', what, head),
        lastResult: 'failed',
        lastPlan: summarisePlan(actions),
      },
      actions,
      retryDelayMs(attempts),
    );
  }

  /** With `trust.keys`, the head must carry a valid signature by one of them; returns why not. */
  private async checkTrust(commit: string): Promise<string | undefined> {
    const { project, source, trustCache } = this.ctx;
    const verdict = await commitTrust(project, source.gitdir, commit, trustCache);
    return verdict && !verdict.ok ? verdict.reason : undefined;
  }

  private async rollbackTarget(head: string): Promise<DesiredState | undefined> {
    const commit = this.previous?.lastHealthyCommit;
    if (!commit || commit === head) return undefined;
    const result = await deliverSecrets(this.ctx, commit, await this.desiredAt(commit));
    return result.ok ? result.desired : undefined;
  }

  /**
   * Checkout folders of commits no live container of the project uses (by its spin.commit label),
   * other than `keep` (the commit applied, the last healthy one), are removed after a converged
   * pass. A failure here is logged and never fails the pass.
   */
  private async collectCheckouts(keep: (string | undefined)[]): Promise<void> {
    const { ctx } = this;
    const live = this.actual.containers.map((c) => c.commit);
    const commits = new Set([...keep, ...live].filter((c): c is string => c !== undefined));
    const key = [...commits].sort().join(' ');
    if (ctx.checkouts?.collectedFor === key) return;
    try {
      const removed = await collectCheckouts(ctx.stateDir, ctx.project.name, commits);
      if (ctx.checkouts) ctx.checkouts.collectedFor = key;
      if (removed.length > 0) ctx.log.info({ project: ctx.project.name, removed }, 'checkouts removed');
    } catch (err) {
      ctx.log.warn({ project: ctx.project.name, error: errorMessage(err) }, 'checkouts not removed');
    }
  }

  private plan(desired: DesiredState): Action[] {
    const pruneVolumes = this.ctx.project.policy.volumes?.prune === true;
    return planProject(desired, this.actual, { pruneVolumes });
  }

  private async applyOrThrow(desired: DesiredState, actions: Action[]): Promise<void> {
    const { ctx } = this;
    if (ctx.checkouts) ctx.checkouts.collectedFor = undefined;
    const resolveBindSource = await materialiseBindSources(
      desired.model,
      ctx.source.readerAt(desired.commit),
      {
        stateDir: ctx.stateDir,
        commit: desired.commit,
        stackDir: ctx.project.path,
      },
    );
    await applyPlan(actions, {
      driver: ctx.driver,
      desired,
      resolveBindSource,
      admission: admissionContext(desired.model, ctx.project.policy, [
        // Where materialiseBindSources writes repository files, and where secrets are delivered.
        path.join(ctx.stateDir, 'checkouts', desired.model.project, desired.commit),
        projectRuntimeDir(ctx.project.secrets?.runtimeDir ?? DEFAULT_RUNTIME_DIR, desired.model.project),
      ]),
      minHealthcheckIntervalMs: parseDurationMs(ctx.project.policy.resources.minHealthcheckInterval) ?? 0,
      onAction: (action, outcome) => {
        this.actionResults.push({ kind: action.kind, ok: outcome.ok });
        ctx.log.info(
          { project: ctx.project.name, commit: desired.commit, action: describeAction(action), ...outcome },
          outcome.ok ? 'action done' : 'action failed',
        );
      },
    });
  }

  /** Applies and relists; returns the error as a status value instead of throwing. */
  private async apply(desired: DesiredState, actions: Action[], why: string): Promise<LastError | undefined> {
    this.ctx.log.warn(
      { project: this.ctx.project.name, commit: desired.commit, actions: actions.length },
      why,
    );
    try {
      await this.applyOrThrow(desired, actions);
      await this.relist();
      return undefined;
    } catch (err) {
      await this.relist().catch(() => {});
      return lastError(
        isEngineUnavailable(err) ? 'EngineUnavailable' : 'ApplyFailed',
        errorMessage(err),
        desired.commit,
      );
    }
  }

  private async relist(): Promise<void> {
    this.actual = actualForProject(await this.ctx.driver.listActual(), this.ctx.project.name);
  }

  private async desiredAt(commit: string): Promise<DesiredResult> {
    const { ctx } = this;
    const cached = ctx.desiredCache.get(commit);
    if (cached) return cached;
    const result = await loadDesired(ctx.source.readerAt(commit), commit, {
      project: ctx.project.name,
      env: ctx.project.env,
      stackDir: ctx.project.path,
      policy: ctx.project.policy,
    });
    ctx.desiredCache.set(commit, result);
    // Bounded: the head, the last healthy commit and a few recent ones are all a pass ever needs.
    if (ctx.desiredCache.size > DESIRED_CACHE_SIZE) {
      const oldest = ctx.desiredCache.keys().next().value;
      if (oldest !== undefined) ctx.desiredCache.delete(oldest);
    }
    return result;
  }

  /** The model of the last applied commit, to judge health while the head cannot be used. */
  private async lastGoodModel(): Promise<StackModel | undefined> {
    const commit = this.previous?.appliedCommit;
    if (!commit) return undefined;
    try {
      const result = await this.desiredAt(commit);
      return result.ok ? result.desired.model : undefined;
    } catch {
      return undefined;
    }
  }

  private async lastGoodHealth(): Promise<HealthFields> {
    return this.healthOf(await this.lastGoodModel());
  }

  private healthOf(model: StackModel | undefined): HealthFields {
    if (!model) {
      return this.actual.containers.length === 0
        ? { health: 'Missing', healthReason: 'nothing deployed yet', services: {} }
        : { health: 'Unknown', healthReason: 'no applied commit to compare with', services: {} };
    }
    const verdict = projectHealth(model, this.actual.containers);
    return { health: verdict.health, healthReason: verdict.reason, services: verdict.services };
  }

  private finish(
    fields: Partial<ProjectStatus>,
    actions: Action[],
    requeueAfterMs: number,
    rolledBack = false,
  ): PassOutcome {
    const status: ProjectStatus = { ...this.base, ...fields, lastDurationMs: Date.now() - this.started };
    // 500 projects polled every 10 s make 3000 idle passes a minute: those log at debug, and any
    // pass that acts, fails or changes what `status` shows logs at info.
    const prev = this.previous;
    const idle =
      actions.length === 0 &&
      status.lastResult === 'converged' &&
      prev?.lastResult === 'converged' &&
      prev.sync === status.sync &&
      prev.health === status.health &&
      prev.desiredCommit === status.desiredCommit;
    this.ctx.log[idle ? 'debug' : 'info'](
      {
        project: status.project,
        commit: status.desiredCommit,
        result: status.lastResult,
        sync: status.sync,
        health: status.health,
        actions: actions.length,
        durationMs: status.lastDurationMs,
      },
      'reconcile pass',
    );
    return {
      status,
      actions,
      requeueAfterMs,
      driftRepairs: 0,
      rolledBack,
      containers: this.actual.containers,
      actionResults: [...this.actionResults],
    };
  }
}

function lastError(reason: LastError['reason'], message: string, commit?: string): LastError {
  return { reason, message, commit, at: new Date().toISOString() };
}

/** What a commit would run, as one value: its services' config hashes (secrets and configs included). */
function fingerprint(desired: DesiredState): string {
  return createHash('sha256').update(canonicalJson(desired.hashes)).digest('hex').slice(0, 16);
}
