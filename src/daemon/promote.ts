import { displayName, environmentUnitName } from '../config/environments.js';
import type { ProjectConfig } from '../config/types.js';
import { SourceError, type GitSource } from '../git/index.js';
import { checkBranchMove, choosePromotion, type Refusal } from '../reconciler/promotion.js';
import type { HistoryStore } from '../store/history-store.js';
import type { Logger } from '../util/logger.js';

/** What `spin promote` needs of the daemon: its units and a way to wake one. */
export interface PromoteDeps {
  project(name: string): { config: ProjectConfig; source: GitSource } | undefined;
  projectNames(): string[];
  trigger(name: string): boolean;
  store: Pick<HistoryStore, 'lastGoodCommits' | 'listPasses' | 'recordEvent'>;
  log: Logger;
}

export interface PromoteRequest {
  project: string;
  from: string;
  to: string;
  commit?: string;
}

export type PromoteOutcome =
  | { ok: true; commit: string; from: string; to: string; branch: string; previous: string }
  | {
      ok: false;
      status: 404 | 409 | 502;
      reason: Refusal | 'unknown' | 'not-writable' | 'git';
      error: string;
    };

/** Passes of the source environment read to say why a commit is refused. */
const PASSES_READ = 500;

/**
 * `spin promote`: fast-forward the `to` environment's branch to a commit deployed healthy in
 * `from`, by a push through the git source (as semver image updates push); the `to`
 * environment's own gate then deploys it. Every refusal says why; nothing moves then.
 */
export async function promote(deps: PromoteDeps, request: PromoteRequest): Promise<PromoteOutcome> {
  const unit = (env: string) => {
    const found = deps.project(environmentUnitName(request.project, env));
    return found?.config.environment ? found : undefined;
  };
  const from = unit(request.from);
  const to = unit(request.to);
  if (!from || !to) {
    const known = deps
      .projectNames()
      .map((n) => deps.project(n)?.config.environment)
      .filter((e) => e?.project === request.project)
      .map((e) => e?.name);
    const what = known.length
      ? `no environment '${from ? request.to : request.from}' (environments: ${known.join(', ')})`
      : 'no environments (a project declares them under environments: in the daemon config)';
    return { ok: false, status: 404, reason: 'unknown', error: `project '${request.project}' has ${what}` };
  }
  const fromName = displayName(from.config);
  const toName = displayName(to.config);
  const choice = choosePromotion({
    from: fromName,
    to: toName,
    fromBranch: from.config.branch,
    toBranch: to.config.branch,
    commit: request.commit,
    good: deps.store.lastGoodCommits(from.config.name, 50).map((g) => g.commit),
    passes: deps.store.listPasses(from.config.name, { limit: PASSES_READ }),
  });
  if (!choice.ok) return { ok: false, status: 409, reason: choice.reason, error: choice.message };
  const source = to.source;
  if (!source.inspectMove || !source.pushBranch) {
    const error = `Spin does not push to a repository on disk; move ${to.config.branch} to ${choice.commit.slice(0, 12)} yourself`;
    return { ok: false, status: 409, reason: 'not-writable', error };
  }
  try {
    const facts = await source.inspectMove(choice.commit, `refs/heads/${from.config.branch}`);
    const move = checkBranchMove(toName, to.config.branch, { commit: choice.commit, ...facts });
    if (!move.ok) return { ok: false, status: 409, reason: move.reason, error: move.message };
    await source.pushBranch(choice.commit);
    deps.store.recordEvent(
      to.config.name,
      'promoted',
      `promoted ${choice.commit.slice(0, 12)} from ${fromName}`,
      {
        commit: choice.commit,
        from: fromName,
        previous: facts.head,
      },
    );
    deps.log.info(
      { project: to.config.name, commit: choice.commit, from: fromName, previous: facts.head },
      'promoted',
    );
    deps.trigger(to.config.name);
    return {
      ok: true,
      commit: choice.commit,
      from: fromName,
      to: toName,
      branch: to.config.branch,
      previous: facts.head,
    };
  } catch (err) {
    if (!(err instanceof SourceError)) throw err;
    return { ok: false, status: 502, reason: 'git', error: err.message };
  }
}
