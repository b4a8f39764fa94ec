/**
 * One round's look at a Swarm: one service list and one task list, whatever the number of
 * projects; networks (and secrets and configs) on a full list, or when a service names a network
 * id the engine's `NetworkNames` has not seen. Tasks become the round's containers (what the
 * API, metrics and `spin logs` show), services its units (what the planner pairs with the
 * desired ones).
 */
import type Docker from 'dockerode';
import type {
  ActualContainer,
  ActualFileObject,
  ActualNetwork,
  ActualState,
  ActualUnit,
  ContainerState,
} from '../../model/actual-state.js';
import { LABEL } from '../../stack/names.js';
import type { SwarmServiceState, SwarmTask } from './live.js';
import { OBJECT_LABEL } from './names.js';
import { NetworkNames, referencedNetworks } from './network-names.js';

const MANAGED = `${LABEL.managed}=true`;

export async function listSwarm(
  docker: Docker,
  options: { containersOnly?: boolean } = {},
  known: NetworkNames = new NetworkNames(),
): Promise<ActualState> {
  const full = !options.containersOnly;
  const listNetworks = () => docker.listNetworks({ filters: { label: [MANAGED] } });
  const [services, tasks, fullNetworks, fileObjects] = await Promise.all([
    docker.listServices({ filters: { label: [MANAGED] } }),
    docker.listTasks({}) as Promise<RawTask[]>,
    // Like networks and volumes on Docker: only when the caller keeps no earlier list
    // (engine-snapshot.ts).
    full ? listNetworks() : Promise.resolve(undefined),
    full ? listFileObjects(docker) : Promise.resolve([]),
  ]);
  // Live specs name networks by id, and drift compares names: a steady round knows them all.
  const referenced = referencedNetworks(services);
  let networks = fullNetworks;
  if (networks) known.learn(networks, referenced, false);
  else if (!known.covers(referenced)) {
    networks = await listNetworks();
    known.learn(networks, referenced, true);
  }
  const networkNames = known.map;
  const byService = new Map<string, SwarmTask[]>();
  const containers: ActualContainer[] = [];
  const ours = new Map(services.map((s) => [s.ID, s]));
  for (const raw of tasks) {
    const service = ours.get(raw.ServiceID ?? '');
    if (!service) continue;
    const task = taskOf(raw);
    (byService.get(service.ID) ?? byService.set(service.ID, []).get(service.ID))?.push(task);
    if (task.desiredState === 'running') containers.push(containerOf(service, task, raw));
  }
  const units: ActualUnit[] = [];
  for (const s of services) {
    const labels = s.Spec?.Labels ?? {};
    const project = labels[LABEL.project];
    const name = labels[LABEL.service];
    if (!project || !name) continue;
    const detail = serviceState(s, byService.get(s.ID) ?? [], networkNames);
    units.push({
      id: s.ID,
      name: detail.name,
      project,
      service: name,
      commit: labels[LABEL.commit] ?? '',
      configHash: labels[LABEL.configHash] ?? '',
      detail,
    });
  }
  const actualNetworks: ActualNetwork[] = [];
  for (const n of networks ?? []) {
    const labels = n.Labels ?? {};
    const project = labels[LABEL.project];
    const key = labels[LABEL.network];
    if (project && key) actualNetworks.push({ id: n.Id, name: n.Name, project, key });
  }
  return {
    containers,
    networks: full ? actualNetworks : [],
    volumes: [],
    units,
    fileObjects,
  };
}

function serviceState(
  s: Docker.Service,
  tasks: SwarmTask[],
  networkNames: ReadonlyMap<string, string>,
): SwarmServiceState {
  return {
    id: s.ID,
    name: s.Spec?.Name ?? '',
    version: s.Version?.Index ?? 0,
    spec: withNetworkNames(s.Spec ?? {}, networkNames),
    ...(s.PreviousSpec ? { previousSpec: withNetworkNames(s.PreviousSpec, networkNames) } : {}),
    ...(s.UpdateStatus?.State
      ? {
          updateStatus: {
            state: s.UpdateStatus.State,
            message: s.UpdateStatus.Message ?? '',
            startedAt: Date.parse(s.UpdateStatus.StartedAt ?? '') || 0,
          },
        }
      : {}),
    updatedAt: Date.parse(s.UpdatedAt ?? '') || 0,
    tasks,
  };
}

