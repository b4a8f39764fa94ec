/**
 * Docker's rollout of one service step: its removals, then its replicas created, replaced
 * (start-first or stop-first, in batches of `update_config.parallelism`) or started, each gated on
 * readiness; and the network and volume steps. Moved unchanged from the reconciler (issue 14).
 */
import { RolloutError } from '../rollout-error.js';
import type { StepContext } from '../driver.js';
import type { ServiceSpec } from '../../stack/model.js';
import { errorMessage } from '../../util/errors.js';
import { pinnedImage } from '../../util/image-ref.js';
import { waitForDependencies } from './dependencies.js';
import { describeAction, type Action } from '../plan-action.js';
import { temporaryName } from '../../stack/names.js';
import type { ContainerDriver, ContainerRequest } from './container-driver.js';
import { sleep, waitReady } from './readiness.js';

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

type ContainerAction = Extract<Action, { kind: 'create' | 'recreate' | 'start' }>;

type InfraAction = Exclude<Action, ContainerAction>;

/** One service's step: its removals in plan order, then its rollout. */
export async function runServiceGroup(service: string, group: Action[], ctx: ApplyContext): Promise<void> {
  const ensureImage = (image: string) =>
    ctx.once(`image ${image}`, async () =>
      ctx.driver.ensureImage(image, await ctx.registryAuth?.(image), ctx.onPullProgress),
    );
  const rollout: ContainerAction[] = [];
  for (const action of group) {
    if (isContainerActionOf(action, service)) rollout.push(action);
    else await run(action, ctx, () => executeInfra(action as InfraAction, ctx));
  }
  if (rollout.length > 0) await rollOutService(service, rollout, ctx, ensureImage);
}

function isContainerActionOf(action: Action, service: string): action is ContainerAction {
  return (
    (action.kind === 'create' || action.kind === 'recreate' || action.kind === 'start') &&
    action.service === service
  );
}

async function rollOutService(
  service: string,
  group: ContainerAction[],
  ctx: ApplyContext,
  ensureImage: (image: string) => Promise<void>,
): Promise<void> {
  const spec = ctx.desired.model.services[service] as ServiceSpec;
  const update = spec.updateConfig;
  try {
    await waitForDependencies(ctx.driver, ctx.desired.model, service);
  } catch (err) {
    throw new ApplyError(group[0] as Action, err);
  }
  // The last gate on every body this rollout will send, before anything is stopped: a refusal
  // leaves the service's running containers as they are.
  for (const action of group) {
    if (action.kind === 'start') continue;
    try {
      ctx.driver.admitContainer(containerRequest(action.name, action.replica, spec, ctx));
    } catch (err) {
      throw new ApplyError(action, err);
    }
  }
  // Fixed host ports cannot be bound twice, so start-first would fail on them: stop first instead.
  const startFirst = update.order === 'start-first' && !spec.ports.some((p) => p.published !== undefined);
  const batchSize = Math.max(1, update.parallelism || group.length);
  for (let i = 0; i < group.length; i += batchSize) {
    if (i > 0 && update.delayMs > 0) await sleep(update.delayMs);
    const batch = group.slice(i, i + batchSize);
    const failures = (
      await Promise.all(
        batch.map((action) =>
          run(action, ctx, () => rollOutReplica(action, spec, ctx, ensureImage, startFirst)).then(
            () => undefined,
            (err: unknown) => err,
          ),
        ),
      )
    ).filter((err) => err !== undefined);
    const engineFailure = failures.find((err) => !(err instanceof RolloutError));
    if (engineFailure) throw engineFailure;
    const rollout = failures[0] as RolloutError | undefined;
    if (rollout && update.failureAction !== 'continue') throw rollout;
  }
}

/** One replica: create, replace (stop-first or start-first) or start, then gate on readiness. */
async function rollOutReplica(
  action: ContainerAction,
  spec: ServiceSpec,
  ctx: ApplyContext,
  ensureImage: (image: string) => Promise<void>,
  startFirst: boolean,
): Promise<void> {
  const { driver } = ctx;
  if (action.kind === 'start') {
    await driver.startContainer(action.containerId);
    return gate(action.containerId, action.name, spec, ctx);
  }
  // A join the planner could not pair with this project's own container never reaches the engine
  // (the policy refuses it first; this holds even for a model that skipped the policy).
  if (action.refused) throw new ApplyError(action, new Error(`refused: ${action.refused}`));
  // The image first: if it cannot be had, the old container keeps running.
  await ensureImage(pinnedImage(spec.image, spec.imageDigest));
  if (action.kind === 'create') {
    const id = await createAndStart(action.name, action.replica, spec, ctx);
    return gate(id, action.name, spec, ctx);
  }
  if (startFirst) {
    // The new container runs beside the old one under a temporary name and must prove itself
    // before the old one goes; a crash in between leaves a stray the next plan removes. The old
    // one is stopped with the service's stop_grace_period as it is now, as compose does.
    const temporary = temporaryName(action.name);
    const id = await createAndStart(temporary, action.replica, spec, ctx);
    const ready = await waitReady(driver, id, action.name, spec);
    if (!ready.ok) {
      await driver.removeContainer(id);
      throw new RolloutError(spec.name, ready.reason, spec.updateConfig.failureAction);
    }
    await driver.stopContainer(action.containerId, spec.stopGracePeriodSeconds);
    await driver.removeContainer(action.containerId);
    await driver.renameContainer(id, action.name);
    return;
  }
  await driver.stopContainer(action.containerId, spec.stopGracePeriodSeconds);
  await driver.removeContainer(action.containerId);
  const id = await createAndStart(action.name, action.replica, spec, ctx);
  return gate(id, action.name, spec, ctx);
}

async function gate(id: string, name: string, spec: ServiceSpec, ctx: ApplyContext): Promise<void> {
  const ready = await waitReady(ctx.driver, id, name, spec);
  if (!ready.ok) throw new RolloutError(spec.name, ready.reason, spec.updateConfig.failureAction);
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
