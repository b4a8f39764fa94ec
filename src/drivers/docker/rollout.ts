/**
 * Docker's rollout of one service step: its removals, then its replicas created, replaced
 * (start-first or stop-first, in batches of `update_config.parallelism`) or started, each gated on
 * readiness; and the network and volume steps. A step never blocks on readiness: it acts, looks
 * briefly (BRIEF_WAIT_MS), and otherwise answers `progressing`. Everything the next pass needs
 * is on the engine: a new replica runs under its temporary name (`-next`) with the desired hash
 * until it is ready, then takes its name (replica-plan.ts recognises it as an `await`); its
 * deadline is its creation time plus the readiness window.
 */
import { RolloutError } from '../rollout-error.js';
import type { StepContext } from '../driver.js';
import type { ServiceSpec } from '../../stack/model.js';
import { errorMessage } from '../../util/errors.js';
import { pinnedImage } from '../../util/image-ref.js';
import { DEPENDENCY_RECHECK_MS, dependencyState } from './dependencies.js';
import { describeAction, type Action } from '../plan-action.js';
import { temporaryName } from '../../stack/names.js';
import type { ContainerDriver, ContainerRequest } from './container-driver.js';
import {
  BRIEF_WAIT_MS,
  failedStart,
  probeReady,
  readinessTimeoutMs,
  recheckAfterMs,
  sleep,
  startedReadyBy,
  UNTIL_VERDICT,
} from './readiness.js';

/** The step's context and the container verbs it runs with. */
export interface ApplyContext extends StepContext {
  driver: ContainerDriver;
}

/** An engine call failed: the next pass retries (with backoff) from whatever then runs. */
export class ApplyError extends Error {
  constructor(
    readonly action: Action,
    override readonly cause: unknown,
  ) {
    super(`${describeAction(action)} failed: ${errorMessage(cause)}`);
    this.name = 'ApplyError';
  }
}

/** How a service's rollout left this pass: done, or still on its way (look again later). */
export type GroupResult = { done: true } | { progressing: true; retryAfterMs: number; reason: string };

const DONE: GroupResult = { done: true };

type ContainerAction = Extract<Action, { kind: 'create' | 'recreate' | 'start' | 'await' }>;

type InfraAction = Exclude<Action, ContainerAction>;

/** A container a rollout started, being proven: what happens once it is ready. */
interface Launched {
  action: ContainerAction;
  id: string;
  /** The replica's name: a temporary container takes it once ready. */
  name: string;
  temporary: boolean;
  /** The old container that goes once this one is ready (start-first). */
  replaces?: string;
  readyBy: number;
  startedAt: number;
  /** How long `settle` looks before answering progressing (BRIEF_WAIT_MS unless set). */
  waitMs?: number;
}

/** One service's step: its removals in plan order, then its rollout. */
export async function runServiceGroup(
  service: string,
  group: Action[],
  ctx: ApplyContext,
): Promise<GroupResult> {
  const ensureImage = (image: string) =>
    ctx.once(`image ${image}`, async () =>
      ctx.driver.ensureImage(image, await ctx.registryAuth?.(image), ctx.onPullProgress),
    );
  const rollout: ContainerAction[] = [];
  for (const action of group) {
    if (isContainerActionOf(action, service)) rollout.push(action);
    else await run(action, ctx, () => executeInfra(action as InfraAction, ctx));
  }
  if (rollout.length === 0) return DONE;
  return rollOutService(service, rollout, ctx, ensureImage);
}

function isContainerActionOf(action: Action, service: string): action is ContainerAction {
  return (
    (action.kind === 'create' ||
      action.kind === 'recreate' ||
      action.kind === 'start' ||
      action.kind === 'await') &&
    action.service === service
  );
}

