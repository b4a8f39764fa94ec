import type { ProjectConfig } from '../config/types.js';
import type { Driver } from '../drivers/driver.js';
import { SourceError, type GitSource } from '../git/index.js';
import { formatDiagnostic } from '../stack/diagnostics.js';
import type { StackModel } from '../stack/model.js';
import type { LastError, ProjectStatus } from '../status/project-status.js';
import { errorMessage } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import { ApplyError, applyPlan, describeAction } from './apply.js';
import { materialiseBindSources } from './bind-sources.js';
import { loadDesired, type DesiredResult } from './desired.js';
import { projectHealth } from './health.js';
import { planProject, summarisePlan, type Action } from './plan.js';
import { actualForProject, type ActualState } from './state.js';

export interface ProjectContext {
  project: ProjectConfig;
  source: GitSource;
  driver: Driver;
  stateDir: string;
  log: Logger;
  /** Parsed commits by sha: a pure function of (commit, env, policy), so safe to keep. */
  desiredCache: Map<string, DesiredResult>;
}

export interface PassOutcome {
  status: ProjectStatus;
  actions: Action[];
  /** When the next pass should run if nothing else triggers it. */
  requeueAfterMs: number;
}

const RETRY_AFTER_FAILURE_MS = 5_000;
const RECHECK_PROGRESSING_MS = 2_000;

/**
 * One level-triggered pass for one project: read the branch head, gate the commit, plan against
 * what runs (`actual`, already listed for this pass) and apply. Everything it needs is recomputed
 * from git and the engine; `previous` only carries the last applied commit for reporting.
 */
export async function reconcileProject(
  ctx: ProjectContext,
  actualAll: ActualState,
  previous: ProjectStatus | undefined,
): Promise<PassOutcome> {
  const { project, log } = ctx;
  const started = Date.now();
  const actual = actualForProject(actualAll, project.name);
  const base = {
    project: project.name,
    appliedCommit: previous?.appliedCommit,
    lastReconcile: new Date(started).toISOString(),
  };
  const finish = (status: ProjectStatus, actions: Action[], requeueAfterMs: number): PassOutcome => {
    status.lastDurationMs = Date.now() - started;
    log.info(
      {
        project: project.name,
        commit: status.desiredCommit,
        result: status.lastResult,
        sync: status.sync,
        health: status.health,
        actions: actions.length,
        durationMs: status.lastDurationMs,
      },
      'reconcile pass',
    );
    return { status, actions, requeueAfterMs };
  };

  let head: string;
  try {
    head = await ctx.source.resolveHead();
  } catch (err) {
    const reason = err instanceof SourceError ? 'SourceUnavailable' : 'InternalError';
    const lastGood = await lastGoodModel(ctx, previous?.appliedCommit);
    return finish(
      {
        ...base,
        ...healthOf(lastGood, actual),
        sync: 'Unknown',
        desiredCommit: previous?.desiredCommit,
        lastError: lastError(reason, errorMessage(err)),
        lastResult: 'error',
      },
      [],
      project.pollIntervalMs,
    );
  }

  const gated = await desiredAt(ctx, head);
  if (!gated.ok) {
    const first = gated.diagnostics[0];
    log.error(
      { project: project.name, commit: head, errors: gated.diagnostics.map(formatDiagnostic) },
      'commit refused',
    );
    const lastGood = await lastGoodModel(ctx, previous?.appliedCommit);
    return finish(
      {
        ...base,
        ...healthOf(lastGood, actual),
        sync: 'OutOfSync',
        desiredCommit: head,
        refusedCommit: head,
        lastError: {
          ...lastError('InvalidCommit', first ? formatDiagnostic(first) : 'commit refused', head),
          diagnostics: gated.diagnostics,
        },
        lastResult: 'refused',
      },
      [],
      project.pollIntervalMs,
    );
  }

  const { desired } = gated;
  const pruneVolumes = project.policy.volumes?.prune === true;
  const actions = planProject(desired, actual, { pruneVolumes });
  if (actions.length === 0) {
    const health = healthOf(desired.model, actual);
    return finish(
      {
        ...base,
        ...health,
        sync: 'Synced',
        desiredCommit: head,
        appliedCommit: head,
        lastResult: 'converged',
      },
      [],
      health.health === 'Progressing' ? RECHECK_PROGRESSING_MS : project.pollIntervalMs,
    );
  }

  try {
    const resolveBindSource = await materialiseBindSources(desired.model, ctx.source.readerAt(head), {
      stateDir: ctx.stateDir,
      commit: head,
      stackDir: project.path,
    });
    await applyPlan(actions, {
      driver: ctx.driver,
      desired,
      resolveBindSource,
      onAction: (action, outcome) =>
        log.info(
          { project: project.name, commit: head, action: describeAction(action), ...outcome },
          outcome.ok ? 'action done' : 'action failed',
        ),
    });
  } catch (err) {
    const after = actualForProject(await ctx.driver.listActual(), project.name);
    return finish(
      {
        ...base,
        ...healthOf(desired.model, after),
        sync: 'OutOfSync',
        desiredCommit: head,
        lastError: lastError(
          'ApplyFailed',
          err instanceof ApplyError ? err.message : errorMessage(err),
          head,
        ),
        lastResult: 'failed',
        lastPlan: summarisePlan(actions),
      },
      actions,
      RETRY_AFTER_FAILURE_MS,
    );
  }

  const after = actualForProject(await ctx.driver.listActual(), project.name);
  const health = healthOf(desired.model, after);
  return finish(
    {
      ...base,
      ...health,
      sync: 'Synced',
      desiredCommit: head,
      appliedCommit: head,
      lastResult: 'applied',
      lastPlan: summarisePlan(actions),
    },
    actions,
    health.health === 'Healthy' ? project.pollIntervalMs : RECHECK_PROGRESSING_MS,
  );
}

async function desiredAt(ctx: ProjectContext, commit: string): Promise<DesiredResult> {
  const cached = ctx.desiredCache.get(commit);
  if (cached) return cached;
  const result = await loadDesired(ctx.source.readerAt(commit), commit, {
    project: ctx.project.name,
    env: ctx.project.env,
    stackDir: ctx.project.path,
    policy: ctx.project.policy,
  });
  ctx.desiredCache.set(commit, result);
  return result;
}

/** The model of the last applied commit, to judge health while the head cannot be used. */
async function lastGoodModel(
  ctx: ProjectContext,
  commit: string | undefined,
): Promise<StackModel | undefined> {
  if (!commit) return undefined;
  try {
    const result = await desiredAt(ctx, commit);
    return result.ok ? result.desired.model : undefined;
  } catch {
    return undefined;
  }
}

function healthOf(
  model: StackModel | undefined,
  actual: ActualState,
): Pick<ProjectStatus, 'health' | 'healthReason' | 'services'> {
  if (!model) {
    return actual.containers.length === 0
      ? { health: 'Missing', healthReason: 'nothing deployed yet', services: {} }
      : { health: 'Unknown', healthReason: 'no applied commit to compare with', services: {} };
  }
  const verdict = projectHealth(model, actual.containers);
  return { health: verdict.health, healthReason: verdict.reason, services: verdict.services };
}

function lastError(reason: LastError['reason'], message: string, commit?: string): LastError {
  return { reason, message, commit, at: new Date().toISOString() };
}
