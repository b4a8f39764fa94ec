import type { ProjectConfig, SpinConfig } from '../config/types.js';
import type { GitSource } from '../git/index.js';
import type { Action } from '../reconciler/plan.js';
import type { ActualContainer } from '../model/actual-state.js';
import type { ProjectStatus } from '../status/project-status.js';
import type { ProjectRegistry } from './project-registry.js';
import type { PersistedStatuses } from './status-persistence.js';

/**
 * What the API and the dashboard read of the daemon: statuses, containers and last actions of the
 * configured projects. Read only; a project not (or no longer) configured reads as absent.
 */
export class DaemonReadView {
  constructor(
    private readonly registry: ProjectRegistry,
    private readonly statuses: PersistedStatuses,
    private readonly config: () => SpinConfig,
  ) {}

  status(name: string): ProjectStatus | undefined {
    if (!this.registry.has(name)) return undefined;
    return this.live(name);
  }

  allStatuses(): ProjectStatus[] {
    return this.registry.names().map((name) => this.live(name));
  }

  /**
   * The recorded status, with what the running pass is doing now (a pull's progress); before its
   * first pass an environment's unit already says which environment it is.
   */
  private live(name: string): ProjectStatus {
    let status = this.statuses.current(name);
    const runtime = this.registry.get(name);
    const environment = runtime?.ctx.project.environment;
    if (environment && !status.environment) status = { ...status, environment };
    return runtime?.progress ? { ...status, progress: runtime.progress } : status;
  }

  projectNames(): string[] {
    return this.registry.names();
  }

  /** The last persisted or computed status, even before the first pass of this run. */
  persistedStatus(name: string): ProjectStatus | undefined {
    return this.statuses.get(name);
  }

  project(name: string): { config: ProjectConfig; source: GitSource } | undefined {
    return this.registry.project(name);
  }

  /** The actions of the last pass that had any. */
  lastActions(name: string): { at: string; actions: Action[] } | undefined {
    return this.registry.get(name)?.lastActions;
  }

  /** The project's containers as listed by its last pass. */
  containers(name: string): ActualContainer[] {
    return this.registry.get(name)?.containers ?? [];
  }

  currentConfig(): SpinConfig {
    return this.config();
  }
}
