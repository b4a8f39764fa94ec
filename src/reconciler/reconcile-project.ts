import path from 'node:path';
import { DEFAULT_RUNTIME_DIR } from '../config/load.js';
import { projectRuntimeDir } from '../secrets/runtime.js';
import type { ProjectConfig } from '../config/types.js';
import type { Driver } from '../drivers/driver.js';
import { DEFAULT_ENGINE } from '../config/engines.js';
import { describeEngineError } from '../drivers/engine-error.js';
import { SourceError, type GitSource } from '../git/index.js';
import { formatDiagnostic } from '../stack/diagnostics.js';
import { parseDurationMs } from '../util/units.js';
import type { StackModel } from '../stack/model.js';
import type { LastError, ProjectStatus } from '../status/project-status.js';
import { errorMessage } from '../util/errors.js';
import type { SignatureVerdict } from '../trust/index.js';
import type { Logger } from '../util/logger.js';
import { applyPlan, describeAction, type ApplyContext, type ApplyOutcome } from './apply.js';
import type { RepairLane } from './repair-lane.js';
import { RolloutError } from '../drivers/rollout-error.js';
import { collectCheckouts, materialiseBindSources } from './bind-sources.js';
import {
  chooseAfterFailure,
  chooseRun,
  desiredFingerprint,
  driftRepairCount,
  type FailedCommit,
  type PinnedCommit,
} from './choose.js';
import { commitReads } from './commit-reads.js';
import type { DesiredResult } from './desired.js';
import { gateCommit, type GateOptions, type GateReads, type GateVerdict } from './gate.js';
import { isIdlePass, passStatus, type HealthFields, type PassMark } from './pass-status.js';
import {
  engineFingerprint,
  isMemoisable,
  repeatsIdlePass,
  type IdleMemo,
  type IdleMemoSlot,
} from './idle-memo.js';
import { planSteps, type Action, type DesiredState, type Plan } from './plan.js';
import { isEngineUnavailable } from './retry.js';
import { actualForProject, type ActualContainer, type ActualState } from '../model/actual-state.js';
import { describePullProgress, ImagePullError, imagePullErrorOf, type ImagePin } from '../model/image.js';
import { registryAuthFor } from '../config/registry-auth.js';
import { projectSecretReader } from '../secrets/project-secret.js';
import { listTags } from '../drivers/registry/tag-list.js';
import { semverImageCommit } from './semver-commit.js';
import { loadCommitSigningKey } from './commit-signer.js';
import {
  pinImages,
  withDigests,
  type ImageMemory,
  type ImageUpdate,
  type ImageUpdateRecord,
  type PinResult,
} from './image-pins.js';
import {
  dropStaleInFlight,
  markInFlight,
  restoreImageMemory,
  savedImageUpdates,
  settledImageUpdates,
} from './image-update-memory.js';

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
  /** Image-update checks due, digests that failed their rollout (image-pins.ts); none: no updates. */
  images?: ImageMemory;
  /** The last idle pass, repeated without gating or planning while nothing changed (idle-memo.ts). */
  idle?: IdleMemoSlot;
  /** Told what a running pass is doing (a pull's progress), for the status's `progress` field. */
  onProgress?(progress: string): void;
  /** Told when a pass starts changing the engine for a commit (commit status `pending`). */
  onDeployStart?(commit: string, actions: Action[], passId?: string): void;
  /** Drift the engine reports while a pass runs, repaired beside it (repair-lane.ts). */
  repairLane?: RepairLane;
  /**
   * The head this pass deploys, when the caller already asked for it (the daemon's round shares
   * one ref advertisement per repository); otherwise the pass asks the source.
   */
  head?: () => Promise<string>;
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
  /** Set by the daemon's pass round (src/util/pass-id.ts): ties logs, history and statuses. */
  passId?: string;
  /** Followed tags that moved in this pass, rolled out or rolled back (history records both digests). */
  imageUpdates?: ImageUpdateRecord[];
  /** The pass repeated the last idle pass's answer without gating or planning (idle-memo.ts). */
  repeated?: boolean;
  /** Commits this pass wrote for newer tags in a semver range (deploy branch, or review branch). */
  imageCommits?: ImageCommitRecord[];
  /**
   * Set when a step of this pass was still on its way (a new replica not ready yet): the pass did
   * not wait for it and asks to be run again after `retryAfterMs`. `spin sync` waits on.
   */
  progressing?: { retryAfterMs: number; reason: string };
}

/** One semver image-update commit, for logs and history. */
export interface ImageCommitRecord {
  commit: string;
  /** Review mode: the branch it was proposed on (the deploy branch did not move). */
  branch?: string;
  updates: { service: string; from: string; to: string; range: string }[];
}

