import type { Driver } from '../drivers/driver.js';
import type { ServiceSpec } from '../stack/model.js';
import { errorMessage } from '../util/errors.js';
import { waitForDependencies } from './dependencies.js';
import type { Action, DesiredState } from './plan.js';
import { sleep, waitReady } from './readiness.js';

export interface ApplyContext {
  driver: Driver;
  desired: DesiredState;
  resolveBindSource(source: string): string;
  /** Called after each action with its outcome; used for logs and metrics. */
  onAction?(action: Action, outcome: { ok: boolean; durationMs: number; error?: string }): void;
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

/** A new container did not become ready: the commit itself is bad, retrying will not help. */
export class RolloutError extends Error {
  constructor(
    readonly service: string,
    readonly reason: string,
    readonly failureAction: ServiceSpec['updateConfig']['failureAction'],
  ) {
    super(`rollout of ${service} failed: ${reason}`);
    this.name = 'RolloutError';
  }
}

type ContainerAction = Extract<Action, { kind: 'create' | 'recreate' | 'start' }>;

/**
 * Executes a plan in order. Infrastructure and removals run one by one; each service's
 * create/recreate/start actions run as a rollout after its `depends_on` conditions hold, in
 * batches of `update_config.parallelism`, each new container gated on readiness. A failure stops
 * the plan: the next pass recomputes from what then runs, so nothing needs undoing here.
 */
export async function applyPlan(actions: Action[], ctx: ApplyContext): Promise<void> {
  const imagesReady = new Set<string>();
  const ensureImage = async (image: string) => {
    if (imagesReady.has(image)) return;
    await ctx.driver.ensureImage(image);
    imagesReady.add(image);
  };
  let index = 0;
  while (index < actions.length) {
    const action = actions[index] as Action;
    if (action.kind === 'create' || action.kind === 'recreate' || action.kind === 'start') {
      const group: ContainerAction[] = [];
      while (index < actions.length && isContainerActionOf(actions[index] as Action, action.service)) {
        group.push(actions[index] as ContainerAction);
        index++;
      }
      await rollOutService(action.service, group, ctx, ensureImage);
    } else {
      await run(action, ctx, () => executeInfra(action, ctx));
      index++;
    }
  }
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
  // The image first: if it cannot be had, the old container keeps running.
  await ensureImage(spec.image);
  if (action.kind === 'create') {
    const id = await createAndStart(action.name, action.replica, spec, ctx);
    return gate(id, action.name, spec, ctx);
  }
  if (startFirst) {
    // The new container runs beside the old one under a temporary name and must prove itself
    // before the old one goes; a crash in between leaves a stray the next plan removes.
    const temporary = `${action.name}-next`;
    const id = await createAndStart(temporary, action.replica, spec, ctx);
    const ready = await waitReady(driver, id, action.name, spec);
    if (!ready.ok) {
      await driver.removeContainer(id);
      throw new RolloutError(spec.name, ready.reason, spec.updateConfig.failureAction);
    }
    await driver.stopContainer(action.containerId);
    await driver.removeContainer(action.containerId);
    await driver.renameContainer(id, action.name);
    return;
  }
  await driver.stopContainer(action.containerId);
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
  const { desired } = ctx;
  const id = await ctx.driver.createContainer({
    project: desired.model.project,
    name,
    replica,
    spec,
    commit: desired.commit,
    configHash: desired.hashes[spec.name] ?? '',
    resolveBindSource: ctx.resolveBindSource,
  });
  await ctx.driver.startContainer(id);
  return id;
}

async function executeInfra(action: Exclude<Action, ContainerAction>, ctx: ApplyContext): Promise<void> {
  const { driver } = ctx;
  const project = ctx.desired.model.project;
  switch (action.kind) {
    case 'create-network':
      return driver.createNetwork(project, action.network);
    case 'create-volume':
      return driver.createVolume(project, action.volume);
    case 'remove':
      // No grace given: the engine uses the StopTimeout the container was created with, which is
      // the stop_grace_period of the service as it was (a removed service has no spec any more).
      await driver.stopContainer(action.containerId);
      return driver.removeContainer(action.containerId);
    case 'remove-network':
      return driver.removeNetwork(action.id);
    case 'remove-volume':
      return driver.removeVolume(project, action.volume);
  }
}

/** Runs one action, reports its outcome, and wraps engine errors with what was being done. */
async function run(action: Action, ctx: ApplyContext, work: () => Promise<void>): Promise<void> {
  const started = Date.now();
  try {
    await work();
    ctx.onAction?.(action, { ok: true, durationMs: Date.now() - started });
  } catch (err) {
    ctx.onAction?.(action, { ok: false, durationMs: Date.now() - started, error: errorMessage(err) });
    if (err instanceof RolloutError || err instanceof ApplyError) throw err;
    throw new ApplyError(action, err);
  }
}

export function describeAction(action: Action): string {
  switch (action.kind) {
    case 'create-network':
      return `create network ${action.network.name}`;
    case 'create-volume':
      return `create volume ${action.volume.name}`;
    case 'remove-network':
      return `remove network ${action.network}`;
    case 'remove-volume':
      return `remove volume ${action.volume}`;
    case 'remove':
      return `remove ${action.name} (${action.reason})`;
    default:
      return `${action.kind} ${action.name}`;
  }
}
