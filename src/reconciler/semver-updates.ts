import type { ProjectConfig } from '../config/types.js';
import { parseImageRef } from '../policy/syntax.js';
import type { StackModel } from '../stack/model.js';
import { compareVersions, highestMatching, parseRange, parseVersion } from '../util/semver.js';

/** A service that follows a semver range among its repository's tags. */
export interface SemverFollow {
  service: string;
  /** The reference the stack runs (interpolated), e.g. `reg/lab/web:1.4.0`. */
  ref: string;
  registry: string;
  repository: string;
  tag: string;
  range: string;
}

/** A newer tag in the range: the stack's reference moves from `ref` to `next`. */
export interface SemverProposal extends SemverFollow {
  next: string;
  nextTag: string;
}

/**
 * Pure: the services that follow a semver range (their own `x-spin` or the project's
 * `imageUpdates`; a service's own setting wins), with a reference by tag. A reference by digest
 * or without a tag has nothing to compare and is not followed.
 */
export function semverFollows(model: StackModel, projectMode: ProjectConfig['imageUpdates']): SemverFollow[] {
  const follows: SemverFollow[] = [];
  for (const [service, spec] of Object.entries(model.services)) {
    const mode = spec.imageUpdates ?? projectMode;
    if (typeof mode !== 'object' || mode.semver === undefined) continue;
    const { registry, repository, tag, digest } = parseImageRef(spec.image);
    if (!tag || digest) continue;
    follows.push({ service, ref: spec.image, registry, repository, tag, range: mode.semver });
  }
  return follows;
}

/**
 * Pure: the highest tag in the range when it is newer than the tag the stack runs, else
 * undefined (nothing newer, nothing matching, or a current tag that is not a version).
 */
export function proposeSemver(follow: SemverFollow, tags: readonly string[]): SemverProposal | undefined {
  const range = parseRange(follow.range);
  const current = parseVersion(follow.tag);
  if (!range || !current) return undefined;
  const nextTag = highestMatching(tags, range);
  const next = nextTag ? parseVersion(nextTag) : undefined;
  if (!nextTag || !next || compareVersions(next, current) <= 0) return undefined;
  const at = follow.ref.lastIndexOf(':');
  return { ...follow, nextTag, next: `${follow.ref.slice(0, at)}:${nextTag}` };
}

/** The commit message: every service with its old and new tag, and the range that chose it. */
export function semverCommitMessage(proposals: readonly SemverProposal[]): string {
  const lines = proposals.map((p) => `${p.service}: ${p.tag} -> ${p.nextTag} (${p.range})`);
  const subject =
    proposals.length === 1 && proposals[0]
      ? `image update ${proposals[0].service} ${proposals[0].tag} -> ${proposals[0].nextTag}`
      : `image updates: ${proposals.map((p) => p.service).join(', ')}`;
  return `${subject}\n\n${lines.join('\n')}\n\nWritten by Spin: the newest tag of each image in its semver range (imageUpdates).\n`;
}