/**
 * One level-triggered pass for one project: read the branch head, gate the commit, choose what
 * should run (the head, a pinned commit, or the last healthy commit when the head's rollout
 * failed: `chooseRun`), plan against what runs (`actualAll`, listed once for the round) and
 * apply. Each way out marks where the pass ended (`PassMark`); the status is built from the mark
 * once (`passStatus`). `previous` carries only what the engine cannot tell: the last healthy
 * commit, a failed commit, retry counts.
 */
export async function reconcileProject(
  ctx: ProjectContext,
  actualAll: ActualState,
  previous: ProjectStatus | undefined,
): Promise<PassOutcome> {
  const pass = new Pass(ctx, actualForProject(actualAll, ctx.project.name), previous);
  const lane = ctx.repairLane;
  try {
    const outcome = await pass.run();
    // Repairs started while the pass judged what runs belong to it too. (Most passes never
    // applied: nothing to wait for, and nothing to await on the hot path of an idle poll.)
    if (lane?.isOpen) await lane.drain();
    return pass.withLateRepairs(outcome);
  } finally {
    // Never two writers at once: a pass that threw still waits for its side repairs.
    if (lane?.isOpen) await lane.close();
    lane?.reset();
  }
}

/** Executes what `chooseRun` and `chooseAfterFailure` decide; observes and acts, decides nothing. */
class Pass {
  private readonly started = Date.now();
  private readonly actionResults: { kind: Action['kind']; ok: boolean }[] = [];
  private readonly reads: GateReads;
  /** What each service of the commit that runs is pinned to, for the status. */
  private pins: Record<string, ImagePin> | undefined;
  private readonly imageUpdates: ImageUpdateRecord[] = [];
  private readonly imageCommits: ImageCommitRecord[] = [];
  /** The soonest a step of this pass asked to be looked at again (it did not wait for it). */
  private progressing: { retryAfterMs: number; reason: string } | undefined;
  /** What side repairs (repair-lane.ts) did beside this pass's own plan: drift repairs all. */
  private readonly sideActions: Action[] = [];
  /** How many side actions and action results the outcome `finish` made already holds. */
  private reported = { sideActions: 0, actionResults: 0 };

  constructor(
    private readonly ctx: ProjectContext,
    private actual: ActualState,
    private readonly previous: ProjectStatus | undefined,
  ) {
    this.reads = commitReads({
      project: ctx.project,
      source: ctx.source,
      engine: ctx.driver,
      trustCache: ctx.trustCache,
      desiredCache: ctx.desiredCache,
      secrets: { mode: 'deliver', stateDir: ctx.stateDir, log: ctx.log },
    });
  }

  async run(): Promise<PassOutcome> {
    const { previous, ctx } = this;
    // After a restart (or a config reload), the image updates in flight and the rejected digests
    // the last status kept.
    if (ctx.images) restoreImageMemory(ctx.images, previous?.imageUpdates);
    let head: string;
    try {
      head = await (ctx.head ? ctx.head() : ctx.source.resolveHead());
    } catch (err) {
      const reason = !(err instanceof SourceError)
        ? 'InternalError'
        : err.code === 'fetch-refused'
          ? 'SourceRefused'
          : 'SourceUnavailable';
      return this.finish(
        { kind: 'unreachable', reason, message: errorMessage(err) },
        await this.lastGoodHealth(),
      );
    }

    const engine = engineFingerprint(this.actual);
    const memo = ctx.idle?.memo;
    const updatesDue = ctx.images?.updateDue === true;
    if (repeatsIdlePass(memo, { head, engine, previous, now: this.started, updatesDue }))
      return this.repeatIdle(memo);
    if (ctx.idle) ctx.idle.memo = undefined;

    // With trust.keys, an unsigned or foreign head is refused before anything of it is used.
    let verdict = await this.gate(head);
    if (!verdict.ok) return this.refused(head, verdict);

    // Image-update checks ride on the next pass after the schedule fired, whatever woke it.
    if (ctx.images) ctx.images.updateDue = false;
    // A newer tag in a semver range becomes a commit on the branch; this pass goes on with it,
    // through the same gate as any other head.
    const committed = updatesDue ? await this.semverUpdate(head, verdict.desired.model) : undefined;
    if (committed) {
      head = committed;
      verdict = await this.gate(head);
      if (!verdict.ok) return this.refused(head, verdict);
    }
    let pinning: PinResult;
    try {
      pinning = await this.pinImages(verdict.desired, updatesDue, true);
    } catch (err) {
      if (!isEngineUnavailable(err)) throw err;
      return this.finish(
        { kind: 'engine-unavailable', head, message: this.engineUnavailable(err) },
        await this.lastGoodHealth(),
      );
    }
    const choice = chooseRun(head, desiredFingerprint(pinning.desired.hashes), previous);
    switch (choice.run) {
      case 'pinned':
        return this.deployPinned(head, choice.pinned);
      case 'hold':
        return this.holdFailedCommit(head, choice.failed, choice.rollbackTo);
      case 'head': {
        this.pins = pinning.pins;
        const blocked = pinning.failures.find((f) => !f.running);
        if (blocked) return this.imageUnavailable(head, blocked.service, blocked.error, pinning.desired);
        return this.deploy(head, pinning.desired, pinning);
      }
    }
  }

