import type { ProjectConfig } from '../config/types.js';
import type { GitSource } from '../git/index.js';
import type { Action } from '../reconciler/plan.js';
import type { ProjectContext } from '../reconciler/reconcile-project.js';
import type { ActualContainer } from '../model/actual-state.js';
import type { ProjectStatus } from '../status/project-status.js';
import type { PollState } from './poll-schedule.js';

/** One configured project as this process knows it: its pass context and what it learnt. */
export interface ProjectRuntime extends PollState {
  ctx: ProjectContext;
  closeWatch?: () => Promise<void>;
  /** No passes while set (config `suspended`, or `spin suspend`); persisted in the status. */
  suspended: boolean;
  /** The project's containers as listed by its last pass. */
  containers: ActualContainer[];
  /** Actions of the last pass that did something, for the dashboard. */
  lastActions?: { at: string; actions: Action[] };
  /** What the running pass is doing (a pull's progress); cleared when the pass ends. */
  progress?: string;
  /** An operator's rollback, handed to the pass that answers it (a pass in flight cannot drop it). */
  pin?: NonNullable<ProjectStatus['pinned']>;
}

/**
 * The projects the daemon reconciles, by name. A config reload replaces a project's runtime with
 * a new object: a pass compares the one it started with (`isCurrent`) before it reports.
 */
export class ProjectRegistry {
  private readonly projects = new Map<string, ProjectRuntime>();

  get(name: string): ProjectRuntime | undefined {
    return this.projects.get(name);
  }

  has(name: string): boolean {
    return this.projects.has(name);
  }

  add(runtime: ProjectRuntime): void {
    this.projects.set(runtime.ctx.project.name, runtime);
  }

  delete(name: string): void {
    this.projects.delete(name);
  }

  /** Whether `runtime` is still the registered one (not removed or replaced by a reload). */
  isCurrent(name: string, runtime: ProjectRuntime): boolean {
    return this.projects.get(name) === runtime;
  }

  /** Sorted, as the API and dashboard list them. */
  names(): string[] {
    return [...this.projects.keys()].sort();
  }

  entries(): IterableIterator<[string, ProjectRuntime]> {
    return this.projects.entries();
  }

  runtimes(): IterableIterator<ProjectRuntime> {
    return this.projects.values();
  }

  project(name: string): { config: ProjectConfig; source: GitSource } | undefined {
    const runtime = this.projects.get(name);
    return runtime && { config: runtime.ctx.project, source: runtime.ctx.source };
  }
}
