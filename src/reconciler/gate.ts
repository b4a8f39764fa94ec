import type { AdmittedModel, DeliveredSecrets } from '../secrets/deliver.js';
import type { Diagnostic } from '../stack/diagnostics.js';
import type { ServiceSpec } from '../stack/model.js';
import type { SignatureVerdict } from '../trust/index.js';
import { materialExtras, type DesiredResult } from './desired.js';
import { serviceConfigHash } from './hash.js';
import type { DesiredState } from './plan.js';

/**
 * What the gate reads about a commit. The gate itself only decides; these do the reading, so
 * each caller chooses its own (cached or not, secrets delivered or only previewed).
 */
export interface GateReads {
  /** The commit's signature verdict; undefined when the project does not require signed commits. */
  trust?(commit: string): Promise<SignatureVerdict | undefined>;
  /** The commit loaded and judged: parse, policy, admission, config hashes (pure per commit). */
  load(commit: string): Promise<DesiredResult>;
  /** The secrets' digests and the engine's model with runtime files; absent: the model as loaded. */
  secrets?(commit: string, admitted: AdmittedModel): Promise<DeliveredSecrets>;
}

export interface GateOptions {
  /**
   * `require` (the default): an untrusted commit is refused, as the daemon refuses its head.
   * `report`: the verdict is returned and the commit gated anyway (a reviewer's preview of a
   * branch that deploys only through a signed merge). `skip`: not asked at all (a commit that
   * was deployed before: the rollback target, an operator's pinned commit).
   */
  trust?: 'require' | 'report' | 'skip';
}

export type GateVerdict =
  | {
      ok: true;
      commit: string;
      /** What the engine gets: the model with runtime mounts, hashes with secret digests. */
      desired: DesiredState;
      warnings: Diagnostic[];
      trust?: SignatureVerdict;
    }
  | {
      ok: false;
      commit: string;
      /** `untrusted`: refused before anything of the commit was read; `invalid`: located findings. */
      refusal: 'untrusted' | 'invalid';
      /** Why, in one line (the first finding for `invalid`). */
      reason: string;
      diagnostics: Diagnostic[];
      trust?: SignatureVerdict;
    };

/**
 * The one commit gate: trust, then load (parse, policy, admission, config hashes), then secrets,
 * then the hashes of the services that use secrets. Every way a commit reaches the engine or a
 * reviewer goes through here: the daemon's pass (head, pinned commit, rollback target), previews,
 * `spin plan` and `spin validate`. Pure apart from the reads it is given.
 */
export async function gateCommit(
  commit: string,
  reads: GateReads,
  options: GateOptions = {},
): Promise<GateVerdict> {
  const mode = options.trust ?? 'require';
  const trust = mode === 'skip' ? undefined : await reads.trust?.(commit);
  if (trust && !trust.ok && mode === 'require') {
    return {
      ok: false,
      commit,
      refusal: 'untrusted',
      reason: trust.reason,
      diagnostics: [untrustedDiagnostic(commit, trust.reason)],
      trust,
    };
  }
  const loaded = await reads.load(commit);
  if (!loaded.ok) return invalid(commit, loaded.diagnostics, trust);
  if (!reads.secrets) return admitted(commit, loaded.desired, loaded.warnings, trust);
  const delivered = await reads.secrets(commit, { model: loaded.desired.model, source: loaded.source });
  if (!delivered.ok) return invalid(commit, delivered.diagnostics, trust);
  return admitted(commit, withSecretDigests(loaded.desired, delivered), loaded.warnings, trust);
}

/**
 * The desired state with the engine's model and the secrets' digests folded into the hashes of
 * the services that use a secret. Every other service's hash is the one the load computed (its
 * `extra` has no secret, so it would come out the same): hashes are computed once per commit.
 */
export function withSecretDigests(
  loaded: DesiredState,
  delivered: {
    model: DesiredState['model'];
    digests: ReadonlyMap<string, string>;
    contents?: DesiredState['contents'];
  },
): DesiredState {
  const contents = delivered.contents ? { contents: delivered.contents } : {};
  if (delivered.model === loaded.model && delivered.digests.size === 0) return { ...loaded, ...contents };
  const hashes: Record<string, string> = { ...loaded.hashes };
  for (const spec of Object.values(loaded.model.services)) {
    if (!usesSecrets(spec)) continue;
    hashes[spec.name] = serviceConfigHash(
      loaded.model.project,
      spec,
      materialExtras(loaded.model, spec, delivered.digests),
    );
  }
  return { ...loaded, model: delivered.model, hashes, ...contents };
}

/** The refusal of an unsigned or foreign commit, located at the commit itself. */
export function untrustedDiagnostic(commit: string, reason: string): Diagnostic {
  const message = `untrusted commit: ${reason}`;
  return { file: `commit ${commit.slice(0, 12)}`, line: 0, column: 0, rule: 'trust', message, path: '' };
}

function usesSecrets(spec: ServiceSpec): boolean {
  return (spec.secrets ?? []).length > 0;
}

function admitted(
  commit: string,
  desired: DesiredState,
  warnings: Diagnostic[],
  trust: SignatureVerdict | undefined,
): GateVerdict {
  return { ok: true, commit, desired, warnings, trust };
}

function invalid(
  commit: string,
  diagnostics: Diagnostic[],
  trust: SignatureVerdict | undefined,
): GateVerdict {
  const first = diagnostics[0];
  return {
    ok: false,
    commit,
    refusal: 'invalid',
    reason: first ? `${first.rule}: ${first.message}` : 'commit refused',
    diagnostics,
    trust,
  };
}
