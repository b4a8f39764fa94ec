import type { ContainerDriver, ContainerProbe } from './container-driver.js';
import type { ServiceSpec } from '../../stack/model.js';

const POLL_MS = 250;

/**
 * How long a step looks at a container it just started (or one started by an earlier pass)
 * before it answers `progressing`: long enough that a container without a healthcheck, or with a
 * quick one, finishes in the same pass; short enough that a pass never holds the others back.
 */
export const BRIEF_WAIT_MS = 1_500;

/** A step's wait that ends only with the container's verdict or its deadline (image updates). */
export const UNTIL_VERDICT = Number.POSITIVE_INFINITY;

/** The longest a pass asks to be looked at again while a container is proving itself. */
const MAX_RECHECK_MS = 5_000;

/** `pending`: neither ready nor failed yet; look again later (before `readyBy`). */
export type Readiness = { ok: true } | { ok: false; reason: string } | { pending: true; reason: string };

/**
 * How long a new container may take to prove itself: the update's `monitor` window, stretched
 * to what the healthcheck itself needs to reach a verdict (start period + retries × interval),
 * so a slow but correct healthcheck is not declared failed by a short default window.
 */
export function readinessTimeoutMs(spec: ServiceSpec): number {
  const hc = spec.healthcheck;
  if (!hasHealthcheck(spec) || !hc) return spec.updateConfig.monitorMs;
  return Math.max(spec.updateConfig.monitorMs, healthcheckWindowMs(hc));
}

/**
 * Pure: how long a healthcheck may take to reach a verdict (start period + (retries + 1) ×
 * (interval + timeout), engine defaults for what is unset), at most 10 minutes.
 */
export function healthcheckWindowMs(hc: {
  intervalMs?: number;
  timeoutMs?: number;
  startPeriodMs?: number;
  retries?: number;
}): number {
  const interval = hc.intervalMs || 30_000;
  const verdict = (hc.startPeriodMs ?? 0) + (interval + (hc.timeoutMs || 30_000)) * ((hc.retries || 3) + 1);
  return Math.min(verdict, 10 * 60_000);
}

/**
 * Pure: the deadline a started container is judged by. The stack's own healthcheck sets
 * `readyBy`; but a service whose stack sets none can still run the image's HEALTHCHECK (the
 * engine reports `starting` until its first verdict), and an image's `--interval=30s` is common:
 * while that check has not spoken, its own window (from the container's last start) is waited
 * for too, or a correct container would fail the service's short `monitor` window.
 */
export function effectiveReadyBy(probe: ContainerProbe, spec: ServiceSpec, readyBy: number): number {
  if (hasHealthcheck(spec) || probe.health !== 'starting') return readyBy;
  if (probe.ownCheckWindowMs === undefined || probe.startedAt === undefined) return readyBy;
  return Math.max(readyBy, probe.startedAt + probe.ownCheckWindowMs);
}

export function hasHealthcheck(spec: ServiceSpec): boolean {
  const test = spec.healthcheck?.test;
  return test !== undefined && test.length > 0 && test[0] !== 'NONE';
}

/**
 * Pure: when to look again at a container still proving itself: its healthcheck's interval (the
 * soonest its verdict can change), at most MAX_RECHECK_MS, and never after its deadline (so a
 * container that never gets ready fails promptly).
 */
export function recheckAfterMs(spec: ServiceSpec, readyBy: number, now: number): number {
  const interval = hasHealthcheck(spec) ? (spec.healthcheck?.intervalMs ?? 30_000) : 1_000;
  // Past `readyBy` a container is either failed at the next look or waits for its image's own
  // check (`effectiveReadyBy`): then the check's interval, not a tight loop.
  const untilDeadline = readyBy > now ? readyBy - now + POLL_MS : interval;
  return Math.max(POLL_MS, Math.min(interval, MAX_RECHECK_MS, untilDeadline));
}