  /**
   * Pins every service's image to a manifest digest (image-pins.ts): what its replicas run, or
   * the tag resolved now with the project's registry login. A failed update check keeps what runs.
   */
  private async pinImages(
    desired: DesiredState,
    updatesDue: boolean,
    continueUpdates = false,
  ): Promise<PinResult> {
    const { ctx } = this;
    const memory = ctx.images;
    if (memory && continueUpdates) dropStaleInFlight(memory, desired.model.services);
    // Only the head continues an image update in flight; a rollback or an operator's pinned
    // commit runs what runs, and the update is forgotten (a later check finds the tag moved again).
    if (memory && !continueUpdates) memory.inFlight.clear();
    const result = await pinImages(desired, this.actual.containers, {
      resolve: async (ref, fresh) => {
        if (!ctx.driver.resolveImage) return { ref };
        const known = memory?.unpinned.get(ref);
        if (known) return known;
        const auth = await this.registryAuth(ref);
        const pin = await ctx.driver.resolveImage(ref, { fresh, auth });
        if (!pin.digest) memory?.unpinned.set(ref, pin);
        return pin;
      },
      updatesDue: (spec) =>
        updatesDue && (spec.imageUpdates === 'digest' || ctx.project.imageUpdates === 'digest'),
      rejected: memory?.rejected,
      ...(continueUpdates && memory ? { inFlight: memory.inFlight } : {}),
    });
    // A tag that moved on from a digest that failed its rollout gets a fresh chance.
    for (const { ref, digest } of result.checked) {
      if (memory?.rejected.get(ref)?.digest !== digest) memory?.rejected.delete(ref);
    }
    for (const failure of result.failures.filter((f) => f.running)) {
      ctx.log.warn(
        {
          project: ctx.project.name,
          service: failure.service,
          reason: failure.error.reason,
          err: failure.error.message,
        },
        'image update check failed; the running digest stays',
      );
    }
    return result;
  }

  /** The semver step (semver-commit.ts) with the project's registry logins; the new head, if any. */
  private async semverUpdate(head: string, model: StackModel): Promise<string | undefined> {
    const { ctx } = this;
    const outcome = await semverImageCommit({
      head,
      model,
      project: ctx.project,
      source: ctx.source,
      listTags: async ({ registry, repository }) =>
        listTags(registry, repository, { auth: await this.registryAuth(`${registry}/${repository}`) }),
      loadSigningKey: (signing) => loadCommitSigningKey(signing, ctx.project.name, ctx.project.secrets),
      previousProblem: ctx.images?.semverProblem,
      log: ctx.log,
    });
    if (ctx.images) ctx.images.semverProblem = outcome.kind === 'problem' ? outcome.problem : undefined;
    if (outcome.kind === 'none' || outcome.kind === 'problem') return undefined;
    // A proposal already on the review branch is not news; one pushed now is.
    if (outcome.kind === 'proposed' && !outcome.pushed) return undefined;
    this.imageCommits.push({
      commit: outcome.commit,
      ...(outcome.kind === 'proposed' ? { branch: outcome.branch } : {}),
      updates: outcome.proposals.map((p) => ({
        service: p.service,
        from: p.ref,
        to: p.next,
        range: p.range,
      })),
    });
    // Review mode leaves the deploy branch where it is: this pass goes on with the head it gated.
    return outcome.kind === 'committed' ? outcome.commit : undefined;
  }

  /**
   * An image of the head cannot be had: nothing was touched. It is an apply failure like a pull
   * that fails mid-apply: retried with backoff under the pull's own reason, and given up on after
   * the bound (MAX_APPLY_ATTEMPTS), the last healthy commit running on.
   */
  private async imageUnavailable(
    head: string,
    service: string,
    err: ImagePullError,
    desired: DesiredState,
  ): Promise<PassOutcome> {
    const { ctx } = this;
    ctx.log.error(
      { project: ctx.project.name, commit: head, service, reason: err.reason, err: err.message },
      'image unavailable',
    );
    const located = new ImagePullError(err.reason, err.ref, `service ${service}: ${err.message}`);
    return this.applyFailed(head, located, [], desired);
  }