async function rollOutService(
  service: string,
  group: ContainerAction[],
  ctx: ApplyContext,
  ensureImage: (image: string) => Promise<void>,
): Promise<GroupResult> {
  const spec = ctx.desired.model.services[service] as ServiceSpec;
  const update = spec.updateConfig;
  // The batch an earlier pass started comes first: the next batch starts only once it is ready.
  const inFlight = group.filter((a): a is Extract<ContainerAction, { kind: 'await' }> => a.kind === 'await');
  const fresh = group.filter((a) => a.kind !== 'await');
  if (inFlight.length > 0) {
    const launched: Launched[] = [];
    for (const action of inFlight) {
      let readyBy = action.readyBy;
      try {
        if (action.unstarted) await ctx.driver.startContainer(action.containerId);
        // Started again in place: its deadline counts from its last start, which only an
        // inspect tells (the list shows its creation).
        if (action.inPlace)
          readyBy = startedReadyBy(await ctx.driver.inspectContainer(action.containerId), spec, Date.now());
      } catch (err) {
        report(ctx, action, Date.now(), err);
        throw new ApplyError(action, err);
      }
      const now = Date.now();
      launched.push({
        action,
        id: action.containerId,
        name: action.name,
        temporary: !action.inPlace,
        ...(action.replaces ? { replaces: action.replaces } : {}),
        readyBy,
        startedAt: now,
        ...(ctx.awaitReadiness ? { waitMs: UNTIL_VERDICT } : {}),
      });
    }
    const waiting = await settle(launched, spec, ctx);
    if (waiting) return waiting;
  }
  if (fresh.length === 0) return DONE;
  let deps;
  try {
    deps = await dependencyState(ctx.driver, ctx.desired.model, service);
  } catch (err) {
    throw new ApplyError(fresh[0] as Action, err);
  }
  if (!deps.met) return { progressing: true, retryAfterMs: DEPENDENCY_RECHECK_MS, reason: deps.reason };
  // The last gate on every body this rollout will send, before anything is stopped: a refusal
  // leaves the service's running containers as they are.
  for (const action of fresh) {
    if (action.kind === 'start') continue;
    try {
      ctx.driver.admitContainer(containerRequest(action.name, action.replica, spec, ctx));
    } catch (err) {
      throw new ApplyError(action, err);
    }
  }
  // Fixed host ports cannot be bound twice, so start-first would fail on them: stop first instead.
  const startFirst = update.order === 'start-first' && !spec.ports.some((p) => p.published !== undefined);
  const batchSize = Math.max(1, update.parallelism || fresh.length);
  for (let i = 0; i < fresh.length; i += batchSize) {
    if ((i > 0 || inFlight.length > 0) && update.delayMs > 0) await sleep(update.delayMs);
    const batch = fresh.slice(i, i + batchSize);
    const outcomes = await Promise.all(
      batch.map((action) =>
        launch(action, spec, ctx, ensureImage, startFirst).then(
          (launched) => ({ launched }),
          (err: unknown) => ({ err }),
        ),
      ),
    );
    const engineFailure = outcomes.find((o): o is { err: unknown } => 'err' in o);
    if (engineFailure) throw engineFailure.err;
    const waiting = await settle(
      outcomes.map((o) => (o as { launched: Launched }).launched),
      spec,
      ctx,
    );
    if (waiting) return waiting;
  }
  return DONE;
}

/**
 * Looks briefly at a batch being proven: a ready container takes its place (the one it replaces
 * is stopped and removed, then it takes its name); a failed one is removed and fails the rollout
 * (unless `failure_action: continue`); undefined when the whole batch is settled, else when to
 * look again.
 */