/** Pure: one look at a container. Ready: healthy, or running when no healthcheck reports. */
export function judgeProbe(probe: ContainerProbe, name: string): Readiness {
  if (probe.state === 'exited' || probe.state === 'dead') {
    return { ok: false, reason: `${name} exited with code ${probe.exitCode}` };
  }
  if (probe.health === 'unhealthy') {
    return { ok: false, reason: `${name} is unhealthy${probe.healthLog ? `: ${probe.healthLog}` : ''}` };
  }
  if (probe.state === 'running' && (probe.health === 'healthy' || probe.health === 'none'))
    return { ok: true };
  return { pending: true, reason: `${name} is ${probe.health === 'starting' ? 'starting' : probe.state}` };
}

/**
 * Pure: when a container started again in place must be ready by (ms since the epoch): its last
 * start, as the engine recorded it (its creation once the engine restarted it by itself, see
 * `waitOrigin`), plus its readiness window. Read from the engine, so a pass
 * after a daemon restart keeps the same deadline.
 */
export function startedReadyBy(probe: ContainerProbe, spec: ServiceSpec, now: number): number {
  return (waitOrigin(probe) ?? now) + readinessTimeoutMs(spec);
}

/**
 * Pure: since when a container has had its chance to get ready (ms since the epoch): its last start
 * by hand or by Spin. The engine's own restarts (restart policy) move its start time but not that
 * chance: one that keeps crashing would otherwise be waited for forever (as a dependency, or
 * started again in place), so once the engine has restarted it the wait counts from its creation.
 * Read from the engine, so it survives a daemon restart.
 */
export function waitOrigin(probe: ContainerProbe): number | undefined {
  if (probe.restartCount && probe.restartCount > 0) return probe.createdAt ?? probe.startedAt;
  return probe.startedAt;
}

/**
 * Pure: why a stopped container's last run counts as a failed start, or undefined. A start in
 * place is judged by a later pass (the step only looks briefly), so a container with a
 * healthcheck that stopped before any check passed, within its readiness window, failed its
 * readiness even though nobody was watching: the pass that finds it stopped says so (and starts
 * it again, as a repair always did). Whatever stopped it (a crash, a stop by hand), as when the
 * step waited for it. A run without a healthcheck was ready once it ran; a run that passed a check,
 * or outlasted its window, is not a failed start.
 */
export function failedStart(probe: ContainerProbe, spec: ServiceSpec, name: string): string | undefined {
  if (probe.state !== 'exited' || probe.health === 'none' || probe.passedSinceStart) return undefined;
  if (probe.startedAt === undefined || probe.finishedAt === undefined) return undefined;
  if (probe.finishedAt - probe.startedAt >= readinessTimeoutMs(spec)) return undefined;
  const seconds = Math.max(0, Math.round((probe.finishedAt - probe.startedAt) / 1000));
  return `${name} exited with code ${probe.exitCode} ${seconds}s after it was started, before it became healthy`;
}

/**
 * Looks at a started container for at most `waitMs`: ready (healthy when the service has a
 * healthcheck, an image's own HEALTHCHECK also counts when the engine reports one; otherwise
 * running), failed (exited, unhealthy, or still not ready at `readyBy`, ms since the epoch, or
 * by the image's own check's window, see `effectiveReadyBy`), or still pending. Never waits past
 * that deadline; `waitMs` infinite (UNTIL_VERDICT) waits for the verdict.
 */
export async function probeReady(
  driver: ContainerDriver,
  id: string,
  name: string,
  spec: ServiceSpec,
  readyBy: number,
  waitMs = BRIEF_WAIT_MS,
): Promise<Readiness> {
  const until = Date.now() + waitMs;
  for (;;) {
    const probe = await driver.inspectContainer(id);
    const verdict = judgeProbe(probe, name);
    if (!('pending' in verdict)) return verdict;
    const now = Date.now();
    const deadline = effectiveReadyBy(probe, spec, readyBy);
    if (now >= deadline) {
      const windowMs = deadline === readyBy ? readinessTimeoutMs(spec) : (probe.ownCheckWindowMs ?? 0);
      const seconds = Math.round(windowMs / 1000);
      return { ok: false, reason: `${name} did not become healthy within ${seconds}s` };
    }
    if (now >= until) return verdict;
    await sleep(Math.min(POLL_MS, Math.max(0, Math.min(until, deadline) - now)));
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