  private async refused(head: string, verdict: Extract<GateVerdict, { ok: false }>): Promise<PassOutcome> {
    const { ctx } = this;
    let error: LastError;
    if (verdict.refusal === 'untrusted') {
      ctx.log.error({ project: ctx.project.name, commit: head, reason: verdict.reason }, 'commit refused');
      error = lastError('UntrustedCommit', `untrusted commit: ${verdict.reason}`, head);
    } else {
      ctx.log.error(
        { project: ctx.project.name, commit: head, errors: verdict.diagnostics.map(formatDiagnostic) },
        'commit refused',
      );
      const first = verdict.diagnostics[0];
      error = {
        ...lastError('InvalidCommit', first ? formatDiagnostic(first) : 'commit refused', head),
        diagnostics: verdict.diagnostics,
      };
    }
    return this.finish({ kind: 'refused', head, error }, await this.lastGoodHealth());
  }

  /** The head's rollout failed before: keep (or restore) the last healthy commit, do not retry. */
  private async holdFailedCommit(
    head: string,
    failed: FailedCommit,
    rollbackTo: string | undefined,
  ): Promise<PassOutcome> {
    const target = rollbackTo ? await this.gated(rollbackTo) : undefined;
    let actions: Action[] = [];
    let applyError: LastError | undefined;
    if (target) {
      const plan = this.plan(target);
      actions = plan.actions;
      if (actions.length > 0) applyError = await this.apply(target, plan, 'rollback');
    }
    const health = this.healthOf(target?.model ?? (await this.lastGoodModel()));
    const mark: PassMark = {
      kind: 'held',
      head,
      failed,
      restored: target?.commit,
      plan: actions,
      applyError,
    };
    return this.finish(mark, health, actions);
  }

  /** An operator rolled back: run the pinned commit until the branch moves on. */
  private async deployPinned(head: string, pinned: PinnedCommit): Promise<PassOutcome> {
    const desired = await this.gated(pinned.commit);
    if (!desired) return this.finish({ kind: 'pin-refused', head, pinned }, await this.lastGoodHealth());
    const plan = this.plan(desired);
    const { actions } = plan;
    const applyError = actions.length
      ? await this.apply(desired, plan, 'rollback to pinned commit')
      : undefined;
    const mark: PassMark = { kind: 'pinned', head, pinned, plan: actions, applyError };
    return this.finish(mark, this.healthOf(desired.model), actions);
  }

  private async deploy(head: string, desired: DesiredState, pinning?: PinResult): Promise<PassOutcome> {
    const { ctx, previous } = this;
    const plan = this.plan(desired);
    const { actions } = plan;
    const moved = pinning?.moved ?? [];
    const updates = [...moved, ...(pinning?.continued ?? [])];
    if (actions.length === 0) {
      this.settleImageUpdates(updates, [], undefined);
      return this.converged(head, desired, []);
    }

    // A plan that picks up a rollout an earlier pass started continues it: no drift, no new deploy.
    const continues = actions.some((a) => a.kind === 'await');
    const drift = driftRepairCount(head, actions.length, previous, continues);
    if (drift > 0) {
      ctx.log.warn(
        { project: ctx.project.name, commit: head, repairs: actions.map(describeAction) },
        'drift repaired',
      );
    }
    if (!actions.every((a) => a.kind === 'await')) ctx.onDeployStart?.(head, actions);
    let applied: ApplyOutcome;
    try {
      // A driver that cannot leave an image update on its way has it judged (and undone) by the
      // pass that found the moved digest; otherwise later passes judge it (image-update-memory.ts).
      const awaitUpdate = moved.length > 0 && ctx.driver.resumesImageUpdates !== true;
      applied = await this.applyOrThrow(desired, plan, awaitUpdate);
    } catch (err) {
      if (pinning && updates.length > 0) return this.imageUpdateFailed(head, err, actions, pinning, updates);
      return this.applyFailed(head, err, actions, desired);
    }
    this.settleImageUpdates(updates, actions, applied.progressing);
    const outcome = await this.converged(head, desired, actions, applied.progressing);
    outcome.driftRepairs += drift;
    return outcome;
  }

  /**
   * The image updates this pass applied that are rolled out (logged, recorded for history) are
   * forgotten; the others stay in flight for a later pass to judge.
   */
  private settleImageUpdates(
    updates: ImageUpdate[],
    actions: Action[],
    progressing: ApplyOutcome['progressing'],
  ): void {
    const { ctx } = this;
    if (updates.length === 0) return;
    // Awaited within the step (a driver that cannot leave one on its way): what did not fail is done.
    const settled =
      ctx.driver.resumesImageUpdates === true
        ? settledImageUpdates(updates, { progressing: progressing !== undefined, actions })
        : updates;
    for (const m of settled) {
      ctx.images?.inFlight.delete(m.service);
      ctx.log.info(
        { project: ctx.project.name, service: m.service, ref: m.ref, from: m.from, to: m.to },
        'image updated',
      );
      this.imageUpdates.push({ ...m, ok: true });
    }
    const open = updates.filter((u) => !settled.includes(u));
    if (ctx.images && open.length > 0) markInFlight(ctx.images, open, this.started);
  }

