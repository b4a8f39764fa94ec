import type { Driver } from '../../../src/drivers/driver.js';
import type { ContainerProbe, ContainerRequest } from '../../../src/drivers/docker/container-driver.js';
import type { ActualContainer, ActualState } from '../../../src/model/actual-state.js';
import { container } from './fixtures.js';
import { MemoryDriver, engineOn } from './memory-driver.js';
import { ServiceMemoryDriver } from './service-memory-driver.js';

/**
 * An engine the pass suites run on, whatever its resource shape: the driver the pass is given,
 * and what a test needs to steer and read it. `crashes` picks the images whose units exit with
 * code 1; `down` makes every call fail like an unreachable engine socket.
 */
export interface EngineUnderTest {
  driver: Driver;
  crashes: (image: string) => boolean;
  down: boolean;
  /** What runs: [commit, state] per unit (a replica here, a service there), in creation order. */
  units(): [string, string][];
  /** How many engine calls were made so far. */
  calls(): number;
}

const refused = () =>
  Object.assign(new Error('connect ECONNREFUSED /var/run/docker.sock'), { code: 'ECONNREFUSED' });

/** Docker's resource shape (a service resource of per-replica containers) on containers in memory. */
export class ContainerMemory extends MemoryDriver {
  containers: ActualContainer[] = [];
  crashes: (image: string) => boolean = () => false;
  down = false;

  constructor(private readonly project: string) {
    super(1);
  }
  private check(): void {
    if (this.down) throw refused();
  }
  private stateOf(image: string): Pick<ActualContainer, 'state' | 'exitCode'> {
    return this.crashes(image) ? { state: 'exited', exitCode: 1 } : { state: 'running', exitCode: 0 };
  }
  override async createContainer(request: ContainerRequest): Promise<string> {
    this.check();
    const id = await super.createContainer(request);
    this.containers.push({
      ...container(this.project, request.spec, request.replica),
      id,
      name: request.name,
      commit: request.commit,
      configHash: request.configHash,
      image: request.spec.image,
      ...this.stateOf(request.spec.image),
    });
    return id;
  }
  override async startContainer(id: string): Promise<void> {
    this.check();
    await super.startContainer(id);
    const c = this.containers.find((x) => x.id === id);
    if (c) Object.assign(c, this.stateOf(c.image));
  }
  override async stopContainer(id: string): Promise<void> {
    await super.stopContainer(id);
    const c = this.containers.find((x) => x.id === id);
    if (c) Object.assign(c, { state: 'exited', exitCode: 0 });
  }
  override async removeContainer(id: string): Promise<void> {
    await super.removeContainer(id);
    this.containers = this.containers.filter((x) => x.id !== id);
  }
  override async renameContainer(id: string, name: string): Promise<void> {
    await super.renameContainer(id, name);
    const c = this.containers.find((x) => x.id === id);
    if (c) c.name = name;
  }
  override async inspectContainer(id: string): Promise<ContainerProbe> {
    const c = this.containers.find((x) => x.id === id);
    return { state: c?.state ?? 'dead', health: 'none', exitCode: c?.exitCode ?? 0 };
  }
  override async listActual(): Promise<ActualState> {
    this.check();
    return {
      containers: this.containers.map((c) => ({ ...c })),
      networks: [{ id: 'n1', name: `${this.project}_default`, project: this.project, key: 'default' }],
      volumes: [],
    };
  }
}

function containerShape(project: string): EngineUnderTest {
  const memory = new ContainerMemory(project);
  return {
    driver: engineOn(memory),
    get crashes() {
      return memory.crashes;
    },
    set crashes(crashes) {
      memory.crashes = crashes;
    },
    get down() {
      return memory.down;
    },
    set down(down) {
      memory.down = down;
    },
    units: () => memory.containers.map((c) => [c.commit, c.state]),
    calls: () => memory.calls.length,
  };
}

function serviceShape(): EngineUnderTest {
  const driver = new ServiceMemoryDriver();
  return {
    driver,
    get crashes() {
      return driver.crashes;
    },
    set crashes(crashes) {
      driver.crashes = crashes;
    },
    get down() {
      return driver.down;
    },
    set down(down) {
      driver.down = down;
    },
    units: () => [...driver.units.values()].map((u) => [u.commit, u.state]),
    calls: () => driver.calls.length,
  };
}

/** Both resource shapes, for `describe.each`: the reconciler must not care which it drives. */
export const ENGINES: [string, (project: string) => EngineUnderTest][] = [
  ['Docker shape: a service of per-replica containers', containerShape],
  ['one resource per service', serviceShape],
];
