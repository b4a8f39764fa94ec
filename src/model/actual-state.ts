/**
 * What runs on the engine, as plain data read from Spin's labels. Drivers produce it; the planner
 * and the health verdicts consume it. Nothing here is remembered between passes.
 */

export type ContainerState = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';
export type ContainerHealth = 'none' | 'starting' | 'healthy' | 'unhealthy';

export interface ActualContainer {
  id: string;
  name: string;
  project: string;
  service: string;
  /** 0 when the label is missing or not a positive integer (such a container is removed). */
  replica: number;
  commit: string;
  configHash: string;
  state: ContainerState;
  health: ContainerHealth;
  exitCode?: number;
  image: string;
  /** The stack's reference (label `spin.image`) and the digest it runs (`spin.image-digest`). */
  imageRef?: string;
  imageDigest?: string;
  /** When the engine created it, in seconds since the epoch (Docker's `Created`). */
  createdAt: number;
  labels: Record<string, string>;
  /**
   * Settings `docker update` can change behind Spin's back, as the engine has them now. Only
   * present when the driver inspected the container: once for each container it did not create
   * itself (e.g. after a daemon restart), and again after every `update` event for it.
   */
  runtime?: RuntimeSettings;
}

/** What `docker update` may change of the settings Spin sets on a container. */
export interface RuntimeSettings {
  memoryBytes: number;
  memoryReservationBytes: number;
  nanoCpus: number;
  pids: number;
  restart: string;
}

export interface ActualNetwork {
  id: string;
  name: string;
  project: string;
  /** Network key in the stack (label spin.network). */
  key: string;
}

export interface ActualVolume {
  name: string;
  project: string;
  /** Volume key in the stack (label spin.volume). */
  key: string;
}

/**
 * One stored revision of a stack's secret or config on an engine that keeps them itself (Swarm
 * secret and config objects): never its value, only where it is and when it was made.
 */
export interface ActualFileObject {
  kind: 'secret' | 'config';
  id: string;
  /** The engine's name, `<project>_<key>_<digest prefix>`. */
  name: string;
  project: string;
  /** The stack's key for it (label spin.secret or spin.config). */
  key: string;
  /** The digest prefix its name ends with (label spin.content-hash). */
  hash: string;
  /** When the engine created it, ms since the epoch. */
  createdAt: number;
}

/**
 * One engine-scheduled unit of a service (a Swarm service, a Kubernetes Deployment): what an
 * engine that runs replicas itself reports besides its containers. Only its driver reads `detail`.
 */
export interface ActualUnit {
  id: string;
  name: string;
  project: string;
  service: string;
  commit: string;
  configHash: string;
  detail: unknown;
}

export interface ActualState {
  containers: ActualContainer[];
  networks: ActualNetwork[];
  volumes: ActualVolume[];
  /** Engines that schedule replicas themselves (Swarm): one entry per service. Docker: absent. */
  units?: ActualUnit[];
  /** Engines that store secrets and configs themselves (Swarm): every revision. Docker: absent. */
  fileObjects?: ActualFileObject[];
}

/** Each round's list split by project once (a round's list is shared by all its passes, read-only). */
const byProject = new WeakMap<ActualState, Map<string, ActualState>>();

/**
 * One project's part of a list. A round's passes all ask of the same list: it is split once, not
 * filtered per project (hundreds of projects times thousands of containers per poll tick).
 */
export function actualForProject(all: ActualState, project: string): ActualState {
  let index = byProject.get(all);
  if (!index) {
    index = splitByProject(all);
    byProject.set(all, index);
  }
  return index.get(project) ?? emptyActual(all);
}

function emptyActual(all: ActualState): ActualState {
  return {
    containers: [],
    networks: [],
    volumes: [],
    ...(all.units ? { units: [] } : {}),
    ...(all.fileObjects ? { fileObjects: [] } : {}),
  };
}

function splitByProject(all: ActualState): Map<string, ActualState> {
  const index = new Map<string, ActualState>();
  const of = (project: string) => {
    let part = index.get(project);
    if (!part) index.set(project, (part = emptyActual(all)));
    return part;
  };
  for (const c of all.containers) of(c.project).containers.push(c);
  for (const n of all.networks) of(n.project).networks.push(n);
  for (const v of all.volumes) of(v.project).volumes.push(v);
  for (const u of all.units ?? []) of(u.project).units?.push(u);
  for (const o of all.fileObjects ?? []) of(o.project).fileObjects?.push(o);
  return index;
}
