import { displayName, environmentUnitName } from '../config/environments.js';
import type { ProjectConfig } from '../config/types.js';
import { SourceError, type GitSource } from '../git/index.js';
import {
  checkBranchMove,
  checkTargetGate,
  choosePromotion,
  type Refusal,
  type TargetGateVerdict,
} from '../reconciler/promotion.js';
import type { HistoryStore } from '../store/history-store.js';
import type { Logger } from '../util/logger.js';

/** What `spin promote` needs of the daemon: its units and a way to wake one. */
export interface PromoteDeps {
  project(name: string): { config: ProjectConfig; source: GitSource } | undefined;
  projectNames(): string[];
  trigger(name: string): boolean;
  /**
   * The unit's own gate (schema, its policy, its trust rule) on a commit its source can read,
   * changing nothing: what its next pass would say of the commit.
   */
  gate(name: string, commit: string): Promise<TargetGateVerdict>;
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
  | {
      ok: true;
      commit: string;
      from: string;
      to: string;
      branch: string;
      /** Where the branch was; null when this promotion created it. */
      previous: string | null;
      created: boolean;
    }
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
 * `from` (or create the branch there, the first time), by a push through the git source (as
 * semver image updates push). The `to` environment's own gate is run on the commit first: a
 * commit its stricter policy or signing rule refuses is refused here and the branch stays, rather
 * than moved onto a commit its next pass would refuse. Every refusal says why; nothing moves then.
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
    const gate = checkTargetGate(
      toName,
      to.config.policyName,
      choice.commit,
      await deps.gate(to.config.name, choice.commit),
    );
    if (!gate.ok) return { ok: false, status: 409, reason: gate.reason, error: gate.message };
    await source.pushBranch(choice.commit);
    const previous = facts.head ?? null;
    const created = move.creates;
    const short = choice.commit.slice(0, 12);
    deps.store.recordEvent(
      to.config.name,
      'promoted',
      created
        ? `promoted ${short} from ${fromName}, creating branch ${to.config.branch}`
        : `promoted ${short} from ${fromName}`,
      { commit: choice.commit, from: fromName, previous, created },
    );
    deps.log.info(
      { project: to.config.name, commit: choice.commit, from: fromName, previous, created },
      'promoted',
    );
    deps.trigger(to.config.name);
    return {
      ok: true,
      commit: choice.commit,
      from: fromName,
      to: toName,
      branch: to.config.branch,
      previous,
      created,
    };
  } catch (err) {
    if (!(err instanceof SourceError)) throw err;
    return { ok: false, status: 502, reason: 'git', error: err.message };
  }
}
