/** What the Swarm driver reads back from the engine, as plain data (one list per round). */
import type Docker from 'dockerode';

/** One task of a service, as much as health and failure reports need. */
export interface SwarmTask {
  id: string;
  slot: number;
  nodeId: string;
  /** Swarm's task state: new, pending, assigned, ..., starting, running, complete, failed, rejected, shutdown. */
  state: string;
  desiredState: string;
  /** The scheduler's or the executor's error (`no suitable node ...`, `task: non-zero exit (1)`). */
  err: string;
  message: string;
  containerId: string;
  /** The config hash of the spec the task runs (its container labels). */
  configHash: string;
  commit: string;
  createdAt: number;
  updatedAt: number;
}

/** One Spin-managed Swarm service. */
export interface SwarmServiceState {
  id: string;
  name: string;
  /** The spec version an update must name (optimistic concurrency). */
  version: number;
  spec: Docker.ServiceSpec;
  previousSpec?: Docker.ServiceSpec;
  /** `startedAt` (ms): when the update began; a rollback keeps it (the rolled-back tasks are newer). */
  updateStatus?: { state: string; message: string; startedAt?: number };
  /** When the spec last changed (ms), the start of a convergence deadline. */
  updatedAt: number;
  tasks: SwarmTask[];
}

export const labelsOf = (spec: Docker.ServiceSpec | undefined): Record<string, string> => spec?.Labels ?? {};
