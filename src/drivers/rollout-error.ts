import type { ServiceSpec } from '../stack/model.js';

/**
 * A new unit (a container, a task) did not become ready: the commit itself is bad, retrying will
 * not help. Thrown inside a driver's step and again by the reconciler from the step's answer, so
 * the pass tells it from an engine error the same way whichever side raised it.
 */
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
