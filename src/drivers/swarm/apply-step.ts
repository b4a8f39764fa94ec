/**
 * One step on a Swarm, returning at once: a create or update is handed to the engine (which rolls
 * it out by its update_config) and answers `progressing`; later passes `watch` the service until
 * its tasks run (`done`) or Swarm paused or rolled the update back (`failed`, not retryable, with
 * the task errors). Every spec is judged by the last gate right before it is sent. An image
 * update is no exception (`SwarmDriver.resumesImageUpdates`): a later pass judges it too.
 */
import type Docker from 'dockerode';
import { describeFinding } from '../../policy/admission/index.js';
import type { StepContext } from '../driver.js';
import type { RegistryAuth } from '../../model/image.js';
import type { Action } from '../plan-action.js';
import type { Step, StepResult } from '../resources.js';
import type { ActualNetwork } from '../../model/actual-state.js';
import { admitSwarmNetwork, admitSwarmService } from './admission.js';
import { isFailureOf, serviceCondition } from './health.js';
import type { SwarmServiceState } from './live.js';
import type { DesiredSwarmNetwork, DesiredSwarmService } from './resources.js';
import { createFileObject, removeFileObject, withObjectIds } from './object-calls.js';

/** How soon a pass looks again at a rollout Swarm is running. */
export const WATCH_INTERVAL_MS = 2_000;

export async function applySwarmStep(
  docker: Docker,
  step: Step,
  actions: Action[],
  ctx: StepContext,
  now: () => number = Date.now,
): Promise<StepResult> {
  let last: StepResult = { done: true };
  for (const action of actions) {
    const started = now();
    try {
      last = await applyAction(docker, step, action, ctx, now);
      ctx.report(action, {
        ok: !('failed' in last),
        durationMs: now() - started,
        error: 'failed' in last ? last.reason : undefined,
      });
    } catch (err) {
      const reason = `${step.key}: ${(err as Error).message}`;
      ctx.report(action, { ok: false, durationMs: now() - started, error: reason });
      return { failed: true, retryable: true, reason, cause: err };
    }
    if (!('done' in last)) return last;
  }
  return last;
}

async function applyAction(
  docker: Docker,
  step: Step,
  action: Action,
  ctx: StepContext,
  now: () => number,
): Promise<StepResult> {
  switch (action.kind) {
    case 'create-network': {
      const { body } = step.desired?.body as DesiredSwarmNetwork;
      const refused = admitSwarmNetwork(body, action.network.name, ctx.admission);
      if (refused.length) return refusal(step, refused.map(describeFinding));
      await docker.createNetwork(body as Docker.NetworkCreateOptions);
      return { done: true };
    }
    case 'remove-network':
      await ignoreMissing(docker.getNetwork((step.live?.body as ActualNetwork).id).remove());
      return { done: true };
    case 'remove':
      await ignoreMissing(docker.getService(action.containerId).remove());
      return { done: true };
    case 'create-object':
      await createFileObject(docker, step, ctx);
      return { done: true };
    case 'remove-object':
      await removeFileObject(docker, action.object, action.id);
      return { done: true };
    case 'create':
    case 'recreate': {
      const desired = step.desired?.body as DesiredSwarmService;
      const refused = admitSwarmService(desired.spec, desired.service, ctx.admission);
      if (refused.length) return refusal(step, refused.map(describeFinding));
      const image =
        desired.spec.TaskTemplate && 'ContainerSpec' in desired.spec.TaskTemplate
          ? desired.spec.TaskTemplate.ContainerSpec?.Image
          : undefined;
      // `--with-registry-auth`: the nodes pull with the project's login, sent as X-Registry-Auth.
      const auth = image && ctx.registryAuth ? await ctx.registryAuth(image) : undefined;
      // Swarm wants each secret's and config's id besides its name: looked up right before sending.
      const sent = await withObjectIds(docker, desired.spec);
      if (action.kind === 'create') {
        // Two arguments: with one, dockerode's promise form sends the whole spec as X-Registry-Auth.
        await (docker.createService as unknown as CreateService).call(docker, auth, sent);
      } else {
        const live = step.live?.body as SwarmServiceState;
        const spec = keepForceUpdate(sent, live.spec);
        // dockerode sends `auth` as X-Registry-Auth (never in the body) and `_query` alone as the
        // query string (otherwise the whole spec, environment included, would go into the URL too).
        const options = { ...spec, _query: { version: live.version } };
        const service = docker.getService(live.id);
        await (service.update as unknown as UpdateService).call(service, auth, options);
      }
      return {
        progressing: true,
        retryAfterMs: WATCH_INTERVAL_MS,
        reason: `${action.name}: handed to Swarm, tasks starting`,
      };
    }
    case 'watch':
      return judgeRollout(step.live?.body as SwarmServiceState, action, step, now());
    default:
      return {
        failed: true,
        retryable: false,
        reason: `${step.key}: the Swarm driver cannot ${action.kind}`,
      };
  }
}

/**
 * How a rollout Swarm runs is doing: done, still on its way, or failed (paused or rolled back).
 * A failure is this step's only when it is its desired spec's (`isFailureOf`: by spec hash, or
 * after a rollback by the config hash the failed spec's tasks carry).
 */
export function judgeRollout(
  live: SwarmServiceState,
  action: { service: string; name: string },
  step: Step,
  nowMs: number,
): StepResult {
  const c = serviceCondition(live, nowMs);
  if (c.kind === 'converged') return { done: true };
  // A failure of another spec (Swarm rolled it back to this one) is not this step's.
  const desired = step.desired && {
    hash: step.desired.hash,
    spec: (step.desired.body as DesiredSwarmService | undefined)?.spec ?? {},
  };
  if (c.kind === 'progressing' || !(desired && isFailureOf(c, desired)))
    return { progressing: true, retryAfterMs: WATCH_INTERVAL_MS, reason: `${action.name}: ${c.reason}` };
  const failureAction = (live.spec.UpdateConfig?.FailureAction ?? 'rollback') as
    'pause' | 'continue' | 'rollback';
  return {
    failed: true,
    retryable: false,
    reason: `rollout of ${action.service} failed: ${c.reason}`,
    rollout: { unit: action.service, reason: c.reason, failureAction },
  };
}

/** dockerode's two-argument forms, which its types omit: the login first, then the spec. */
type CreateService = (auth: RegistryAuth | undefined, spec: Docker.ServiceSpec) => Promise<unknown>;
type UpdateService = (auth: RegistryAuth | undefined, options: object) => Promise<unknown>;

/** `ForceUpdate` is a counter `docker service update --force` bumps: kept, never reset or bumped. */
function keepForceUpdate(want: Docker.ServiceSpec, live: Docker.ServiceSpec): Docker.ServiceSpec {
  const force = live.TaskTemplate?.ForceUpdate;
  if (force === undefined || !want.TaskTemplate) return want;
  return { ...want, TaskTemplate: { ...want.TaskTemplate, ForceUpdate: force } };
}

function refusal(step: Step, reasons: string[]): StepResult {
  return {
    failed: true,
    retryable: false,
    reason: `${step.key}: refused by the last gate: ${reasons.join('; ')}`,
  };
}

async function ignoreMissing(work: Promise<unknown>): Promise<void> {
  try {
    await work;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode !== 404) throw err;
  }
}
