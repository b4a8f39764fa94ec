import type { Driver } from '../drivers/driver.js';
import type { ServiceSpec } from '../stack/model.js';
import type { Action, DesiredState } from './plan.js';
import { errorMessage } from '../util/errors.js';

export interface ApplyContext {
  driver: Driver;
  desired: DesiredState;
  resolveBindSource(source: string): string;
  /** Called after each action with its outcome; used for logs and metrics. */
  onAction?(action: Action, outcome: { ok: boolean; durationMs: number; error?: string }): void;
}

export class ApplyError extends Error {
  constructor(
    readonly action: Action,
    override readonly cause: unknown,
  ) {
    super(`${describeAction(action)} failed: ${errorMessage(cause)}`);
    this.name = 'ApplyError';
  }
}

/**
 * Executes a plan in order, stopping at the first failure: the next pass recomputes the plan
 * from what then runs, so nothing needs undoing here.
 */
export async function applyPlan(actions: Action[], ctx: ApplyContext): Promise<void> {
  const imagesReady = new Set<string>();
  const ensureImage = async (image: string) => {
    if (imagesReady.has(image)) return;
    await ctx.driver.ensureImage(image);
    imagesReady.add(image);
  };
  for (const action of actions) {
    const started = Date.now();
    try {
      await executeAction(action, ctx, ensureImage);
      ctx.onAction?.(action, { ok: true, durationMs: Date.now() - started });
    } catch (err) {
      ctx.onAction?.(action, { ok: false, durationMs: Date.now() - started, error: errorMessage(err) });
      throw new ApplyError(action, err);
    }
  }
}

async function executeAction(
  action: Action,
  ctx: ApplyContext,
  ensureImage: (image: string) => Promise<void>,
): Promise<void> {
  const { driver, desired } = ctx;
  const project = desired.model.project;
  const spec = (service: string) => desired.model.services[service] as ServiceSpec;
  const createAndStart = async (service: string, replica: number, name: string) => {
    const id = await driver.createContainer({
      project,
      name,
      replica,
      spec: spec(service),
      commit: desired.commit,
      configHash: desired.hashes[service] ?? '',
      resolveBindSource: ctx.resolveBindSource,
    });
    await driver.startContainer(id);
  };
  switch (action.kind) {
    case 'create-network':
      return driver.createNetwork(project, action.network);
    case 'create-volume':
      return driver.createVolume(project, action.volume);
    case 'create':
      await ensureImage(spec(action.service).image);
      return createAndStart(action.service, action.replica, action.name);
    case 'recreate':
      // The image first: if it cannot be had, the old container keeps running.
      await ensureImage(spec(action.service).image);
      await driver.stopContainer(action.containerId, spec(action.service).stopGracePeriodSeconds);
      await driver.removeContainer(action.containerId);
      return createAndStart(action.service, action.replica, action.name);
    case 'start':
      return driver.startContainer(action.containerId);
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
