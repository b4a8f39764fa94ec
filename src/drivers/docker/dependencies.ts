import type { ContainerDriver, ContainerProbe } from './container-driver.js';
import type { DependsOnSpec, StackModel } from '../../stack/model.js';
import { containerName } from '../../stack/names.js';
import { BRIEF_WAIT_MS, sleep, waitOrigin } from './readiness.js';

/** How long a dependency may take to meet its condition, counted from when it was last started. */
export const DEPENDENCY_TIMEOUT_MS = 120_000;
const POLL_MS = 250;
/** How soon a pass looks again at a dependency that is not there yet. */
export const DEPENDENCY_RECHECK_MS = 1_000;

/** `met`: every dependency meets its condition; otherwise why the service must wait. */
export type DependencyState = { met: true } | { met: false; reason: string };

/**
 * Whether every dependency of `service` meets its `depends_on` condition now: started (all
 * replicas running), healthy, or completed successfully (exited 0). Looks for at most `waitMs`,
 * so a dependency about to get there does not cost a pass. Throws with the reason when a
 * dependency fails for good, or has not got there DEPENDENCY_TIMEOUT_MS after it was started
 * (read from the engine, so a daemon restart does not reset it). Optional dependencies that do
 * not exist (`required: false`) are skipped.
 */
export async function dependencyState(
  driver: ContainerDriver,
  model: StackModel,
  service: string,
  waitMs = BRIEF_WAIT_MS,
): Promise<DependencyState> {
  const until = Date.now() + waitMs;
  for (;;) {
    const state = await dependencyStateOnce(driver, model, service);
    if (state.met || Date.now() >= until) return state;
    await sleep(Math.min(POLL_MS, Math.max(0, until - Date.now())));
  }
}

async function dependencyStateOnce(
  driver: ContainerDriver,
  model: StackModel,
  service: string,
): Promise<DependencyState> {
  const deps = Object.entries(model.services[service]?.dependsOn ?? {});
  for (const [dep, condition] of deps) {
    const spec = model.services[dep];
    if (!spec) {
      if (condition.required) throw new Error(`${service} depends on ${dep}, which is not in the stack`);
      continue;
    }
    for (let replica = 1; replica <= spec.replicas; replica++) {
      const name = containerName(model.project, dep, replica);
      const probe = await driver.inspectContainer(name).catch(() => undefined);
      const waiting = conditionState(service, name, condition, probe, Date.now());
      if (waiting) return { met: false, reason: waiting };
    }
  }
  return { met: true };
}

/**
 * Pure: undefined when the container meets the condition, why the service waits when it does
 * not yet; throws when it cannot any more (same words as when this wait blocked a pass).
 */
export function conditionState(
  service: string,
  name: string,
  dep: DependsOnSpec,
  probe: ContainerProbe | undefined,
  now: number,
): string | undefined {
  if (!probe)
    return dep.required ? `${service} waits for ${name} (${dep.condition}); it is missing` : undefined;
  const last = probe.health === 'none' ? probe.state : `${probe.state} (${probe.health})`;
  switch (dep.condition) {
    case 'service_started':
      if (probe.state === 'running' || probe.state === 'exited') return undefined;
      break;
    case 'service_healthy':
      if (probe.health === 'healthy' || (probe.health === 'none' && probe.state === 'running'))
        return undefined;
      if (probe.health === 'unhealthy' || probe.state === 'exited') {
        throw new Error(`${service} waits for ${name} to be healthy, but it is ${last}`);
      }
      break;
    case 'service_completed_successfully':
      if (probe.state === 'exited' && probe.exitCode === 0) return undefined;
      if (probe.state === 'exited') {
        throw new Error(
          `${service} waits for ${name} to complete successfully, but it exited with ${probe.exitCode}`,
        );
      }
      break;
  }
  const since = waitOrigin(probe);
  if (since !== undefined && now - since >= DEPENDENCY_TIMEOUT_MS) {
    const restarts = probe.restartCount ? `, restarted ${probe.restartCount} times by the engine` : '';
    const waited = Math.round(DEPENDENCY_TIMEOUT_MS / 1000);
    throw new Error(
      `${service} gave up waiting for ${name} (${dep.condition}) after ${waited}s; it is ${last}${restarts}`,
    );
  }
  return `${service} waits for ${name} (${dep.condition}); it is ${last}`;
}
