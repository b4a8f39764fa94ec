import type { EngineCapabilities } from '../../../src/drivers/capabilities.js';
import type { Driver, EngineEvent, LogChunk, StepContext } from '../../../src/drivers/driver.js';
import type { Action } from '../../../src/drivers/plan-action.js';
import type {
  DesiredResource,
  DesiredState,
  LiveResource,
  Step,
  StepResult,
} from '../../../src/drivers/resources.js';
import type { ActualContainer, ActualState } from '../../../src/model/actual-state.js';
import type { Health, HealthVerdict, ProjectHealth } from '../../../src/model/health.js';
import type { ServiceSpec, StackModel } from '../../../src/stack/model.js';

/** One deployed service: the engine's unit, however many replicas it runs (a Swarm service, say). */
interface Unit {
  id: string;
  project: string;
  service: string;
  commit: string;
  hash: string;
  replicas: number;
  image: string;
  state: 'created' | 'running' | 'exited';
  exitCode: number;
  /** Lists of the engine left before a starting unit runs. */
  startsIn: number;
}

interface DesiredDeployment {
  spec: ServiceSpec;
  project: string;
  commit: string;
}

const KIND = 'deployment';
const keyOf = (service: string) => `${KIND}:${service}`;
const SEVERITY: Record<Health, number> = { Degraded: 4, Missing: 3, Progressing: 2, Unknown: 1, Healthy: 0 };

/**
 * A second engine, in memory, with a different resource shape from Docker's: one resource per
 * service (replicas are the engine's business, like a Swarm service or a Kubernetes Deployment),
 * no networks or volumes of its own, no host ports, binds, secret files or shared namespaces. It
 * implements the resource contract directly; the same pass suites run on it and on Docker's shape.
 */
export class ServiceMemoryDriver implements Driver {
  readonly capabilities: EngineCapabilities = {
    engine: 'service-memory',
    dependsOnConditions: ['service_started'],
    updateOrders: ['start-first', 'stop-first'],
    hostPorts: false,
    bindMounts: false,
    secretFiles: false,
    sharedNamespaces: false,
  };
  readonly units = new Map<string, Unit>();
  /** The engine writes made, `<op> <key>`. */
  readonly calls: string[] = [];
  /** Images whose services exit with code 1 right after they start. */
  crashes: (image: string) => boolean = () => false;
  /**
   * How many engine lists a unit of this image takes to start: its step answers `progressing`
   * instead of waiting (the contract's non-blocking rollout), and so do the steps of units that
   * depend on one still starting.
   */
  startLists: (image: string) => number = () => 0;
  down = false;
  private nextId = 0;

  admitCommit() {
    return [];
  }
  admissionContext(
    model: StackModel,
    policy: Parameters<Driver['admissionContext']>[1],
    spinRoots: string[],
  ) {
    return { policy, project: model.project, containers: new Map<string, string>(), spinRoots };
  }

  private check(): void {
    if (this.down)
      throw Object.assign(new Error('connect ECONNREFUSED memory engine'), { code: 'ECONNREFUSED' });
  }

  async listActual(): Promise<ActualState> {
    this.check();
    for (const u of this.units.values()) {
      if (u.state === 'created' && --u.startsIn <= 0) u.state = 'running';
    }
    // The round's list: each service is one entry (the snapshot type is still container-worded).
    const containers: ActualContainer[] = [...this.units.values()].map((u) => ({
      id: u.id,
      name: `${u.project}/${u.service}`,
      project: u.project,
      service: u.service,
      replica: 1,
      commit: u.commit,
      configHash: u.hash,
      state: u.state,
      health: 'none',
      exitCode: u.exitCode,
      image: u.image,
      createdAt: Number(u.id.slice(1)),
      labels: { replicas: String(u.replicas) },
    }));
    return { containers, networks: [], volumes: [] };
  }
  async ping(): Promise<void> {
    this.check();
  }
  watchEvents(_onEvent: (event: EngineEvent) => void): () => void {
    return () => {};
  }
  /** Services here print nothing. */
  logs(): AsyncIterable<LogChunk> {
    return (async function* () {})();
  }

  render(desired: DesiredState): DesiredResource[] {
    const { model } = desired;
    return Object.keys(model.services)
      .sort()
      .map((name) => {
        const spec = model.services[name] as ServiceSpec;
        const body: DesiredDeployment = { spec, project: model.project, commit: desired.commit };
        return {
          kind: KIND,
          key: keyOf(name),
          // Scaling changes the resource itself here, so the replica count is part of its hash.
          hash: `${desired.hashes[name] ?? ''}x${spec.replicas}`,
          dependsOn: Object.keys(spec.dependsOn).map(keyOf),
          wave: 0,
          prune: 'always',
          body,
        };
      });
  }

