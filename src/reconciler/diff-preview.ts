import type { EngineRules } from '../drivers/driver.js';
import type { ProjectConfig } from '../config/types.js';
import type { GitSource } from '../git/index.js';
import type { ActualContainer } from '../model/actual-state.js';
import type { StackModel } from '../stack/model.js';
import { sortDiagnostics, type Diagnostic } from '../stack/diagnostics.js';
import type { SignatureVerdict } from '../trust/index.js';
import { commitReads } from './commit-reads.js';
import { materialExtras, type DesiredResult } from './desired.js';
import { gateCommit, type GateReads } from './gate.js';
import {
  diffServices,
  summariseDiff,
  type DesiredService,
  type RunningService,
  type ServiceDiff,
  type ServiceSide,
} from './spec-diff.js';

export interface DiffPreview {
  project: string;
  /** The commit that would be deployed (head, the pinned commit, or the one asked for). */
  commit: string;
  /** The commits the project's containers carry now, most containers first. */
  running: string[];
  valid: boolean;
  diagnostics: Diagnostic[];
  services: ServiceDiff[];
  /** One line: `web recreate image, environment.DB_HOST; worker create`. */
  summary: string;
}

export interface DiffInput {
  project: ProjectConfig;
  source: GitSource;
  /** The project's containers (labels carry each one's commit and config hash). */
  containers: ActualContainer[];
  /** The engine's rules (capabilities, last gate), as for a pass. */
  engine: EngineRules;
  commit?: string;
  trustCache?: Map<string, SignatureVerdict>;
  /** The daemon's parsed commits (a pure function of the commit): a page refresh loads nothing twice. */
  desiredCache?: Map<string, DesiredResult>;
  /** As in previewPlan: `review` gates another branch's head without requiring its signature. */
  purpose?: 'deploy' | 'review';
}

/**
 * What would change for each service between what runs and a commit, field by field: the spec
 * that runs is loaded through the same gate at the commit its containers carry (a deployed commit:
 * trust is not asked again), the desired one at the head. Changes nothing, writes nothing.
 */
export async function previewDiff(input: DiffInput): Promise<DiffPreview> {
  const { project } = input;
  const commit = input.commit ?? (await input.source.resolveHead());
  const reads = () => sideReads(input);
  const wanted = reads();
  const verdict = await gateCommit(commit, wanted.reads, {
    trust: input.purpose === 'review' ? 'report' : 'require',
  });
  const byService = groupByService(input.containers);
  const running = runningCommits(input.containers);
  if (!verdict.ok) {
    return {
      project: project.name,
      commit,
      running,
      valid: false,
      diagnostics:
        verdict.refusal === 'untrusted' ? verdict.diagnostics : sortDiagnostics(verdict.diagnostics),
      services: [],
      summary: 'commit refused',
    };
  }
  const desired: Record<string, DesiredService> = {};
  for (const [name, spec] of Object.entries(verdict.desired.model.services)) {
    desired[name] = {
      side: wanted.side(name) ?? { spec, extra: {} },
      replicas: spec.replicas,
      hash: verdict.desired.hashes[name] ?? '',
    };
  }
  const sides = new Map<string, { side(service: string): ServiceSide | undefined } | { error: string }>();
  for (const at of running) {
    const loaded = reads();
    const old = await gateCommit(at, loaded.reads, { trust: 'skip' });
    sides.set(
      at,
      old.ok ? loaded : { error: `the running commit ${shortCommit(at)} is refused now: ${old.reason}` },
    );
  }
  const now: Record<string, RunningService> = {};
  for (const [service, containers] of byService) {
    const at = runningCommits(containers)[0] ?? '';
    const loaded = sides.get(at);
    const side = loaded && 'side' in loaded ? loaded.side(service) : undefined;
    now[service] = {
      side,
      unknownReason:
        loaded && 'error' in loaded
          ? loaded.error
          : side
            ? undefined
            : `${service} is not in the running commit ${shortCommit(at)}`,
      replicas: new Set(containers.map((c) => c.replica)).size,
      hashes: containers.map((c) => c.configHash),
    };
  }
  const services = diffServices(now, desired);
  return {
    project: project.name,
    commit,
    running,
    valid: true,
    diagnostics: [],
    services,
    summary: summariseDiff(services),
  };
}

/**
 * The gate's reads for one commit, keeping what the diff needs and the verdict does not hand
 * back: the model as loaded (before runtime file mounts, whose paths are Spin's business) and
 * the secrets' digests, for each service's `extra`.
 */
function sideReads(input: DiffInput): { reads: GateReads; side(service: string): ServiceSide | undefined } {
  const base = commitReads({
    project: input.project,
    source: input.source,
    trustCache: input.trustCache,
    desiredCache: input.desiredCache,
    engine: input.engine,
    secrets: { mode: 'preview' },
  });
  let model: StackModel | undefined;
  let digests: ReadonlyMap<string, string> = new Map();
  const reads: GateReads = {
    ...base,
    secrets: async (commit, admitted) => {
      model = admitted.model;
      const delivered = await base.secrets!(commit, admitted);
      if (delivered.ok) digests = delivered.digests;
      return delivered;
    },
  };
  return {
    reads,
    side(service) {
      const spec = model?.services[service];
      return model && spec ? { spec, extra: materialExtras(model, spec, digests) } : undefined;
    },
  };
}

const shortCommit = (sha: string) => sha.slice(0, 12);

/** Replicas Spin manages (temporary `-next` ones and unlabelled ones are the plan's business). */
function groupByService(containers: ActualContainer[]): Map<string, ActualContainer[]> {
  const groups = new Map<string, ActualContainer[]>();
  for (const c of containers) {
    if (c.replica <= 0 || c.name.endsWith('-next')) continue;
    groups.set(c.service, [...(groups.get(c.service) ?? []), c]);
  }
  return groups;
}

/** Distinct commits the containers carry, most containers first. */
function runningCommits(containers: ActualContainer[]): string[] {
  const counts = new Map<string, number>();
  for (const c of containers) if (c.commit) counts.set(c.commit, (counts.get(c.commit) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([c]) => c);
}