  /**
   * A followed tag moved and its rollout failed (in this pass, or judged by this pass after an
   * earlier one started it): the services go back to the digests they ran (planned against what
   * runs now), the commit stays applied, and a digest that failed its health gate is not tried
   * again until the tag moves on. A pull that failed is retried at the next check.
   */
  private async imageUpdateFailed(
    head: string,
    err: unknown,
    actions: Action[],
    pinning: PinResult,
    updates: ImageUpdate[],
  ): Promise<PassOutcome> {
    const { ctx } = this;
    const reason = err instanceof RolloutError ? err.reason : errorMessage(err);
    const digests: Record<string, string | undefined> = {};
    for (const [service, pin] of Object.entries(pinning.pins)) digests[service] = pin.digest;
    for (const m of updates) {
      digests[m.service] = m.from;
      ctx.images?.inFlight.delete(m.service);
      const message = `image update of ${m.service} ${m.from.slice(0, 19)} -> ${m.to.slice(0, 19)} failed: ${reason}; rolled back`;
      if (err instanceof RolloutError)
        ctx.images?.rejected.set(m.ref, { digest: m.to, from: m.from, message });
      this.imageUpdates.push({ ...m, ok: false, reason });
      if (this.pins)
        this.pins[m.service] = {
          ref: m.ref,
          digest: m.from,
          note: `update to ${m.to} failed: ${reason}; rolled back`,
        };
      ctx.log.error(
        { project: ctx.project.name, service: m.service, from: m.from, to: m.to, reason },
        'image update rolled back',
      );
    }
    await this.relist().catch(() => {});
    const back = withDigests(pinning.base, digests);
    const undoPlan = this.plan(back);
    const undo = undoPlan.actions;
    const applyError =
      undo.length > 0 ? await this.apply(back, undoPlan, 'image update rolled back') : undefined;
    const what = updates.map((m) => `${m.service} ${m.from.slice(0, 19)} -> ${m.to.slice(0, 19)}`).join(', ');
    const error =
      applyError ??
      lastError('ImageUpdateFailed', `image update of ${what} failed: ${reason}; rolled back`, head);
    const health = this.healthOf(back.model);
    return this.finish({ kind: 'synced', head, plan: [...actions, ...undo], error }, health, [
      ...actions,
      ...undo,
    ]);
  }

  /** `progressing`: some step is still on its way and asked to be looked at again then. */
  private async converged(
    head: string,
    desired: DesiredState,
    actions: Action[],
    progressing?: { retryAfterMs: number; reason: string },
  ): Promise<PassOutcome> {
    const recheck = progressing && { afterMs: progressing.retryAfterMs, reason: progressing.reason };
    if (actions.length > 0) await this.relist();
    const health = this.healthOf(desired.model);
    const healthy = health.health === 'Healthy';
    await this.collectCheckouts([head, healthy ? head : this.previous?.lastHealthyCommit]);
    const error = this.heldBackUpdate(desired) ?? this.semverProblem(desired.commit);
    const outcome = this.finish({ kind: 'synced', head, plan: actions, recheck, error }, health, actions);
    // Only a pass with nothing to do, nothing pending and nothing read outside git and the engine
    // list may be repeated (idle-memo.ts); any other pass drops the memo (run() did).
    const memoisable = isMemoisable({
      actions: actions.length,
      healthy,
      error: error !== undefined,
      recheckAfterMs: progressing?.retryAfterMs,
      model: desired.model,
    });
    if (memoisable && this.ctx.idle) {
      this.ctx.idle.memo = {
        head,
        engine: engineFingerprint(this.actual),
        status: outcome.status,
        at: this.started,
      };
    }
    return outcome;
  }

  /** Nothing changed since the last idle pass: its status again, with this pass's times. */
  private repeatIdle(memo: IdleMemo): PassOutcome {
    const now = Date.now();
    const status: ProjectStatus = {
      ...memo.status,
      lastReconcile: new Date(this.started).toISOString(),
      lastDurationMs: now - this.started,
    };
    memo.status = status;
    // The same line as any idle pass's, so log readers see one line per pass whatever ran (its
    // fields are gathered only when debug is on: this runs at every idle poll of every project).
    if (this.ctx.log.isLevelEnabled('debug'))
      this.ctx.log.debug(
        {
          project: status.project,
          commit: status.desiredCommit,
          result: status.lastResult,
          sync: status.sync,
          health: status.health,
          actions: 0,
          durationMs: status.lastDurationMs,
          repeated: true,
        },
        'reconcile pass',
      );
    return {
      status,
      actions: [],
      requeueAfterMs: this.ctx.project.pollIntervalMs,
      driftRepairs: 0,
      rolledBack: false,
      containers: this.actual.containers,
      actionResults: [],
      repeated: true,
    };
  }

