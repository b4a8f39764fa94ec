import { displayName } from '../config/environments.js';
import path from 'node:path';
import type { ProjectConfig } from '../config/types.js';
import {
  createProvider,
  deployContext,
  StatusReporter,
  validateContext,
  type CommitState,
} from '../forge/index.js';
import type { Metrics } from '../metrics/registry.js';
import { summarisePlan, type Action } from '../reconciler/plan.js';
import type { ProjectStatus } from '../status/project-status.js';
import { IMAGE_PULL_REASONS, type ImagePullReason } from '../model/image.js';
import type { Logger } from '../util/logger.js';

export interface Verdict {
  state: CommitState;
  description: string;
}

/**
 * Pure: the `spin/<project>` status a pass's outcome means for the head commit, or undefined
 * when there is nothing new to say (health still settling, source unreachable, operator pin).
 */
export function deployVerdict(status: ProjectStatus): Verdict | undefined {
  const head = status.desiredCommit;
  if (!head || status.pinned) return undefined;
  const error = status.lastError;
  if (status.refusedCommit === head) {
    return error?.reason === 'UntrustedCommit'
      ? { state: 'failure', description: error.message }
      : { state: 'failure', description: `refused: ${error?.message ?? 'schema or policy'}` };
  }
  if (status.failedCommit?.commit === head) {
    return { state: 'failure', description: `rolled back: ${status.failedCommit.reason}` };
  }
  if (error && isImagePullReason(error.reason)) {
    // The registry's fault (unreachable, disk) is Spin's to retry; the rest the commit's to fix.
    const transient = error.reason === 'RegistryUnreachable' || error.reason === 'DiskFull';
    return { state: transient ? 'error' : 'failure', description: error.message };
  }
  if (
    error?.reason === 'EngineUnavailable' ||
    error?.reason === 'InternalError' ||
    error?.reason === 'PassTimeout'
  ) {
    return { state: 'error', description: `Spin could not act: ${error.message}` };
  }
  // The commit was deployed and healthy; repairing its drift is Spin's work, not the commit's fault.
  if (error?.reason === 'RepairFailed')
    return { state: 'pending', description: `repairing drift, retrying: ${error.message}` };
  if (error?.reason === 'ApplyFailed')
    return { state: 'pending', description: `deploy failed, retrying: ${error.message}` };
  if (status.sync !== 'Synced' || status.appliedCommit !== head) return undefined;
  if (status.health === 'Healthy')
    return { state: 'success', description: `deployed and healthy${digestsNote(status.images)}` };
  if (status.health === 'Degraded')
    return { state: 'failure', description: `deployed but degraded: ${status.healthReason}` };
  return undefined;
}

function isImagePullReason(reason: string): reason is ImagePullReason {
  return (IMAGE_PULL_REASONS as readonly string[]).includes(reason);
}

/**
 * `: web sha256:0123456789ab, db ...` for the services pinned to a digest: a forge shows a
 * description of about 140 characters, so digests are cut to 12 hex digits and services after
 * the first three counted.
 */
export function digestsNote(images: ProjectStatus['images']): string {
  const pinned = Object.entries(images ?? {})
    .filter(([, pin]) => pin.digest)
    .sort(([a], [b]) => a.localeCompare(b));
  if (pinned.length === 0) return '';
  const shown = pinned.slice(0, 3).map(([service, pin]) => `${service} ${(pin.digest ?? '').slice(0, 19)}`);
  const more = pinned.length > 3 ? ` +${pinned.length - 3} more` : '';
  return `: ${shown.join(', ')}${more}`;
}

export function pendingDescription(actions: Action[]): string {
  const s = summarisePlan(actions);
  return `deploying: +${s.created} created, ${s.recreated} recreated, ${s.removed} removed`;
}

/** Owns one StatusReporter per project; reporting never blocks or fails a pass. */
export class CommitStatusPublisher {
  private readonly reporters = new Map<string, { key: string; reporter: StatusReporter }>();

  private baseUrl: string;

  constructor(private readonly deps: { stateDir: string; log: Logger; metrics?: Metrics; baseUrl: string }) {
    this.baseUrl = deps.baseUrl;
  }

  /** The daemon's address once the API listens (the configured port may have been 0). */
  setBaseUrl(url: string): void {
    this.baseUrl = url;
  }

  /**
   * The project's page; with the pass id (`?pass=`) of the pass the status is about, which its
   * log lines (`pass`) and its history row (`passId`) carry too.
   */
  targetUrl(project: string, passId?: string): string {
    const page = `${this.baseUrl}/projects/${encodeURIComponent(project)}`;
    return passId ? `${page}?pass=${encodeURIComponent(passId)}` : page;
  }

  deployStarted(project: ProjectConfig, commit: string, actions: Action[], passId?: string): void {
    this.report(
      project,
      commit,
      deployContext(displayName(project)),
      { state: 'pending', description: pendingDescription(actions) },
      passId,
    );
  }

  passFinished(project: ProjectConfig, status: ProjectStatus, passId?: string): void {
    const verdict = deployVerdict(status);
    if (verdict && status.desiredCommit)
      this.report(project, status.desiredCommit, deployContext(displayName(project)), verdict, passId);
  }

  preview(project: ProjectConfig, commit: string, verdict: Verdict): void {
    this.report(project, commit, validateContext(displayName(project)), verdict);
  }

  /** Waits for queued deliveries (tests, shutdown). */
  async flush(): Promise<void> {
    await Promise.all([...this.reporters.values()].map((r) => r.reporter.flush()));
  }

  async close(): Promise<void> {
    await Promise.all([...this.reporters.values()].map((r) => r.reporter.close()));
  }

  private report(
    project: ProjectConfig,
    commit: string,
    context: string,
    verdict: Verdict,
    passId?: string,
  ): void {
    const reporter = this.reporterFor(project);
    reporter?.report({ commit, context, ...verdict, targetUrl: this.targetUrl(project.name, passId) });
  }

  private reporterFor(project: ProjectConfig): StatusReporter | undefined {
    const key = JSON.stringify([project.repo, project.git ?? null, project.status ?? null]);
    const existing = this.reporters.get(project.name);
    if (existing?.key === key) return existing.reporter;
    try {
      const provider = createProvider(project.status, {
        repo: project.repo,
        access: project.git,
        notesCacheDir: path.join(this.deps.stateDir, 'notes', `${project.name}.git`),
      });
      const reporter = new StatusReporter({
        project: project.name,
        provider,
        stateDir: this.deps.stateDir,
        logger: this.deps.log,
        onDelivery: (result) => {
          if (result !== 'retry')
            this.deps.metrics?.countCommitStatusDelivery(provider.name, result === 'ok' ? 'ok' : 'failed');
        },
      });
      void existing?.reporter.close();
      this.reporters.set(project.name, { key, reporter });
      return reporter;
    } catch (err) {
      this.deps.log.error({ project: project.name, err }, 'commit status provider unusable');
      return undefined;
    }
  }
}
