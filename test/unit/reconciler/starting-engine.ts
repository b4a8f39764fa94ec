import type { ContainerProbe, ContainerRequest } from '../../../src/drivers/docker/container-driver.js';
import type { ActualContainer, ActualState } from '../../../src/model/actual-state.js';
import { container } from './fixtures.js';
import { MemoryDriver } from './memory-driver.js';

/**
 * Containers in memory whose health the test gives (per container name; `starting` until then),
 * listed as the engine would list them: for driving Docker's rollout across passes, where each
 * pass plans from the list alone.
 */
export class StartingEngine extends MemoryDriver {
  containers: ActualContainer[] = [];
  /** Health reported per container name (a `-next` has its own); default `starting`. */
  readonly health = new Map<string, ContainerProbe['health']>();
  /** When each container (by id) was last started, as the engine's inspect reports it. */
  readonly startedAt = new Map<string, number>();
  /** More of an inspect, per container name (a stopped one's last run, say). */
  readonly probes = new Map<string, Partial<ContainerProbe>>();
  /**
   * Whether the list shows each running container's health as the engine's list does
   * (`Up 3 seconds (health: starting)`); off, it shows the health the container was put in with.
   */
  listsHealth = false;
  constructor(private readonly project: string) {
    super(1);
  }
  private byId(id: string) {
    return this.containers.find((c) => c.id === id || c.name === id);
  }
  override async createContainer(request: ContainerRequest): Promise<string> {
    const id = await super.createContainer(request);
    this.containers.push({
      ...container(this.project, request.spec, request.replica),
      id,
      name: request.name,
      configHash: request.configHash,
      state: 'created',
      createdAt: Math.floor(Date.now() / 1000),
    });
    return id;
  }
  override async startContainer(id: string): Promise<void> {
    await super.startContainer(id);
    const c = this.byId(id);
    if (c) c.state = 'running';
    if (c) this.startedAt.set(c.id, Date.now());
  }
  override async stopContainer(id: string): Promise<void> {
    await super.stopContainer(id);
    const c = this.byId(id);
    if (c) c.state = 'exited';
  }
  override async removeContainer(id: string): Promise<void> {
    await super.removeContainer(id);
    this.containers = this.containers.filter((c) => c.id !== id);
  }
  override async renameContainer(id: string, name: string): Promise<void> {
    await super.renameContainer(id, name);
    const c = this.byId(id);
    if (c) c.name = name;
  }
  override async inspectContainer(id: string): Promise<ContainerProbe> {
    const c = this.byId(id);
    if (!c) throw new Error(`no such container: ${id}`);
    const health = this.health.get(c.name) ?? 'starting';
    const startedAt = this.startedAt.get(c.id);
    return {
      state: c.state,
      health: c.state === 'running' ? health : 'none',
      exitCode: 0,
      ...(startedAt !== undefined ? { startedAt } : {}),
      ...this.probes.get(c.name),
    };
  }
  override async listActual(): Promise<ActualState> {
    const listed = (c: ActualContainer): ActualContainer =>
      this.listsHealth && c.state === 'running'
        ? { ...c, health: this.health.get(c.name) ?? 'starting' }
        : { ...c };
    return {
      containers: this.containers.map(listed),
      networks: [{ id: 'n', name: `${this.project}_default`, project: this.project, key: 'default' }],
      volumes: [],
    };
  }
}
