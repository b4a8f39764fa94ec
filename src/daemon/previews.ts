import type { ProjectConfig } from '../config/types.js';
import type { PlanPreview } from '../reconciler/preview.js';
import type { DiffPreview } from '../reconciler/diff-preview.js';
import { summariseDiff } from '../reconciler/spec-diff.js';
import { summarisePlan } from '../reconciler/plan.js';
import { formatDiagnostic } from '../stack/diagnostics.js';
import type { Logger } from '../util/logger.js';
import { errorMessage } from '../util/errors.js';
import type { CommitStatusPublisher, Verdict } from './commit-statuses.js';
import type { Daemon } from './daemon.js';

/**
 * Reviewers' previews: every other branch head (and configured merge-request refs) is gated and
 * planned against what runs now, and the verdict goes to `spin/<project>/validate`. Nothing is
 * deployed from them. Runs after a project's pass, only for refs whose tip moved.
 */
export class PreviewRunner {
  private readonly previewed = new Map<string, string>();
  private readonly queue = new Map<string, Promise<void>>();

  constructor(
    private readonly daemon: Daemon,
    private readonly publisher: CommitStatusPublisher,
    private readonly log: Logger,
  ) {}

  /** Previews every ref of the project whose tip changed since it was last previewed. */
  async afterPass(name: string): Promise<void> {
    const runtime = this.daemon.project(name);
    if (!runtime) return;
    const { config, source } = runtime;
    const refs = await source.listRefs().catch(() => []);
    for (const { ref, oid } of refs) {
      if (!isPreviewRef(config, ref) || this.previewed.get(`${name} ${ref}`) === oid) continue;
      await this.run(name, ref, oid);
    }
  }

  /** A webhook said `ref` moved to `oid`: preview it now (serialised per project). */
  trigger(name: string, ref: string, oid: string): void {
    const config = this.daemon.project(name)?.config;
    if (!config || !isPreviewRef(config, ref)) return;
    void this.run(name, ref, oid);
  }

  private run(name: string, ref: string, oid: string): Promise<void> {
    const previous = this.queue.get(name) ?? Promise.resolve();
    const next = previous.then(() => this.preview(name, ref, oid));
    this.queue.set(name, next);
    return next;
  }

  private async preview(name: string, ref: string, oid: string): Promise<void> {
    const key = `${name} ${ref}`;
    if (this.previewed.get(key) === oid) return;
    const runtime = this.daemon.project(name);
    if (!runtime) return;
    let verdict: Verdict;
    try {
      await runtime.source.ensureCommit(ref, oid);
      const plan = await this.daemon.planNow(name, oid, 'review');
      // The same words as `spin diff`: which fields make the recreates. A diff that fails to
      // load (an old running commit gone from the remote) leaves the counts alone.
      const diff = plan.valid
        ? await this.daemon.diffNow(name, oid, 'review').catch(() => undefined)
        : undefined;
      verdict = previewVerdict(plan, diff);
    } catch (err) {
      verdict = { state: 'error', description: `preview failed: ${errorMessage(err)}` };
    }
    this.previewed.set(key, oid);
    this.log.info(
      { project: name, ref, commit: oid, verdict: verdict.state, description: verdict.description },
      'preview',
    );
    this.publisher.preview(runtime.config, oid, verdict);
  }
}

/**
 * Pure: e.g. "policy ok; +1 created, 2 recreated, 0 removed (web recreate image, environment.X)"
 * or "refused: compose.yaml:3:5: ...". The part in parentheses is `spin diff`'s summary of the
 * services recreated, when a diff is given.
 */
export function previewVerdict(plan: PlanPreview, diff?: DiffPreview): Verdict {
  if (!plan.valid) {
    const first = plan.diagnostics[0];
    const more = plan.diagnostics.length > 1 ? ` (+${plan.diagnostics.length - 1} more)` : '';
    return {
      state: 'failure',
      description: `refused: ${first ? formatDiagnostic(first) : 'invalid'}${more}`,
    };
  }
  const s = summarisePlan(plan.actions);
  // With trust.keys, reviewers also see whether this head could deploy as it is (fast-forward)
  // or needs a signed merge; the state stays success, since the merge is what gets checked.
  const trust = plan.trust
    ? plan.trust.ok
      ? `; signed by ${plan.trust.keyId}`
      : `; ${plan.trust.reason}: deploys through a signed merge`
    : '';
  const recreated = diff?.valid ? diff.services.filter((d) => d.change === 'recreate') : [];
  const why = recreated.length ? ` (${summariseDiff(recreated, 2)})` : '';
  return {
    state: 'success',
    description: `policy ok; +${s.created} created, ${s.recreated} recreated, ${s.removed} removed${why}${trust}`,
  };
}

export function isPreviewRef(config: ProjectConfig, ref: string): boolean {
  if (ref === `refs/heads/${config.branch}`) return false;
  if (ref.startsWith('refs/heads/')) return config.previews.branches;
  return config.previews.refs.some((pattern) => globToRegExp(pattern).test(ref));
}

function globToRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]+');
  return new RegExp(`^${escaped}$`);
}