  observe(actual: ActualState, project: string): LiveResource[] {
    return actual.containers
      .filter((c) => c.project === project)
      .map((c) => ({
        kind: KIND,
        key: keyOf(c.service),
        hash: `${c.configHash}x${c.labels.replicas ?? '1'}`,
        wave: 0,
        prune: 'always',
        body: c,
      }));
  }

  drift(_desired: DesiredResource, live: LiveResource): string[] {
    // A unit still starting is on its way: nothing to do but look again.
    return (live.body as ActualContainer).state === 'exited' ? ['stopped'] : [];
  }

  actionsOf(step: Step): Action[] {
    const live = step.live?.body as ActualContainer | undefined;
    const service = step.key.slice(KIND.length + 1);
    const name = `${(step.desired?.body as DesiredDeployment | undefined)?.project ?? live?.project}/${service}`;
    if (step.op === 'create') return [{ kind: 'create', service, replica: 1, name }];
    if (!live) return [];
    const at = { service, replica: 1, name, containerId: live.id };
    if (step.op === 'delete') return [{ kind: 'remove', ...at, reason: 'service-removed' }];
    return [step.live?.hash === step.desired?.hash ? { kind: 'start', ...at } : { kind: 'recreate', ...at }];
  }

  async applyStep(step: Step, actions: Action[], ctx: StepContext): Promise<StepResult> {
    const started = Date.now();
    const report = (ok: boolean, error?: string) =>
      actions.forEach((a) => ctx.report(a, { ok, durationMs: Date.now() - started, error }));
    try {
      this.check();
    } catch (err) {
      report(false, (err as Error).message);
      return { failed: true, retryable: true, reason: `${step.key}: ${(err as Error).message}`, cause: err };
    }
    const service = step.key.slice(KIND.length + 1);
    const id = `${ctx.desired.model.project}/${service}`;
    if (step.op === 'delete') {
      this.calls.push(`${step.op} ${step.key}`);
      this.units.delete(id);
      report(true);
      return { done: true };
    }
    const { spec, project, commit } = step.desired?.body as DesiredDeployment;
    const starting = Object.keys(spec.dependsOn).find(
      (dep) => this.units.get(`${project}/${dep}`)?.state !== 'running',
    );
    if (starting !== undefined) {
      return { progressing: true, retryAfterMs: 50, reason: `${service} waits for ${starting} to start` };
    }
    this.calls.push(`${step.op} ${step.key}`);
    const crashed = this.crashes(spec.image);
    const startsIn = this.startLists(spec.image);
    this.units.set(id, {
      id: `u${++this.nextId}`,
      project,
      service,
      commit,
      hash: ctx.desired.hashes[service] ?? '',
      replicas: spec.replicas,
      image: spec.image,
      state: crashed ? 'exited' : startsIn > 0 ? 'created' : 'running',
      exitCode: crashed ? 1 : 0,
      startsIn,
    });
    report(true);
    if (startsIn > 0 && !crashed)
      return { progressing: true, retryAfterMs: 50, reason: `${service} is starting` };
    if (!crashed) return { done: true };
    const reason = `${service} exited with code 1`;
    const rollout = { unit: service, reason, failureAction: spec.updateConfig.failureAction };
    return { failed: true, retryable: false, reason: `rollout of ${service} failed: ${reason}`, rollout };
  }

  health(model: StackModel | undefined, actual: ActualState): ProjectHealth {
    if (!model) {
      return actual.containers.length === 0
        ? { health: 'Missing', reason: 'nothing deployed yet', services: {} }
        : { health: 'Unknown', reason: 'no applied commit to compare with', services: {} };
    }
    const services: Record<string, HealthVerdict> = {};
    let worst: HealthVerdict = { health: 'Healthy', reason: '' };
    for (const name of Object.keys(model.services).sort()) {
      const unit = actual.containers.find((c) => c.project === model.project && c.service === name);
      const verdict: HealthVerdict = !unit
        ? { health: 'Missing', reason: `${name} is not deployed` }
        : unit.state === 'created'
          ? { health: 'Progressing', reason: `${name} is starting` }
          : unit.state !== 'running'
            ? { health: 'Degraded', reason: `${name} exited with code ${unit.exitCode ?? '?'}` }
            : { health: 'Healthy', reason: '' };
      services[name] = verdict;
      if (SEVERITY[verdict.health] > SEVERITY[worst.health]) worst = verdict;
    }
    return { ...worst, services };
  }
}
