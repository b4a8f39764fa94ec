import type { ServiceSpec, StackModel } from '../../stack/model.js';
import type { ActualContainer } from '../../model/actual-state.js';
import type { Health, HealthVerdict, ProjectHealth } from '../../model/health.js';
import { jobServices } from './replica-plan.js';

/** Worst first: the project is as healthy as its least healthy service. */
const SEVERITY: Record<Health, number> = { Degraded: 4, Missing: 3, Progressing: 2, Unknown: 1, Healthy: 0 };

/** Pure: one service's health from its containers as listed on the engine. */
export function serviceHealth(spec: ServiceSpec, containers: ActualContainer[], job = false): HealthVerdict {
  if (spec.replicas === 0) return { health: 'Healthy', reason: 'scaled to 0' };
  const current = containers.filter((c) => c.replica >= 1 && c.replica <= spec.replicas);
  if (current.length === 0) return { health: 'Missing', reason: `no containers for ${spec.name}` };
  const failed = current.find(
    // A job that exited 0 is done; any other service that exited is down, whatever the code.
    (c) =>
      c.state === 'dead' || c.health === 'unhealthy' || (c.state === 'exited' && (c.exitCode !== 0 || !job)),
  );
  if (failed) {
    const why = failed.health === 'unhealthy' ? 'is unhealthy' : `exited with code ${failed.exitCode ?? '?'}`;
    return { health: 'Degraded', reason: `${failed.name} ${why}` };
  }
  const pending = current.find(
    (c) => c.state === 'created' || c.state === 'restarting' || c.health === 'starting',
  );
  if (pending)
    return {
      health: 'Progressing',
      reason: `${pending.name} is ${pending.health === 'starting' ? 'starting' : pending.state}`,
    };
  const replicas = new Set(current.map((c) => c.replica)).size;
  if (replicas < spec.replicas) {
    return { health: 'Progressing', reason: `${spec.name} has ${replicas}/${spec.replicas} replicas` };
  }
  const paused = current.find((c) => c.state === 'paused');
  if (paused) return { health: 'Degraded', reason: `${paused.name} is paused` };
  return { health: 'Healthy', reason: '' };
}

/** Pure: the project's health is its worst service's; the reason names that service. */
export function projectHealth(model: StackModel, containers: ActualContainer[]): ProjectHealth {
  const services: Record<string, HealthVerdict> = {};
  let worst: HealthVerdict = { health: 'Healthy', reason: '' };
  const jobs = jobServices(model.services);
  for (const name of Object.keys(model.services).sort()) {
    const verdict = serviceHealth(
      model.services[name] as ServiceSpec,
      containers.filter((c) => c.service === name),
      jobs.has(name),
    );
    services[name] = verdict;
    if (SEVERITY[verdict.health] > SEVERITY[worst.health]) worst = verdict;
  }
  return { ...worst, services };
}
