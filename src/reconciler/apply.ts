import type { ContainerRequest, Driver } from '../drivers/driver.js';
import type { AdmissionContext } from '../policy/admission/index.js';
import type { ServiceSpec } from '../stack/model.js';
import { errorMessage } from '../util/errors.js';
import { pinnedImage } from '../util/image-ref.js';
import type { RegistryAuth } from '../model/image.js';
import { waitForDependencies } from './dependencies.js';
import type { Action, DesiredState } from './plan.js';
import { serviceJoins } from '../stack/joins.js';
import { temporaryName } from '../stack/names.js';
import { sleep, waitReady } from './readiness.js';

export interface ApplyContext {
  driver: Driver;
  desired: DesiredState;
  resolveBindSource(source: string): string;
  /** The project's policy and trusted paths: every create call's exact body is gated with it. */
  admission: AdmissionContext;
  /** The policy's minimum healthcheck interval in ms, for images' own HEALTHCHECKs (driver.ts). */
  minHealthcheckIntervalMs?: number;
  /** The registry login for pulling an image (the project's, for that image's host), if any. */
  registryAuth?(ref: string): Promise<RegistryAuth | undefined>;
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

/** Services rolled out at the same time when they do not depend on each other. */
export const SERVICE_CONCURRENCY = 8;

/**
 * Executes a plan. Networks and volumes come first and stale networks/volumes last, one by one.
 * In between, each service's actions (its removals, then creates/recreates/starts as a rollout
 * gated on readiness) run as one group; groups run in parallel, up to SERVICE_CONCURRENCY, a
 * group starting only when the groups of the services it `depends_on` have finished. A failure
 * stops new groups from starting: the next pass recomputes from what then runs, so nothing
 * needs undoing here.
 */
export async function applyPlan(actions: Action[], ctx: ApplyContext): Promise<void> {
  const images = new Map<string, Promise<void>>();
  const ensureImage = (image: string): Promise<void> => {
    let ready = images.get(image);
    if (!ready) {
      ready = (async () => ctx.driver.ensureImage(image, await ctx.registryAuth?.(image)))();
      images.set(image, ready);
    }
    return ready;
  };
  const isFirst = (a: Action) => a.kind === 'create-network' || a.kind === 'create-volume';
  const isLast = (a: Action) => a.kind === 'remove-network' || a.kind === 'remove-volume';
  const first = actions.filter(isFirst);
  const last = actions.filter(isLast);
  for (const action of first) await run(action, ctx, () => executeInfra(action as InfraAction, ctx));

  const groups = new Map<string, Action[]>();
  for (const action of actions) {
    if (isFirst(action) || isLast(action)) continue;
    const service = (action as { service: string }).service;
    groups.set(service, [...(groups.get(service) ?? []), action]);
  }
  // Services that left the stack go first: they may hold host ports or names the others need.
  const gone = new Map([...groups].filter(([service]) => !ctx.desired.model.services[service]));
  const staying = new Map([...groups].filter(([service]) => !gone.has(service)));
  const runGroup = (service: string, group: Action[]) => runServiceGroup(service, group, ctx, ensureImage);
  await runGroups(gone, ctx, runGroup);
  await runGroups(staying, ctx, runGroup);

  for (const action of last) await run(action, ctx, () => executeInfra(action as InfraAction, ctx));
}

type InfraAction = Exclude<Action, ContainerAction>;

/** One service's group: its removals in plan order, then its rollout. */
async function runServiceGroup(
  service: string,
  group: Action[],
  ctx: ApplyContext,
  ensureImage: (image: string) => Promise<void>,
): Promise<void> {
  const rollout: ContainerAction[] = [];
  for (const action of group) {
    if (isContainerActionOf(action, service)) rollout.push(action);
    else await run(action, ctx, () => executeInfra(action as InfraAction, ctx));
  }
  if (rollout.length > 0) await rollOutService(service, rollout, ctx, ensureImage);
}

/** Runs the groups as a dependency DAG with bounded parallelism; rethrows the first failure. */
async function runGroups(
  groups: Map<string, Action[]>,
  ctx: ApplyContext,
  work: (service: string, group: Action[]) => Promise<void>,
): Promise<void> {
  const services = ctx.desired.model.services;
  const pending = new Set(groups.keys());
  const done = new Set<string>();
  const running = new Map<string, Promise<void>>();
  let failure: unknown;
  // A service that joins another's namespaces waits for it like for a dependency: the driver
  // resolves the join to the target's running container right before the create call.
  const waitsFor = (name: string) => [
    ...Object.keys(services[name]?.dependsOn ?? {}),
    ...joinedServices(ctx.desired.model, name),
  ];
  const blockedBy = (name: string) => waitsFor(name).some((dep) => groups.has(dep) && !done.has(dep));
  while (pending.size > 0 || running.size > 0) {
    if (failure === undefined) {
      for (const name of [...pending]) {
        if (running.size >= SERVICE_CONCURRENCY) break;
        // A cycle (refused at validation) would block forever: run it once nothing else can.
        if (blockedBy(name) && (running.size > 0 || [...pending].some((n) => !blockedBy(n)))) continue;
        pending.delete(name);
        running.set(
          name,
          work(name, groups.get(name) ?? []).then(
            () => {
              done.add(name);
            },
            (err: unknown) => {
              failure ??= err;
              done.add(name);
            },
          ),
        );
      }
    }
    if (running.size === 0) break;
    await Promise.race(running.values());
    for (const name of [...running.keys()]) if (done.has(name)) running.delete(name);
  }
  if (failure !== undefined) throw failure;
}

function joinedServices(model: DesiredState['model'], name: string): string[] {
  const spec = model.services[name];
  if (!spec) return [];
  return serviceJoins(model.project, model, spec).flatMap((j) => (j.ok ? [j.target.service] : []));
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

async function executeInfra(action: Exclude<Action, ContainerAction>, ctx: ApplyContext): Promise<void> {
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

/** One planned action in words, as an operator would say it (logs, `spin plan`, the dashboard). */
export function describeAction(action: Action): string {
  switch (action.kind) {
    case 'create-network':
      return `create network ${action.network.name}`;
    case 'create-volume':
      return `create volume ${action.volume.name}`;
    case 'create':
      return `create container ${action.name}${refusal(action)}`;
    case 'recreate':
      return `recreate container ${action.name} (configuration changed)${refusal(action)}`;
    case 'start':
      return `start container ${action.name}`;
    case 'remove':
      return `remove container ${action.name} (${action.reason.replace(/-/g, ' ')})`;
    case 'rename':
      return `rename container ${action.from} to ${action.name} (name scheme of an older Spin)`;
    case 'remove-network':
      return `remove network ${action.network}`;
    case 'remove-volume':
      return `remove volume ${action.volume}`;
  }
}

function refusal(action: { refused?: string }): string {
  return action.refused === undefined ? '' : ` refused: ${action.refused}`;
}