  /**
   * A followed tag still names a digest that failed its rollout: said in the status until the
   * tag moves on (the old digest runs meanwhile).
   */
  private heldBackUpdate(desired: DesiredState): LastError | undefined {
    const rejected = this.ctx.images?.rejected;
    if (!rejected?.size) return undefined;
    for (const spec of Object.values(desired.model.services)) {
      const held = rejected.get(spec.image);
      if (held) return lastError('ImageUpdateFailed', held.message, desired.commit);
    }
    return undefined;
  }

  /** Newer tags in range that could not become a commit: said until a check commits or finds none. */
  private semverProblem(commit: string): LastError | undefined {
    const problem = this.ctx.images?.semverProblem;
    return problem ? lastError(problem.reason, problem.message, commit) : undefined;
  }

  /** Carries out `chooseAfterFailure`: report, retry later, pause, or roll back now. */
  private async applyFailed(
    head: string,
    err: unknown,
    actions: Action[],
    desired: DesiredState,
  ): Promise<PassOutcome> {
    const { ctx } = this;
    const message = errorMessage(err);
    const rollout =
      err instanceof RolloutError
        ? { service: err.service, reason: err.reason, failureAction: err.failureAction }
        : undefined;
    const choice = chooseAfterFailure(
      head,
      { engineUnavailable: isEngineUnavailable(err), rollout, message },
      this.previous,
    );
    const pull = imagePullErrorOf(err);
    if (choice.next === 'engine-unavailable') {
      await this.relist().catch(() => {});
      return this.finish(
        { kind: 'engine-unavailable', head, message: this.engineUnavailable(err) },
        this.healthOf(undefined),
        actions,
      );
    }
    if (choice.next === 'repair-failed') {
      // The commit is not at fault the way a new rollout is, and there is nothing older to roll
      // back to: it stays applied and healthy-known, and the repair is retried with capped
      // backoff (engine events wake the project sooner), with no bound on the attempts.
      const { what, attempts } = choice;
      ctx.log.warn({ project: ctx.project.name, commit: head, reason: what, attempts }, 'repair failed');
      await this.relist();
      const mark: PassMark = { kind: 'repair-failed', head, attempts, what, plan: actions };
      return this.finish(mark, this.healthOf(await this.loadedModel(head)), actions);
    }
    if (choice.next === 'retry') {
      await this.relist();
      const mark: PassMark = {
        kind: 'retrying',
        head,
        attempts: choice.attempts,
        message,
        plan: actions,
        reason: pull?.reason,
      };
      return this.finish(mark, this.healthOf(await this.loadedModel(head)), actions);
    }
    const { reason } = choice;
    const failed: FailedCommit = {
      commit: head,
      reason,
      at: new Date().toISOString(),
      fingerprint: desiredFingerprint(desired.hashes),
    };
    ctx.log.error({ project: ctx.project.name, commit: head, reason }, 'commit failed');
    if (choice.next === 'pause') {
      await this.relist();
      return this.finish(
        { kind: 'paused', head, failed },
        this.healthOf(await this.loadedModel(head)),
        actions,
      );
    }
    // The rollback is planned against what runs now, not the list from before the failed apply:
    // a stop-first update removed the old containers, and a stale list would plan nothing and
    // leave the restore to the next pass. (If the engine does not answer, the stale list is all
    // there is; the next pass repairs from a fresh one.)
    await this.relist().catch(() => {});
    const rolledBack = await this.holdFailedCommit(head, failed, choice.rollbackTo);
    rolledBack.actions = [...actions, ...rolledBack.actions];
    return rolledBack;
  }

  /** The gate with this pass's reads (trust cached, loads cached, secrets delivered). */
  private gate(commit: string, options?: GateOptions): Promise<GateVerdict> {
    return gateCommit(commit, this.reads, options);
  }

