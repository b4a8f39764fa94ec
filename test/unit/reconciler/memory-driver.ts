import type { EngineEvent, LogChunk } from '../../../src/drivers/driver.js';
import type {
  ContainerDriver,
  ContainerProbe,
  ContainerRequest,
} from '../../../src/drivers/docker/container-driver.js';
import { ContainerEngine } from '../../../src/drivers/docker/container-engine.js';
import type { ActualState } from '../../../src/model/actual-state.js';

/**
 * An engine in memory for testing the apply orchestration (order, parallelism, failures) without
 * Docker. It records every call and how many ran at once; it never decides anything itself. It
 * supplies the container verbs: `engine` puts Docker's resource contract (`ContainerEngine`) on it.
 */
export class MemoryDriver implements ContainerDriver {
  readonly calls: string[] = [];
  active = 0;
  maxActive = 0;
  /** Containers whose readiness probe reports unhealthy. */
  readonly unhealthy = new Set<string>();
  private readonly names = new Map<string, string>();
  private nextId = 0;

  constructor(private readonly latencyMs = 5) {}

  private async step(call: string): Promise<void> {
    this.calls.push(call);
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
    this.active--;
  }

  async listActual(): Promise<ActualState> {
    return { containers: [], networks: [], volumes: [] };
  }
  async ping(): Promise<void> {}
  async ensureImage(ref: string): Promise<void> {
    await this.step(`image ${ref}`);
  }
  async createNetwork(_project: string, network: { name: string }): Promise<void> {
    await this.step(`create-network ${network.name}`);
  }
  async removeNetwork(id: string): Promise<void> {
    await this.step(`remove-network ${id}`);
  }
  async createVolume(_project: string, volume: { name: string }): Promise<void> {
    await this.step(`create-volume ${volume.name}`);
  }
  async removeVolume(_project: string, key: string): Promise<void> {
    await this.step(`remove-volume ${key}`);
  }
  /** Services whose create requests the (pretend) last gate refuses. */
  readonly refused = new Set<string>();
  admitContainer(request: ContainerRequest): void {
    if (this.refused.has(request.spec.name)) throw new Error(`admission refused ${request.name}`);
  }
  async createContainer(request: ContainerRequest): Promise<string> {
    this.admitContainer(request);
    await this.step(`create ${request.name}`);
    const id = `id${++this.nextId}`;
    this.names.set(id, request.name);
    return id;
  }
  async startContainer(id: string): Promise<void> {
    await this.step(`start ${this.names.get(id) ?? id}`);
  }
  async stopContainer(id: string): Promise<void> {
    await this.step(`stop ${this.names.get(id) ?? id}`);
  }
  async removeContainer(id: string): Promise<void> {
    await this.step(`remove ${this.names.get(id) ?? id}`);
  }
  async renameContainer(id: string, name: string): Promise<void> {
    await this.step(`rename ${this.names.get(id) ?? id} ${name}`);
    this.names.set(id, name);
  }
  async inspectContainer(id: string): Promise<ContainerProbe> {
    const name = this.names.get(id) ?? id;
    const base = name.replace(/-next$/, '');
    return { state: 'running', health: this.unhealthy.has(base) ? 'unhealthy' : 'none', exitCode: 0 };
  }
  watchEvents(_onEvent: (event: EngineEvent) => void): () => void {
    return () => {};
  }
  /** Containers here print nothing. */
  logs(): AsyncIterable<LogChunk> {
    return (async function* () {})();
  }
}

/** Docker's resource contract (render, plan detail, rollout, health) over the in-memory engine. */
export function engineOn(containers: ContainerDriver): ContainerEngine {
  return new ContainerEngine(containers);
}
