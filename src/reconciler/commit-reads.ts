import type { ProjectConfig } from '../config/types.js';
import type { EngineRules } from '../drivers/driver.js';
import type { GitSource } from '../git/index.js';
import { deliverSecrets, previewSecrets } from '../secrets/deliver.js';
import { commitTrust, type SignatureVerdict } from '../trust/index.js';
import type { Logger } from '../util/logger.js';
import { loadDesired, type DesiredResult } from './desired.js';
import type { GateReads } from './gate.js';

/** Bounded: the head, the last healthy commit and a few recent ones are all a pass ever needs. */
const DESIRED_CACHE_SIZE = 16;

export interface CommitReadsInput {
  project: ProjectConfig;
  source: GitSource;
  /** The configured engine's capabilities and last gate. */
  engine: EngineRules;
  /** Signature verdicts by commit, when the project requires signed commits (trust.keys). */
  trustCache?: Map<string, SignatureVerdict>;
  /** Parsed commits by sha: a pure function of (commit, env, policy), so safe to keep. */
  desiredCache?: Map<string, DesiredResult>;
  /**
   * `deliver`: secret and config files are written to the runtime folder (the daemon's pass).
   * `preview`: their digests and mounts are computed, nothing is written (plans, previews).
   */
  secrets: { mode: 'deliver'; stateDir: string; log: Logger } | { mode: 'preview' };
}

/** The reads of one project's commits that the gate is given: its git source, trust keys, secrets. */
export function commitReads(input: CommitReadsInput): GateReads {
  const { project, source, trustCache, desiredCache, engine } = input;
  const secrets = input.secrets;
  // Swarm stores secrets and configs itself: their contents go to the driver, not to files.
  const objects = engine.capabilities.secretObjects === true;
  return {
    trust: (commit) => commitTrust(project, source.gitdir, commit, trustCache),
    load: (commit) => loadCached(desiredCache, commit, () => loadCommit(project, source, engine, commit)),
    // Secrets and configs are read (and in a pass their files written) every time, outside the cache.
    secrets:
      secrets.mode === 'deliver'
        ? (commit, admitted) =>
            deliverSecrets(
              { project, source, stateDir: secrets.stateDir, log: secrets.log },
              commit,
              admitted,
              { objects },
            )
        : (commit, admitted) => previewSecrets(project, source, commit, admitted, { objects }),
  };
}

function loadCommit(
  project: ProjectConfig,
  source: GitSource,
  engine: EngineRules,
  commit: string,
): Promise<DesiredResult> {
  return loadDesired(source.readerAt(commit), commit, {
    project: project.name,
    env: project.env,
    stackDir: project.path,
    policy: project.policy,
    engine,
  });
}

async function loadCached(
  cache: Map<string, DesiredResult> | undefined,
  commit: string,
  load: () => Promise<DesiredResult>,
): Promise<DesiredResult> {
  const cached = cache?.get(commit);
  if (cached) return cached;
  const result = await load();
  if (!cache) return result;
  cache.set(commit, result);
  if (cache.size > DESIRED_CACHE_SIZE) {
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) cache.delete(oldest);
  }
  return result;
}
