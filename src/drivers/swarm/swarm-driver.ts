import type Docker from 'dockerode';
import type { ActualState } from '../../model/actual-state.js';
import type { HealthVerdict, ProjectHealth } from '../../model/health.js';
import type { StackModel } from '../../stack/model.js';
import type { Driver, EngineEvent, LogChunk, LogRequest, StepContext } from '../driver.js';
import type { Action } from '../plan-action.js';
import type { DesiredState, Step, StepResult } from '../resources.js';
import { applySwarmStep } from './apply-step.js';
import { watchSwarmEvents } from './events.js';
import { serviceHealth } from './health.js';
import type { SwarmServiceState } from './live.js';
import { listSwarm } from './list-actual.js';
import { NetworkNames } from './network-names.js';
import { swarmTaskLogs } from './logs.js';
import { observeSwarm, renderSwarm, swarmActionsOf, swarmDrift } from './resources.js';
import { swarmRules } from './rules.js';
import type { ImagePin, RegistryAuth } from '../../model/image.js';
import { engineImageLookup, resolveImagePin } from '../docker/resolve-image.js';

export interface SwarmDriverOptions {
  /** The clock health and deadlines read (tests move it). */
  now?: () => number;
}

const SEVERITY = { Degraded: 4, Missing: 3, Progressing: 2, Unknown: 1, Healthy: 0 } as const;

/**
 * The resource contract on a Docker Swarm manager: one Swarm service per compose service on the
 * project's overlay networks, rolled out, restarted and rolled back by Swarm itself; Spin renders,
 * sends, and judges the outcome (README of this folder: docs/engines.md).
 */
export class SwarmDriver implements Driver {
  readonly capabilities = swarmRules.capabilities;
  readonly admitCommit = swarmRules.admitCommit;
  readonly admissionContext = swarmRules.admissionContext;
  /**
   * An image update is a service update like any other: later passes watch it and tie a rollback
   * to its spec by the config hash its tasks carry (health.ts `rolledBackFrom`).
   */
  readonly resumesImageUpdates = true;
  private readonly now: () => number;
  /** Kept between rounds: a steady round lists services and tasks only. */
  private readonly networkNames = new NetworkNames();

  constructor(
    readonly docker: Docker,
    options: SwarmDriverOptions = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  listActual(options?: { containersOnly?: boolean }): Promise<ActualState> {
    return listSwarm(this.docker, options, this.networkNames);
  }
  /**
   * Asked of the manager (its distribution endpoint reaches the registry with the project's
   * login): every service then runs `image@digest`, so every node pulls the same bits.
   */
  resolveImage(ref: string, options: { auth?: RegistryAuth; fresh?: boolean } = {}): Promise<ImagePin> {
    return resolveImagePin(engineImageLookup(this.docker), ref, options);
  }
  async ping(): Promise<void> {
    await this.docker.ping();
  }
  render(desired: DesiredState) {
    return renderSwarm(desired);
  }
  observe(actual: ActualState, project: string) {
    return observeSwarm(actual, project);
  }
  drift: Driver['drift'] = (desired, live, all) => swarmDrift(desired, live, all, this.now());
  actionsOf: Driver['actionsOf'] = (step, all) => swarmActionsOf(step, all);
  applyStep(step: Step, actions: Action[], ctx: StepContext): Promise<StepResult> {
    return applySwarmStep(this.docker, step, actions, ctx, this.now);
  }
  watchEvents(onEvent: (event: EngineEvent) => void): () => void {
    return watchSwarmEvents(this.docker, onEvent);
  }
  logs(request: LogRequest): AsyncIterable<LogChunk> {
    return swarmTaskLogs(this.docker, request);
  }

  health(model: StackModel | undefined, actual: ActualState): ProjectHealth {
    const units = actual.units ?? [];
    if (!model) {
      return units.length === 0
        ? { health: 'Missing', reason: 'nothing deployed yet', services: {} }
        : { health: 'Unknown', reason: 'no applied commit to compare with', services: {} };
    }
    const services: Record<string, HealthVerdict> = {};
    let worst: HealthVerdict = { health: 'Healthy', reason: '' };
    for (const name of Object.keys(model.services).sort()) {
      const unit = units.find((u) => u.project === model.project && u.service === name);
      const verdict = serviceHealth(unit?.detail as SwarmServiceState | undefined, name, this.now());
      services[name] = verdict;
      if (SEVERITY[verdict.health] > SEVERITY[worst.health]) worst = verdict;
    }
    return { ...worst, services };
  }
}
