import type Docker from 'dockerode';
import type {
  ActualContainer,
  ActualNetwork,
  ActualVolume,
  ContainerHealth,
  ContainerState,
  RuntimeSettings,
} from '../../model/actual-state.js';
import { LABEL } from '../../stack/names.js';

const STATES: ContainerState[] = ['created', 'running', 'paused', 'restarting', 'removing', 'exited', 'dead'];

/**
 * Pure: one row of the engine's container list -> ActualContainer. The list call (unlike
 * inspect) gives health and exit code only inside the human `Status` text, e.g.
 * "Up 3 seconds (healthy)" or "Exited (137) 2 seconds ago"; parsing it saves an inspect per container.
 */
export function toActualContainer(info: Docker.ContainerInfo): ActualContainer {
  const labels = info.Labels ?? {};
  const replica = Number(labels[LABEL.replica]);
  const status = info.Status ?? '';
  const exit = /^Exited \((-?\d+)\)/.exec(status);
  return {
    id: info.Id,
    name: (info.Names?.[0] ?? '').replace(/^\//, ''),
    project: labels[LABEL.project] ?? '',
    service: labels[LABEL.service] ?? '',
    replica: Number.isInteger(replica) && replica > 0 ? replica : 0,
    commit: labels[LABEL.commit] ?? '',
    configHash: labels[LABEL.configHash] ?? '',
    state: STATES.includes(info.State as ContainerState) ? (info.State as ContainerState) : 'dead',
    health: parseHealth(status),
    exitCode: exit ? Number(exit[1]) : undefined,
    image: info.Image,
    imageRef: labels[LABEL.image],
    imageDigest: labels[LABEL.imageDigest],
    createdAt: info.Created,
    labels,
  };
}

function parseHealth(status: string): ContainerHealth {
  if (status.includes('(healthy)')) return 'healthy';
  if (status.includes('(unhealthy)')) return 'unhealthy';
  if (status.includes('(health: starting)')) return 'starting';
  return 'none';
}

export function toActualNetwork(info: Docker.NetworkInspectInfo): ActualNetwork {
  const labels = info.Labels ?? {};
  return {
    id: info.Id,
    name: info.Name,
    project: labels[LABEL.project] ?? '',
    key: labels[LABEL.network] ?? '',
  };
}

export function toActualVolume(info: { Name: string; Labels: Record<string, string> | null }): ActualVolume {
  const labels = info.Labels ?? {};
  return { name: info.Name, project: labels[LABEL.project] ?? '', key: labels[LABEL.volume] ?? '' };
}

/** Pure: the `docker update`-able settings of an inspected container, unset ones as 0 / 'no'. */
export function toRuntimeSettings(host: {
  Memory?: number | null;
  MemoryReservation?: number | null;
  NanoCpus?: number | null;
  PidsLimit?: number | null;
  RestartPolicy?: { Name?: string | null } | null;
}): RuntimeSettings {
  return {
    memoryBytes: host.Memory ?? 0,
    memoryReservationBytes: host.MemoryReservation ?? 0,
    nanoCpus: host.NanoCpus ?? 0,
    // The engine reports "no limit" as 0, -1 or null depending on version and cgroup driver.
    pids: Math.max(0, host.PidsLimit ?? 0),
    restart: host.RestartPolicy?.Name || 'no',
  };
}