interface RawObject {
  ID: string;
  CreatedAt?: string;
  Spec?: { Name?: string; Labels?: Record<string, string> };
}

/** Every managed secret and config revision: names, labels and times only (Swarm never returns a secret's data). */
async function listFileObjects(docker: Docker): Promise<ActualFileObject[]> {
  const filters = { label: [MANAGED] };
  const [secrets, configs] = (await Promise.all([
    docker.listSecrets({ filters }),
    docker.listConfigs({ filters }),
  ])) as unknown as [RawObject[], RawObject[]];
  const out: ActualFileObject[] = [];
  for (const [kind, list] of [
    ['secret', secrets],
    ['config', configs],
  ] as const) {
    for (const raw of list) {
      const labels = raw.Spec?.Labels ?? {};
      const project = labels[LABEL.project];
      const key = labels[OBJECT_LABEL[kind]];
      if (!project || !key) continue;
      out.push({
        kind,
        id: raw.ID,
        name: raw.Spec?.Name ?? '',
        project,
        key,
        hash: labels[OBJECT_LABEL.hash] ?? '',
        createdAt: Date.parse(raw.CreatedAt ?? '') || 0,
      });
    }
  }
  return out;
}

/** Swarm answers with network ids where the spec sent names: back to names, for comparing. */
function withNetworkNames(spec: Docker.ServiceSpec, names: ReadonlyMap<string, string>): Docker.ServiceSpec {
  const task = spec.TaskTemplate;
  if (!task?.Networks) return spec;
  const networks = task.Networks.map((n) => ({ ...n, Target: names.get(n.Target ?? '') ?? n.Target }));
  return { ...spec, TaskTemplate: { ...task, Networks: networks } };
}

interface RawTask {
  ID: string;
  ServiceID?: string;
  NodeID?: string;
  Slot?: number;
  CreatedAt?: string;
  UpdatedAt?: string;
  DesiredState?: string;
  Status?: {
    State?: string;
    Err?: string;
    Message?: string;
    ContainerStatus?: { ContainerID?: string; ExitCode?: number };
  };
  Spec?: { ContainerSpec?: { Image?: string; Labels?: Record<string, string> } };
}

function taskOf(raw: RawTask): SwarmTask {
  const labels = raw.Spec?.ContainerSpec?.Labels ?? {};
  return {
    id: raw.ID,
    slot: raw.Slot ?? 0,
    nodeId: raw.NodeID ?? '',
    state: raw.Status?.State ?? '',
    desiredState: raw.DesiredState ?? '',
    err: raw.Status?.Err ?? '',
    message: raw.Status?.Message ?? '',
    containerId: raw.Status?.ContainerStatus?.ContainerID ?? '',
    configHash: labels[LABEL.configHash] ?? '',
    commit: labels[LABEL.commit] ?? '',
    createdAt: Date.parse(raw.CreatedAt ?? '') || 0,
    updatedAt: Date.parse(raw.UpdatedAt ?? '') || 0,
  };
}

const TASK_STATES: Record<string, ContainerState> = {
  running: 'running',
  complete: 'exited',
  failed: 'exited',
  rejected: 'dead',
  shutdown: 'exited',
  orphaned: 'dead',
  remove: 'removing',
};

/** A task as the round's container: id is the task's (logs are read per task). */
function containerOf(service: Docker.Service, task: SwarmTask, raw: RawTask): ActualContainer {
  const labels = raw.Spec?.ContainerSpec?.Labels ?? {};
  return {
    id: task.id,
    name: `${service.Spec?.Name ?? ''}.${task.slot}`,
    project: labels[LABEL.project] ?? '',
    service: labels[LABEL.service] ?? '',
    replica: task.slot,
    commit: task.commit,
    configHash: task.configHash,
    state: TASK_STATES[task.state] ?? 'created',
    health: 'none',
    exitCode: raw.Status?.ContainerStatus?.ExitCode,
    image: raw.Spec?.ContainerSpec?.Image ?? '',
    imageRef: labels[LABEL.image],
    imageDigest: labels[LABEL.imageDigest],
    createdAt: task.createdAt,
    labels,
  };
}
