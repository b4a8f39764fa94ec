import type { ContainerDriver } from './container-driver.js';
import type { DependsOnSpec, StackModel } from '../../stack/model.js';
import { containerName } from '../../stack/names.js';
import { sleep } from './readiness.js';

const DEPENDENCY_TIMEOUT_MS = 120_000;
const POLL_MS = 250;

/**
 * Blocks until every dependency of `service` meets its `depends_on` condition: started (all
 * replicas running), healthy, or completed successfully (exited 0). Throws with the reason when
 * a dependency fails for good or the wait times out; optional dependencies that do not exist
 * (`required: false`) are skipped.
 */
export async function waitForDependencies(
  driver: ContainerDriver,
  model: StackModel,
  service: string,
  timeoutMs = DEPENDENCY_TIMEOUT_MS,
): Promise<void> {
  const deps = Object.entries(model.services[service]?.dependsOn ?? {});
  for (const [dep, condition] of deps) {
    const spec = model.services[dep];
    if (!spec) {
      if (condition.required) throw new Error(`${service} depends on ${dep}, which is not in the stack`);
      continue;
    }
    const names = Array.from({ length: spec.replicas }, (_, i) => containerName(model.project, dep, i + 1));
    await Promise.all(names.map((name) => waitCondition(driver, service, name, condition, timeoutMs)));
  }
}

async function waitCondition(
  driver: ContainerDriver,
  service: string,
  name: string,
  dep: DependsOnSpec,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'missing';
  while (Date.now() < deadline) {
    const probe = await driver.inspectContainer(name).catch(() => undefined);
    if (!probe) {
      if (!dep.required) return;
      last = 'missing';
    } else {
      last = probe.health === 'none' ? probe.state : `${probe.state} (${probe.health})`;
      switch (dep.condition) {
        case 'service_started':
          if (probe.state === 'running' || probe.state === 'exited') return;
          break;
        case 'service_healthy':
          if (probe.health === 'healthy' || (probe.health === 'none' && probe.state === 'running')) return;
          if (probe.health === 'unhealthy' || probe.state === 'exited') {
            throw new Error(`${service} waits for ${name} to be healthy, but it is ${last}`);
          }
          break;
        case 'service_completed_successfully':
          if (probe.state === 'exited' && probe.exitCode === 0) return;
          if (probe.state === 'exited') {
            throw new Error(
              `${service} waits for ${name} to complete successfully, but it exited with ${probe.exitCode}`,
            );
          }
          break;
      }
    }
    await sleep(POLL_MS);
  }
  throw new Error(`${service} gave up waiting for ${name} (${dep.condition}); it is ${last}`);
}
