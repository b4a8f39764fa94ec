import { RolloutError } from '../rollout-error.js';
import type { ActualState } from '../../model/actual-state.js';
import type { ProjectHealth } from '../../model/health.js';
import type { StackModel } from '../../stack/model.js';
import type { Driver, EngineEvent, LogChunk, LogRequest, StepContext } from '../driver.js';
import type { Action } from '../plan-action.js';
import type { DesiredState, Step, StepResult } from '../resources.js';
import type { ContainerDriver } from './container-driver.js';
import type { ImagePin, RegistryAuth } from '../../model/image.js';
import { dockerActionsOf, dockerDrift, observeDocker, renderDocker } from './docker-resources.js';
import { projectHealth } from './health.js';
import { ApplyError, executeInfra, run, runServiceGroup, type ApplyContext } from './rollout.js';
import { dockerRules } from './rules.js';

/**
 * The resource contract (`Driver`) over container verbs: Docker's resource shape, its per-replica
 * planning, its rollout and its health. `DockerDriver` supplies the verbs on a real engine; a test
 * may supply them in memory and run the very same rollout.
 */
export class ContainerEngine implements Driver {
  readonly capabilities = dockerRules.capabilities;
  readonly admitCommit = dockerRules.admitCommit;
  readonly admissionContext = dockerRules.admissionContext;
  /** A later pass pinned to the new digest finds the update's `-next` containers and judges them. */
  readonly resumesImageUpdates = true;

  /** Present only when the container driver resolves images: a test double without registries pins nothing. */
  readonly resolveImage?: (
    ref: string,
    options?: { auth?: RegistryAuth; fresh?: boolean },
  ) => Promise<ImagePin>;

  constructor(readonly containers: ContainerDriver) {
    const resolve = containers.resolveImage?.bind(containers);
    if (resolve) this.resolveImage = resolve;
  }

  listActual(options?: { containersOnly?: boolean }): Promise<ActualState> {
    return this.containers.listActual(options);
  }
  ping(): Promise<void> {
    return this.containers.ping();
  }
  watchEvents(onEvent: (event: EngineEvent) => void): () => void {
    return this.containers.watchEvents(onEvent);
  }
  logs(request: LogRequest): AsyncIterable<LogChunk> {
    return this.containers.logs(request);
  }
  render(desired: DesiredState) {
    return renderDocker(desired);
  }
  observe(actual: ActualState, project: string) {
    return observeDocker(actual, project);
  }
  drift: Driver['drift'] = dockerDrift;
  actionsOf: Driver['actionsOf'] = dockerActionsOf;

  /**
   * Runs the step's actions and says how it went: done; progressing while a new replica (or a
   * dependency) is not ready yet, without waiting for it (the next pass picks the rollout up from
   * the engine); failed: an engine error is retryable, a replica that did not become ready is not.
   */
  async applyStep(step: Step, actions: Action[], ctx: StepContext): Promise<StepResult> {
    const apply: ApplyContext = { ...ctx, driver: this.containers };
    try {
      if (step.kind === 'service' && step.op !== 'delete') {
        return await runServiceGroup(step.key.slice('service/'.length), actions, apply);
      } else {
        for (const action of actions) await run(action, apply, () => executeInfra(action as never, apply));
      }
      return { done: true };
    } catch (err) {
      if (err instanceof RolloutError) {
        return {
          failed: true,
          retryable: false,
          reason: err.message,
          rollout: { unit: err.service, failureAction: err.failureAction, reason: err.reason },
        };
      }
      const cause = err instanceof ApplyError ? err.cause : err;
      return { failed: true, retryable: true, reason: (err as Error).message, cause };
    }
  }

  health(model: StackModel | undefined, actual: ActualState): ProjectHealth {
    if (!model) {
      return actual.containers.length === 0
        ? { health: 'Missing', reason: 'nothing deployed yet', services: {} }
        : { health: 'Unknown', reason: 'no applied commit to compare with', services: {} };
    }
    return projectHealth(model, actual.containers);
  }
}
