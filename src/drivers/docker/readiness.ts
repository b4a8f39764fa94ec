import type { ContainerDriver, ContainerProbe } from './container-driver.js';
import type { ServiceSpec } from '../../stack/model.js';

const POLL_MS = 250;

export type Readiness = { ok: true } | { ok: false; reason: string };

/**
 * How long a new container may take to prove itself: the update's `monitor` window, stretched
 * to what the healthcheck itself needs to reach a verdict (start period + retries × interval),
 * so a slow but correct healthcheck is not declared failed by a short default window.
 */
export function readinessTimeoutMs(spec: ServiceSpec): number {
  const hc = spec.healthcheck;
  if (!hasHealthcheck(spec) || !hc) return spec.updateConfig.monitorMs;
  const interval = hc.intervalMs ?? 30_000;
  const verdict = (hc.startPeriodMs ?? 0) + (interval + (hc.timeoutMs ?? 30_000)) * ((hc.retries ?? 3) + 1);
  return Math.max(spec.updateConfig.monitorMs, Math.min(verdict, 10 * 60_000));
}

export function hasHealthcheck(spec: ServiceSpec): boolean {
  const test = spec.healthcheck?.test;
  return test !== undefined && test.length > 0 && test[0] !== 'NONE';
}

/**
 * Waits until a freshly started container is ready: healthy when the service has a healthcheck
 * (an image's own HEALTHCHECK also counts when the engine reports one), otherwise still running.
 * Fails early on `unhealthy` or an exit.
 */
export async function waitReady(
  driver: ContainerDriver,
  id: string,
  name: string,
  spec: ServiceSpec,
  timeoutMs = readinessTimeoutMs(spec),
): Promise<Readiness> {
  const deadline = Date.now() + timeoutMs;
  let probe: ContainerProbe;
  for (;;) {
    probe = await driver.inspectContainer(id);
    if (probe.state === 'exited' || probe.state === 'dead') {
      return { ok: false, reason: `${name} exited with code ${probe.exitCode}` };
    }
    if (probe.health === 'unhealthy') {
      return { ok: false, reason: `${name} is unhealthy${probe.healthLog ? `: ${probe.healthLog}` : ''}` };
    }
    if (probe.state === 'running' && (probe.health === 'healthy' || probe.health === 'none'))
      return { ok: true };
    if (Date.now() >= deadline) break;
    await sleep(Math.min(POLL_MS, Math.max(0, deadline - Date.now())));
  }
  return { ok: false, reason: `${name} did not become healthy within ${Math.round(timeoutMs / 1000)}s` };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