async function settle(
  batch: Launched[],
  spec: ServiceSpec,
  ctx: ApplyContext,
): Promise<GroupResult | undefined> {
  const { driver } = ctx;
  const verdicts = await Promise.all(
    batch.map((l) =>
      probeReady(driver, l.id, l.name, spec, l.readyBy, l.waitMs ?? BRIEF_WAIT_MS).then(
        (verdict) => ({ verdict }),
        (err: unknown) => ({ err }),
      ),
    ),
  );
  const failures: unknown[] = [];
  let soonest: { retryAfterMs: number; reason: string } | undefined;
  for (const [i, l] of batch.entries()) {
    const outcome = verdicts[i] as { verdict: Awaited<ReturnType<typeof probeReady>> } | { err: unknown };
    try {
      if ('err' in outcome) throw new ApplyError(l.action, outcome.err);
      const { verdict } = outcome;
      if ('pending' in verdict) {
        const retryAfterMs = recheckAfterMs(spec, l.readyBy, Date.now());
        if (!soonest || retryAfterMs < soonest.retryAfterMs)
          soonest = { retryAfterMs, reason: verdict.reason };
        // What this pass did is done; the wait is reported by the pass that settles it (`await`).
        if (l.action.kind !== 'await') report(ctx, l.action, l.startedAt);
        continue;
      }
      if (!verdict.ok) {
        // Start-first: the new one goes, the old one runs on. Otherwise the replica has nothing
        // else: the failed container takes its name, as it stood before passes stopped waiting
        // (a repair then starts it again; a rollback replaces it).
        if (l.replaces) await driver.removeContainer(l.id);
        else if (l.temporary) await driver.renameContainer(l.id, l.name);
        throw new RolloutError(spec.name, verdict.reason, spec.updateConfig.failureAction);
      }
      if (l.replaces) {
        // The old one is stopped with the service's stop_grace_period as it is now, as compose does.
        await driver.stopContainer(l.replaces, spec.stopGracePeriodSeconds);
        await driver.removeContainer(l.replaces);
      }
      if (l.temporary) await driver.renameContainer(l.id, l.name);
      report(ctx, l.action, l.startedAt);
    } catch (err) {
      report(ctx, l.action, l.startedAt, err);
      failures.push(
        err instanceof RolloutError || err instanceof ApplyError ? err : new ApplyError(l.action, err),
      );
    }
  }
  const engineFailure = failures.find((err) => !(err instanceof RolloutError));
  if (engineFailure) throw engineFailure;
  const rollout = failures[0] as RolloutError | undefined;
  if (rollout && spec.updateConfig.failureAction !== 'continue') throw rollout;
  return soonest ? { progressing: true, ...soonest } : undefined;
}

/**
 * Starts one replica's change: a new container under the temporary name (beside the old one when
 * start-first; after stopping and removing it when stop-first), or a stopped container started.
 * Readiness is `settle`'s.
 */
async function launch(
  action: Exclude<ContainerAction, { kind: 'await' }>,
  spec: ServiceSpec,
  ctx: ApplyContext,
  ensureImage: (image: string) => Promise<void>,
  startFirst: boolean,
): Promise<Launched> {
  const { driver } = ctx;
  const startedAt = Date.now();
  const readyBy = startedAt + readinessTimeoutMs(spec);
  try {
    if (action.kind === 'start') {
      // A container started again in place (stopped by hand, an engine restart) is looked at
      // briefly like a new one: while its healthcheck is `starting` the engine's list says so,
      // and the next pass judges it in place (an `await`). One that stopped (crashed, or was
      // stopped) before any health check passed since its last start is that start's failure,
      // said now (and it is started again, as a repair always did).
      const failed = failedStart(await driver.inspectContainer(action.containerId), spec, action.name);
      await driver.startContainer(action.containerId);
      if (failed && spec.updateConfig.failureAction !== 'continue')
        throw new RolloutError(spec.name, failed, spec.updateConfig.failureAction);
      return {
        action,
        id: action.containerId,
        name: action.name,
        temporary: false,
        readyBy,
        startedAt,
        waitMs: ctx.awaitReadiness ? UNTIL_VERDICT : BRIEF_WAIT_MS,
      };
    }
    // A join the planner could not pair with this project's own container never reaches the
    // engine (the policy refuses it first; this holds even for a model that skipped the policy).
    if (action.refused) throw new Error(`refused: ${action.refused}`);
    // The image first: if it cannot be had, the old container keeps running.
    await ensureImage(pinnedImage(spec.image, spec.imageDigest));
    const waitMs = ctx.awaitReadiness ? UNTIL_VERDICT : BRIEF_WAIT_MS;
    const base = { action, name: action.name, temporary: true, readyBy, startedAt, waitMs };
    if (action.kind === 'create') {
      return { ...base, id: await createAndStart(temporaryName(action.name), action.replica, spec, ctx) };
    }
    if (startFirst) {
      // The new container runs beside the old one and must prove itself before the old one goes.
      const id = await createAndStart(temporaryName(action.name), action.replica, spec, ctx);
      return { ...base, id, replaces: action.containerId };
    }
    await driver.stopContainer(action.containerId, spec.stopGracePeriodSeconds);
    await driver.removeContainer(action.containerId);
    return { ...base, id: await createAndStart(temporaryName(action.name), action.replica, spec, ctx) };
  } catch (err) {
    report(ctx, action, startedAt, err);
    throw err instanceof ApplyError || err instanceof RolloutError ? err : new ApplyError(action, err);
  }
}