  /** A commit deployed before (rollback target, pinned commit), gated again without trust. */
  private async gated(commit: string): Promise<DesiredState | undefined> {
    const verdict = await this.gate(commit, { trust: 'skip' });
    if (!verdict.ok) return undefined;
    // Pinned to what runs (no update checks); a digest that cannot be had runs by its tag.
    const pinning = await this.pinImages(verdict.desired, false);
    this.pins = pinning.pins;
    return pinning.desired;
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
      ctx.log.warn({ project: ctx.project.name, err }, 'checkouts not removed');
    }
  }

  private plan(desired: DesiredState, actual = this.actual): Plan {
    const pruneAllowed = this.ctx.project.policy.volumes?.prune === true;
    return planSteps(this.ctx.driver, desired, actual, { pruneAllowed });
  }

  private async applyOrThrow(
    desired: DesiredState,
    plan: Plan,
    awaitReadiness = false,
  ): Promise<ApplyOutcome> {
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
    const applyContext: ApplyContext = {
      driver: ctx.driver,
      awaitReadiness,
      desired,
      resolveBindSource,
      admission: ctx.driver.admissionContext(desired.model, ctx.project.policy, [
        // Where materialiseBindSources writes repository files, and where secrets are delivered.
        path.join(ctx.stateDir, 'checkouts', desired.model.project, desired.commit),
        projectRuntimeDir(ctx.project.secrets?.runtimeDir ?? DEFAULT_RUNTIME_DIR, desired.model.project),
      ]),
      minHealthcheckIntervalMs: parseDurationMs(ctx.project.policy.resources.minHealthcheckInterval) ?? 0,
      registryAuth: (ref) => this.registryAuth(ref),
      onPullProgress: (progress) => {
        ctx.log.info(
          { project: ctx.project.name, commit: desired.commit, ...progress },
          progress.done ? 'image pulled' : 'image pull progress',
        );
        ctx.onProgress?.(describePullProgress(progress));
      },
      report: (action, outcome) => {
        this.actionResults.push({ kind: action.kind, ok: outcome.ok });
        ctx.log.info(
          { project: ctx.project.name, commit: desired.commit, action: describeAction(action), ...outcome },
          outcome.ok ? 'action done' : 'action failed',
        );
      },
    };
    // From here until the pass ends, drift of a resource this plan does not act on (any more) is
    // repaired beside it, not after it (repair-lane.ts). An earlier apply's repairs (a rollback
    // after a failed rollout) end first: one writer per resource.
    const lane = ctx.repairLane;
    await lane?.close();
    lane?.open(
      plan.steps.map((s) => s.key),
      (key) => this.repairBeside(desired, key, applyContext),
    );
    let outcome: ApplyOutcome;
    try {
      outcome = await applyPlan(plan.steps, { ...applyContext, onStepEnded: (key) => lane?.release(key) });
    } catch (err) {
      // A failure is handled (retry, rollback) against a list with no side repair in flight.
      await lane?.close();
      throw err;
    }
    this.noteProgressing(outcome.progressing);
    return outcome;
  }

  /**
   * The outcome with what side repairs did after `finish` summarised the pass (they ran while it
   * judged what runs; the pass the project's dirty mark brings judges them).
   */
  withLateRepairs(outcome: PassOutcome): PassOutcome {
    const late = this.sideActions.slice(this.reported.sideActions);
    const results = this.actionResults.slice(this.reported.actionResults);
    if (late.length === 0 && results.length === 0) return outcome;
    return {
      ...outcome,
      actions: [...outcome.actions, ...late],
      driftRepairs: outcome.driftRepairs + late.length,
      actionResults: [...(outcome.actionResults ?? []), ...results],
    };
  }

  private noteProgressing(progressing: ApplyOutcome['progressing']): void {
    if (progressing && (!this.progressing || progressing.retryAfterMs < this.progressing.retryAfterMs)) {
      this.progressing = progressing;
    }
  }

  /**
   * One side repair (repair-lane.ts): `key`'s steps alone, planned with this pass's desired state
   * against the containers that run now (networks and volumes as this pass listed them). A
   * failure is logged and left to the pass that follows, which retries with backoff.
   */
  private async repairBeside(
    desired: DesiredState,
    key: string,
    applyContext: ApplyContext,
  ): Promise<boolean> {
    const { ctx } = this;
    try {
      const listStarted = Date.now();
      const listed = await ctx.driver.listActual({ containersOnly: true });
      const now: ActualState = {
        ...actualForProject(listed, ctx.project.name),
        networks: this.actual.networks,
        volumes: this.actual.volumes,
        ...(this.actual.fileObjects ? { fileObjects: this.actual.fileObjects } : {}),
      };
      // Never a deletion: removing is the pass's, planned against its whole desired state.
      const steps = this.plan(desired, now).steps.filter((s) => s.key === key && s.op !== 'delete');
      ctx.log.debug(
        { project: ctx.project.name, resource: key, steps: steps.length, listMs: Date.now() - listStarted },
        'side repair planned',
      );
      if (steps.length === 0) return false;
      const actions = steps.flatMap((s) => s.actions);
      ctx.log.warn(
        { project: ctx.project.name, commit: desired.commit, repairs: actions.map(describeAction) },
        'drift repaired beside the running pass',
      );
      this.sideActions.push(...actions);
      // A repair looks briefly and leaves a slow start to a later pass, whatever the pass waits for.
      this.noteProgressing((await applyPlan(steps, { ...applyContext, awaitReadiness: false })).progressing);
      return true;
    } catch (err) {
      ctx.log.warn(
        { project: ctx.project.name, resource: key, err: errorMessage(err) },
        'side repair failed; the next pass retries',
      );
      return true;
    }
  }

  /** Applies and relists; returns the error as a status value instead of throwing. */
  private async apply(desired: DesiredState, plan: Plan, why: string): Promise<LastError | undefined> {
    this.ctx.log.warn(
      { project: this.ctx.project.name, commit: desired.commit, actions: plan.actions.length },
      why,
    );
    try {
      await this.applyOrThrow(desired, plan);
      await this.relist();
      return undefined;
    } catch (err) {
      await this.relist().catch(() => {});
      return isEngineUnavailable(err)
        ? lastError('EngineUnavailable', this.engineUnavailable(err), desired.commit)
        : lastError('ApplyFailed', errorMessage(err), desired.commit);
    }
  }

  /**
   * `<engine>: <reason>`, as the round says it when the engine's list fails: an engine that stops
   * answering in the middle of a pass is reported the same way (`EngineUnavailable: lab: ...`).
   */
  private engineUnavailable(err: unknown): string {
    return `${this.ctx.project.engine ?? DEFAULT_ENGINE}: ${describeEngineError(err)}`;
  }

  /** The project's login for `ref`'s registry, its password read now (file or secret store). */
  private registryAuth(ref: string): ReturnType<typeof registryAuthFor> {
    const { project } = this.ctx;
    return registryAuthFor(ref, project.registries, projectSecretReader(project.secrets, project.name));
  }

  private async relist(): Promise<void> {
    this.actual = actualForProject(await this.ctx.driver.listActual(), this.ctx.project.name);
  }

  /** The commit's model as loaded (cached), to judge health by; undefined when it is refused. */
  private async loadedModel(commit: string): Promise<StackModel | undefined> {
    const result = await this.reads.load(commit);
    return result.ok ? result.desired.model : undefined;
  }

  /** The model of the last applied commit, to judge health while the head cannot be used. */
  private async lastGoodModel(): Promise<StackModel | undefined> {
    const commit = this.previous?.appliedCommit;
    if (!commit) return undefined;
    try {
      return await this.loadedModel(commit);
    } catch {
      return undefined;
    }
  }

  private async lastGoodHealth(): Promise<HealthFields> {
    return this.healthOf(await this.lastGoodModel());
  }

  private healthOf(model: StackModel | undefined): HealthFields {
    const verdict = this.ctx.driver.health(model, this.actual);
    return { health: verdict.health, healthReason: verdict.reason, services: verdict.services };
  }

  /** Summarises the pass once, from where it ended, and logs it. */
  private finish(mark: PassMark, health: HealthFields, ownActions: Action[] = []): PassOutcome {
    const actions = [...ownActions, ...this.sideActions];
    this.reported = { sideActions: this.sideActions.length, actionResults: this.actionResults.length };
    const { status, requeueAfterMs, rolledBack } = passStatus(mark, {
      project: this.ctx.project.name,
      previous: this.previous,
      health,
      pollIntervalMs: this.ctx.project.pollIntervalMs,
      startedAt: this.started,
      now: Date.now(),
    });
    const images = this.pins ?? this.previous?.images;
    if (images && Object.keys(images).length > 0) status.images = images;
    const imageUpdates = this.ctx.images ? savedImageUpdates(this.ctx.images) : this.previous?.imageUpdates;
    if (imageUpdates) status.imageUpdates = imageUpdates;
    // A rollback or a pinned commit still on its way is looked at again as soon as it asked.
    const { progressing } = this;
    const requeue = progressing ? Math.min(requeueAfterMs, progressing.retryAfterMs) : requeueAfterMs;
    const idle = isIdlePass(status, actions.length, this.previous);
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
    if (progressing) this.ctx.log.info({ project: status.project, ...progressing }, 'pass ended progressing');
    return {
      status,
      actions,
      requeueAfterMs: requeue,
      ...(progressing ? { progressing } : {}),
      driftRepairs: this.sideActions.length,
      rolledBack,
      containers: this.actual.containers,
      actionResults: [...this.actionResults],
      ...(this.imageUpdates.length > 0 ? { imageUpdates: [...this.imageUpdates] } : {}),
      ...(this.imageCommits.length > 0 ? { imageCommits: [...this.imageCommits] } : {}),
    };
  }
}

function lastError(reason: LastError['reason'], message: string, commit?: string): LastError {
  return { reason, message, commit, at: new Date().toISOString() };
}
