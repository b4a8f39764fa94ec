import type { Health } from '../model/health.js';
import { formatDiagnostic, sortDiagnostics, type Diagnostic } from '../stack/diagnostics.js';
import type { PassResult } from '../store/types.js';

/**
 * `spin promote` (docs/environments.md): which commit moves from one environment to another, or
 * why none does. Pure over the source environment's history and the target branch's refs; the
 * daemon reads those, asks git whether the move is a fast-forward, and pushes.
 */

/** One pass of the source environment, newest first (the history store's PassRecord). */
export interface PromotionPass {
  commit?: string;
  result: PassResult;
  health: Health;
  error?: { reason: string; message: string };
}

export interface PromotionRequest {
  /** `<project>/<env>` names, for messages. */
  from: string;
  to: string;
  fromBranch: string;
  toBranch: string;
  /** The commit asked for (a full sha or a prefix of at least 7 hex digits); default the newest healthy. */
  commit?: string;
  /** Commits deployed Healthy in `from`, most recently good first (HistoryStore.lastGoodCommits). */
  good: readonly string[];
  /** Recent passes of `from`, newest first: say why a commit that is not good is refused. */
  passes: readonly PromotionPass[];
}

export type Refusal =
  | 'same-branch'
  | 'bad-commit'
  | 'no-healthy-commit'
  | 'failed-in-source'
  | 'never-healthy'
  | 'not-fast-forward'
  | 'already-there'
  | 'refused-by-target';

export type PromotionRefusal = { ok: false; reason: Refusal; message: string };
export type PromotionChoice = { ok: true; commit: string } | PromotionRefusal;
/** The push to make: `creates` when the target branch does not exist yet (its first promotion). */
export type BranchMoveChoice = { ok: true; commit: string; creates: boolean } | PromotionRefusal;

const SHA_PREFIX = /^[0-9a-f]{7,40}$/;

/** The commit to promote: the one asked for if it was deployed healthy in `from`, else a refusal. */
export function choosePromotion(request: PromotionRequest): PromotionChoice {
  const { from, to } = request;
  if (request.fromBranch === request.toBranch) {
    return refuse(
      'same-branch',
      `${from} and ${to} both deploy branch '${request.toBranch}': every commit already reaches both, there is nothing to promote; give ${to} its own branch`,
    );
  }
  const wanted = request.commit?.toLowerCase();
  if (wanted === undefined) {
    const newest = request.good[0];
    if (!newest) return refuse('no-healthy-commit', `no commit was deployed healthy in ${from} yet`);
    return { ok: true, commit: newest };
  }
  if (!SHA_PREFIX.test(wanted)) {
    return refuse('bad-commit', `'${request.commit}' is not a commit sha (7 to 40 hex digits)`);
  }
  const matches = (sha: string | undefined) => sha !== undefined && sha.startsWith(wanted);
  const good = request.good.filter(matches);
  if (good.length > 1) {
    return refuse('bad-commit', `'${wanted}' names several healthy commits of ${from}; give more digits`);
  }
  if (good[0]) return { ok: true, commit: good[0] };
  const short = wanted.slice(0, 12);
  const failed = request.passes.find((p) => matches(p.commit) && isFailure(p));
  if (failed) {
    const why = failed.error
      ? `${failed.error.reason}: ${failed.error.message}`
      : `${failed.result}, ${failed.health}`;
    return refuse(
      'failed-in-source',
      `commit ${(failed.commit ?? wanted).slice(0, 12)} failed in ${from} (${why}); only a commit deployed healthy in ${from} can be promoted`,
    );
  }
  return refuse(
    'never-healthy',
    `commit ${short} was never deployed healthy in ${from}; only a commit deployed healthy there can be promoted (healthy: ${
      request.good
        .slice(0, 5)
        .map((c) => c.slice(0, 12))
        .join(', ') || 'none'
    })`,
  );
}

/** What git says about moving the target branch from `head` to `commit`. */
export interface BranchMove {
  commit: string;
  /** The target branch's head now; undefined when the remote has no such branch yet. */
  head: string | undefined;
  /** Whether `head` is an ancestor of `commit` (so the move is a fast-forward); false without a head. */
  headIsAncestor: boolean;
}

/**
 * The push to make, or why not: production only ever moves forward, onto what was proved. A
 * branch that does not exist yet is created at the commit (a GitOps user's first promotion):
 * there is nothing on it to lose, and the commit was already proved in the source environment.
 */
export function checkBranchMove(to: string, toBranch: string, move: BranchMove): BranchMoveChoice {
  if (move.head === undefined) return { ok: true, commit: move.commit, creates: true };
  if (move.head === move.commit) {
    return refuse('already-there', `${to}'s branch '${toBranch}' is already at ${move.commit.slice(0, 12)}`);
  }
  if (!move.headIsAncestor) {
    return refuse(
      'not-fast-forward',
      `moving '${toBranch}' from ${move.head.slice(0, 12)} to ${move.commit.slice(0, 12)} is not a fast-forward: ${toBranch} has commits that ${move.commit.slice(0, 12)} does not contain (or it is older); merge ${toBranch} into the source branch and let it deploy healthy first`,
    );
  }
  return { ok: true, commit: move.commit, creates: false };
}

/** What the target environment's own gate (schema, its policy, its trust rule) said of the commit. */
export type TargetGateVerdict =
  | { ok: true }
  | { ok: false; refusal: 'untrusted' | 'invalid'; reason: string; diagnostics: readonly Diagnostic[] };

/** Located findings quoted in a refusal; the rest are counted (the gate's full list is in prod's own pass). */
const FINDINGS_QUOTED = 5;

/**
 * Whether the target environment would deploy the commit: its gate is run before the branch
 * moves, so a commit its stricter policy (or signing rule) refuses is refused here, with the
 * located findings, and the target branch stays where it is.
 */
export function checkTargetGate(
  to: string,
  toPolicy: string,
  commit: string,
  verdict: TargetGateVerdict,
): PromotionChoice {
  if (verdict.ok) return { ok: true, commit };
  const findings = sortDiagnostics([...verdict.diagnostics]);
  const quoted = findings.slice(0, FINDINGS_QUOTED).map(formatDiagnostic);
  const more = findings.length - quoted.length;
  // Findings may come from the schema, prod's env (interpolation) or the engine's last gate as
  // well as from the policy: the policy is named, the findings say which rule.
  const why =
    verdict.refusal === 'untrusted'
      ? `it is not signed as ${to} requires (${verdict.reason})`
      : `${quoted.join('; ')}${more > 0 ? ` (and ${more} more)` : ''}`;
  return refuse(
    'refused-by-target',
    `commit ${commit.slice(0, 12)} would be refused by ${to}'s gate (policy '${toPolicy}'): ${why}; nothing was moved, ${to} keeps running what it runs`,
  );
}

/** A pass that proved the commit bad: refused, failed, or deployed but not healthy. */
function isFailure(pass: PromotionPass): boolean {
  return pass.result === 'refused' || pass.result === 'failed' || pass.health === 'Degraded';
}

function refuse(reason: Refusal, message: string): PromotionRefusal {
  return { ok: false, reason, message };
}