/** Tells the pass how an action ended (logs, metrics): once per action, when it is settled. */
function report(ctx: ApplyContext, action: Action, startedAt: number, err?: unknown): void {
  const durationMs = Date.now() - startedAt;
  if (err === undefined) ctx.report(action, { ok: true, durationMs });
  else ctx.report(action, { ok: false, durationMs, error: errorMessage(err) });
}

async function createAndStart(
  name: string,
  replica: number,
  spec: ServiceSpec,
  ctx: ApplyContext,
): Promise<string> {
  const id = await ctx.driver.createContainer(containerRequest(name, replica, spec, ctx));
  await ctx.driver.startContainer(id);
  return id;
}

function containerRequest(
  name: string,
  replica: number,
  spec: ServiceSpec,
  ctx: ApplyContext,
): ContainerRequest {
  const { desired } = ctx;
  return {
    project: desired.model.project,
    name,
    replica,
    spec,
    commit: desired.commit,
    configHash: desired.hashes[spec.name] ?? '',
    resolveBindSource: ctx.resolveBindSource,
    admission: ctx.admission,
    minHealthcheckIntervalMs: ctx.minHealthcheckIntervalMs,
  };
}

export async function executeInfra(
  action: Exclude<Action, ContainerAction>,
  ctx: ApplyContext,
): Promise<void> {
  const { driver } = ctx;
  const project = ctx.desired.model.project;
  switch (action.kind) {
    case 'create-network':
      return driver.createNetwork(project, action.network, ctx.admission);
    case 'create-volume':
      return driver.createVolume(project, action.volume, ctx.admission);
    case 'remove':
      // No grace given: the engine uses the StopTimeout the container was created with, which is
      // the stop_grace_period of the service as it was (a removed service has no spec any more).
      await driver.stopContainer(action.containerId);
      return driver.removeContainer(action.containerId);
    case 'rename':
      return driver.renameContainer(action.containerId, action.name);
    case 'remove-network':
      return driver.removeNetwork(action.id);
    case 'remove-volume':
      return driver.removeVolume(project, action.volume);
  }
}

/** Runs one action, reports its outcome, and wraps engine errors with what was being done. */
export async function run(action: Action, ctx: ApplyContext, work: () => Promise<void>): Promise<void> {
  const started = Date.now();
  try {
    await work();
    ctx.report(action, { ok: true, durationMs: Date.now() - started });
  } catch (err) {
    ctx.report(action, { ok: false, durationMs: Date.now() - started, error: errorMessage(err) });
    if (err instanceof RolloutError || err instanceof ApplyError) throw err;
    throw new ApplyError(action, err);
  }
}
